"""The web board (/board) in real Chromium against a real hub."""
from playwright.sync_api import expect

from browser import CuttableLink, browser, page  # noqa: F401  (fixtures)

LIVE = "document.getElementById('board') && !document.getElementById('board').classList.contains('offline')"


def call_next(hub, window="w1", clerk="clerk1"):
    token = hub.login(clerk, "1111", window=window)
    r = hub.post(f"/api/windows/{window}/call-next", token=token)
    assert r.status_code == 200, r.text
    return r.json()["ticket"]


def open_board(page, url, query="sound=off"):
    page.goto(f"{url}/board?{query}")
    page.wait_for_function(LIVE + " && window.hallqBoard.state.lastEventId !== null", timeout=10000)


def shows_number(number):
    return f"document.getElementById('now-number').textContent === '{number}'"


def history(page):
    return page.eval_on_selector_all("#history .ticket", "els => els.map(e => e.textContent)")


def test_a_call_next_appears_on_the_board_within_a_second(hub, page):
    hub.issue("m03")
    open_board(page, hub.url)
    expect(page.locator("#now-number")).to_have_text("暂无呼叫")
    ticket = call_next(hub, "w3", "clerk3")
    page.wait_for_function(shows_number(ticket["number"]), timeout=1000)
    expect(page.locator("#now-window")).to_have_text("请到 3 号窗口")
    expect(page.locator("#now")).to_have_attribute("data-new", "true")
    expect(page.locator("#now")).to_have_class("now flash")
    expect(page.locator('#windows li[data-window="3"] .ticket')).to_have_text(ticket["number"])
    expect(page.locator('#queues li[data-queue="A"] .count')).to_have_text("等候 0 人")
    assert page.evaluate("window.hallqBoard.announced") == [ticket["number"]]
    assert page.errors == []


def test_after_the_hub_restarts_the_board_resyncs(hub, page):
    hub.issue("m03")
    open_board(page, hub.url)
    first = call_next(hub)
    page.wait_for_function(shows_number(first["number"]), timeout=2000)
    hub.stop()
    expect(page.locator("#status")).to_be_visible()
    expect(page.locator("#status")).to_have_text("正在连接…")
    hub.start()
    page.wait_for_function(LIVE, timeout=2000)  # back within 2 s of the hub answering
    hub.issue("m03")
    expect(page.locator('#queues li[data-queue="A"] .count')).to_have_text("等候 1 人")
    token = hub.login("clerk1", "1111", window="w1")
    assert hub.post("/api/windows/w1/finish", token=token).status_code == 200
    second = call_next(hub)
    page.wait_for_function(shows_number(second["number"]), timeout=2000)
    assert history(page)[0] == first["number"]


def test_a_board_that_missed_calls_shows_them_in_history_not_as_new(hub, page):
    link = CuttableLink(hub.port)
    try:
        for _ in range(3):
            hub.issue("m03")
        open_board(page, link.url)
        first = call_next(hub, "w1", "clerk1")
        page.wait_for_function(shows_number(first["number"]), timeout=2000)
        link.cut()
        expect(page.locator("#status")).to_be_visible()
        missed = [call_next(hub, "w2", "clerk2")["number"], call_next(hub, "w3", "clerk3")["number"]]
        link.restore()
        page.wait_for_function(LIVE, timeout=3000)
        expect(page.locator("#history .ticket").first).to_have_text(missed[-1])
        assert history(page)[:2] == missed[::-1]
        expect(page.locator("#now")).to_have_attribute("data-new", "false")
        assert "flash" not in page.get_attribute("#now", "class")
        assert page.inner_text("#now-number") not in missed
        assert page.evaluate("window.hallqBoard.announced") == [first["number"]]  # missed calls are not said
        expect(page.locator('#windows li[data-window="3"] .ticket')).to_have_text(missed[1])
    finally:
        link.close()


def test_the_board_acknowledges_and_speaks_a_call_clip_by_clip(hub, page):
    from hub.hallfile.model import load_hall

    key = load_hall(None).device("board-1").key
    page.add_init_script("localStorage.setItem('hallq.board.sound', 'on')")
    hub.issue("m03")
    open_board(page, hub.url, f"device=board-1&key={key}")
    ticket = call_next(hub, "w3", "clerk3")
    page.wait_for_function(shows_number(ticket["number"]), timeout=2000)
    page.wait_for_function("window.hallqBoard.played.some(u => u.endsWith('/hao-chuangkou-banli.wav'))",
                           timeout=15000)
    played = [u.rsplit("/", 1)[1][:-4] for u in page.evaluate("window.hallqBoard.played")]
    digits = [f"digit-{d}" for d in ticket["number"][1:]]
    assert played[:11] == ["chime", "qing", "letter-A", *digits, "hao", "dao", "window-3", "hao-chuangkou-banli"]
    event_id = page.evaluate("window.hallqBoard.state.calls[0].event_id")
    manager = hub.login("manager", "2222")
    acks = hub.get(f"/api/calls/{event_id}/acks", token=manager).json()
    assert [(a["device"], a["shown"]) for a in acks] == [("board-1", 1)]


def test_the_board_fits_smaller_and_portrait_screens_and_speaks_english(hub, page):
    hub.issue("m03")
    call_next(hub, "w2", "clerk2")
    for size in ((1280, 720), (1080, 1920)):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        open_board(page, hub.url, "sound=off&windows=1-3")
        assert page.eval_on_selector_all("#windows li", "els => els.map(e => e.dataset.window)") == ["1", "2", "3"]
        for selector in ("#now", "#windows", "#queues", ".notice"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["y"] >= 0, (size, selector)
            assert box["x"] + box["width"] <= size[0] + 1 and box["y"] + box["height"] <= size[1] + 1, (size, selector)
        assert page.locator("#now-number").bounding_box()["height"] > size[1] * 0.08  # readable across the hall
    open_board(page, hub.url, "sound=off&lang=en")
    expect(page.locator("#now-window")).to_have_text("Please go to window 2")
    expect(page.locator('[data-label="history"]')).to_have_text("Recent calls")


def test_the_board_serves_the_same_call_program_as_the_pygame_board(hub):
    from display.announcer import call_program

    steps = hub.get("/board/announce?number=A012&window=3&repeat=2").json()["steps"]
    expected = call_program("A012", 3, repeat=2)
    assert [s.get("pause", s.get("clip", "").rsplit("/", 1)[-1][:-4]) for s in steps] == expected
    clip = hub.get(steps[0]["clip"])
    assert clip.status_code == 200 and clip.headers["Content-Type"] == "audio/wav" and clip.content[:4] == b"RIFF"
    bad = hub.get("/board/announce?number=12&window=3")
    assert bad.status_code == 422 and "号码" in bad.json()["error"]["message"]
    assert hub.get("/board/announce?number=A1&window=3&repeat=9").status_code == 422
    assert hub.get("/board/sounds/nothing.wav").status_code == 404
