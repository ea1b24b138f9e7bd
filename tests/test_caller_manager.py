"""The manager's console /manager in real Chromium against a real hub:
opening a tidal window (the hub chooses the loaded queue), the one-click
surge suggestion, a 差评 follow-up from a rating of 2 to its closing (with
the overdue flag), people, the audit log and the report charts."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from hub.hallfile.model import demo_hall_path, load_hall
from test_caller_console import Board

HALL = load_hall(None)
PAD = {d.window: d.key for d in HALL.devices if d.kind == "pad"}
DAY = 86400


def log_in(page, hub, user="manager", pin="2222"):
    page.goto(hub.url + "/manager")
    page.fill("#login-user", user)
    page.fill("#login-pin", pin)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#tabs")).to_be_visible()
    expect(page.locator("#live-banner")).to_be_hidden()


def window_tile(page, window_id):
    return page.locator(f".win[data-window={window_id}]")


def test_the_manager_opens_tidal_window_14_and_the_loaded_queues_next_ticket_goes_there(hub, page):
    for _ in range(8):
        hub.issue("m03")  # queue A is the loaded one
    board = Board(hub.url)
    try:
        log_in(page, hub)
        expect(page.locator(".queue-row[data-queue=A] .waiting")).to_have_text("8")
        tile = window_tile(page, "w14")
        expect(tile.locator(".pill")).to_have_text("关闭")
        tile.get_by_role("button", name="开启").click()
        expect(page.locator("#open-dialog")).to_be_visible()
        page.click("#open-ok")  # 由系统选择压力最大的队列
        expect(tile.locator(".pill")).to_have_text("开放")
        expect(tile).to_contain_text("队列 A")
        assert hub.get("/api/windows/w14").json()["queues"] == ["A"]
        clerk = hub.login("clerk6", "1111", "w14")
        called = hub.post("/api/windows/w14/call-next", token=clerk).json()["ticket"]
        assert called["queue"] == "A" and called["window_number"] == 14
        board.wait_for("ticket.called", called["number"])
        expect(tile.locator(".held")).to_have_text(f"{called['number']} 已叫号")

        window_tile(page, "w2").get_by_role("button", name="配置").click()  # a work profile: B first at window 2
        page.fill("#profile-weights input[data-queue=B]", "3")
        page.fill("#profile-weights input[data-queue=C]", "0")
        page.click("#profile-ok")
        expect(window_tile(page, "w2")).to_contain_text("队列 A · B")
        profile = hub.get("/api/windows/w2").json()["profile"]
        assert (profile["A"], profile["B"], "C" in profile) == (2.0, 3.0, False)

        page.fill("#notice", "今天下午 4 点起暂停办理社保卡业务")  # the board's notice
        page.click("#notice-save")
        with board.cond:
            board.cond.wait_for(lambda: any(e == "hall.changed" for e, _ in board.events), timeout=10)
        notices = [d["hall"]["notice"] for e, d in board.events if e == "hall.changed"]
        assert notices[-1] == "今天下午 4 点起暂停办理社保卡业务"
    finally:
        board.close()


@pytest.fixture
def surging_hall(hub_factory, tmp_path):
    """The demo hall where the hub only suggests (no automatic tidal windows) and queue A surges at 1 minute."""
    text = demo_hall_path().read_text(encoding="utf-8")
    text = text.replace("auto_open_tidal = true", "auto_open_tidal = false")
    text = text.replace('name = "社保医保"\nname_en = "Social and medical insurance"\nsurge_minutes = 30',
                        'name = "社保医保"\nname_en = "Social and medical insurance"\nsurge_minutes = 1')
    path = tmp_path / "surging-hall.toml"
    path.write_text(text, encoding="utf-8")
    return hub_factory(name="surging", config=path).start()


def test_a_surge_alert_offers_a_one_click_tidal_window(surging_hall, page):
    hub = surging_hall
    log_in(page, hub)
    for _ in range(10):
        hub.issue("m03")
    alert = page.locator("#alerts li.alert.surge").first
    expect(alert).to_contain_text("社保医保(A)")
    alert.get_by_role("button", name=re.compile("一键开启 14 号窗口办理 A")).click()
    expect(window_tile(page, "w14").locator(".pill")).to_have_text("开放")
    assert hub.get("/api/windows/w14").json()["queues"] == ["A"]
    expect(alert).to_contain_text("14 号窗口已开启")


def rate_a_ticket_two(hub):
    clerk = hub.login("clerk1", "1111", "w1")
    ticket = hub.issue("m03")
    hub.advance(300)  # a wait of 5 minutes
    for action in ("call-next", "start", "finish"):
        assert hub.post(f"/api/windows/w1/{action}", token=clerk).status_code == 200
    r = hub.post("/api/windows/w1/rating", {"score": 2}, token=PAD["w1"])
    assert r.status_code == 200 and r.json()["followup"], r.text
    return ticket


def note(page, text):
    expect(page.locator("#note-dialog")).to_be_visible()
    page.fill("#note-text", text)
    page.click("#note-ok")
    expect(page.locator("#note-dialog")).to_be_hidden()


def test_a_rating_of_two_opens_a_followup_that_the_manager_contacts_and_closes(hub, page):
    log_in(page, hub)
    ticket = rate_a_ticket_two(hub)
    expect(page.locator("#followup-count")).to_have_text("1")  # live, from the rating event
    page.click("#tabs button[data-view=followups]")
    row = page.locator(f"#followups tr:has-text('{ticket['number']}')")
    expect(row).to_contain_text("2 分 不满意")
    expect(row).to_contain_text("待回访")
    row.get_by_role("button", name="回访").click()
    note(page, "已电话联系群众, 对等候时间不满意")
    expect(row).to_contain_text("已回访")

    hub.set_time(hub.now + 8 * DAY)  # contacted in time, but past the 5 working days to rectify (整改): overdue
    page.reload()
    log_in(page, hub)
    page.click("#tabs button[data-view=followups]")
    row = page.locator(f"#followups tr:has-text('{ticket['number']}')")
    expect(row).to_have_class(re.compile("overdue"))
    expect(row).to_contain_text("已超期")
    row.get_by_role("button", name="关闭").click()
    note(page, "已整改: 高峰时段增开潮汐窗口")
    expect(page.locator(f"#followups tr:has-text('{ticket['number']}')")).to_have_count(0)
    expect(page.locator("#followup-count")).to_be_hidden()

    followup = hub.get("/api/followups", token=hub.login("manager", "2222")).json()[0]
    assert followup["state"] == "closed" and not followup["overdue"]
    assert [h["action"] for h in followup["history"]] == ["open", "contact", "close"]
    assert followup["history"][-1]["note"] == "已整改: 高峰时段增开潮汐窗口"


def test_people_audit_and_report_charts_in_the_page(hub, page):
    rate_a_ticket_two(hub)
    log_in(page, hub)
    page.click("#tabs button[data-view=users]")
    page.fill("#user-name", "liuyang")
    page.select_option("#user-role", "clerk")
    page.fill("#user-pin", "2468")
    page.click("#user-form button[type=submit]")
    expect(page.locator("#users tr[data-user=liuyang]")).to_contain_text("窗口人员")
    page.locator("#users tr[data-user=liuyang]").get_by_role("button", name="停用").click()
    expect(page.locator("#users tr[data-user=liuyang]")).to_contain_text("已停用")
    assert hub.post("/api/login", {"user": "liuyang", "pin": "2468", "window": "w2"}).status_code == 403

    page.click("#tabs button[data-view=audit]")
    expect(page.locator("#audit")).to_contain_text("新增人员")
    page.fill("#audit-filter", "liuyang")
    expect(page.locator("#audit tbody tr")).to_have_count(2)  # added, disabled

    page.click("#tabs button[data-view=reports]")
    expect(page.locator("#report-kpis")).to_contain_text("取号 1 · 过号 0")
    expect(page.locator("#chart-hours svg")).to_be_visible()
    titles = page.eval_on_selector_all("#chart-hours svg rect title", "ts => ts.map(t => t.textContent)")
    assert "09时 平均等候: 5 分" in titles  # the one ticket waited 5 minutes
    expect(page.locator("#chart-queues svg")).to_contain_text("A")
    assert page.get_attribute("#report-xlsx", "href").endswith("format=xlsx")
    with page.expect_download() as download:
        page.click("#report-csv")  # the session cookie authorises the download
    assert download.value.suggested_filename == "hallq-report-2026-11-26.csv"
