"""Pages that follow the hall live, in real Chromium: the phone page behind a
ticket's QR, the query terminal, and both through a hub restart."""
from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)


def phone_url(hub, ticket):
    return f"{hub.url}/t/{ticket['token']}"


def test_the_phone_page_follows_a_ticket_from_waiting_to_called_to_rated(hub, page):
    page.set_viewport_size({"width": 390, "height": 844})
    ticket = hub.issue("m03", situation="self-first")
    page.goto(phone_url(hub, ticket))
    expect(page.locator("#number")).to_have_text(ticket["number"])
    expect(page.locator("#status")).to_have_text("等待中")
    expect(page.locator("#ahead")).to_have_text("0")
    expect(page.locator("#cancel")).to_be_visible()
    assert page.locator("#materials li").all_inner_texts() == ["居民身份证", "近期免冠照片"]

    clerk = hub.login("clerk1", "1111", window="w1")
    called = hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]
    assert called["id"] == ticket["id"]
    expect(page.locator("#called")).to_be_visible()  # no reload: Socket.IO
    expect(page.locator("#window-number")).to_have_text("1")
    expect(page.locator("#called")).to_contain_text("请到")
    expect(page.locator("#cancel")).to_be_hidden()

    hub.post("/api/windows/w1/finish", {"outcome": "done"}, token=clerk)
    expect(page.locator("#rating")).to_be_visible()
    labels = [t.strip() for t in page.locator("#rating-buttons .rate b").all_inner_texts()]
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    page.click('#rating-buttons [data-score="4"]')
    expect(page.locator("#rated")).to_have_text("感谢您的评价：满意")
    assert hub.get(f"/api/t/{ticket['token']}").json()["rating"]["score"] == 4


def test_the_citizen_can_leave_the_queue_from_the_phone(hub, page):
    ticket = hub.issue("m03")
    page.goto(phone_url(hub, ticket))
    page.click("#cancel")
    page.click("#cancel-yes")
    expect(page.locator("#status")).to_have_text("已取消")
    expect(page.locator("#closed-note")).to_contain_text("重新取号")
    assert hub.get(f"/api/tickets/{ticket['id']}").json()["status"] == "cancelled"


def test_a_token_that_names_no_ticket_gets_the_404_page_in_chinese_and_english(hub, page):
    hub.issue("m03")
    for token in ("AAAAAAAAAAAAAAAAAAAAAAAA", "not a token!", "x" * 300):
        response = page.goto(hub.url + "/t/" + quote(token))
        assert response.status == 404 and "text/html" in response.headers["content-type"]
        expect(page.locator("h1")).to_have_text("没有这张号票")
        expect(page.locator("h2[lang=en]")).to_have_text("This ticket does not exist")
        expect(page.locator("#ticket")).to_have_count(0)  # no phone page shell
        assert "A001" not in page.content()


def test_the_query_terminal_shows_guides_live_queues_and_a_ticket_by_number(hub, page):
    page.goto(hub.url + "/query#matter=m03")
    expect(page.locator("#guide-name")).to_have_text("社会保障卡申领")
    expect(page.locator('#guide [data-situation="proxy-replace"]')).to_contain_text("授权委托书")
    expect(page.locator("#guide")).to_contain_text("1、2、3、4、5、6 号窗口")
    page.fill("#guide-search", "zdshbz")  # 最低生活保障
    expect(page.locator("#guide-list [data-matter]").first).to_contain_text("最低生活保障申请")
    page.locator("#guide-list [data-matter]").first.click()
    expect(page.locator("#guide-name")).to_have_text("最低生活保障申请")

    page.click('[data-tab="queues"]')
    expect(page.locator("#live-banner")).to_be_hidden()
    expect(page.locator('#queue-rows [data-queue="A"] td.num')).to_have_text("0")
    first = hub.issue("m03")
    hub.issue("m03")
    expect(page.locator('#queue-rows [data-queue="A"] td.num')).to_have_text("2")  # live, no reload

    page.click('[data-tab="ticket"]')
    for key in first["number"]:
        page.click(f'#ticket-pad [data-key="{key.lower()}"]')
    page.click("#ticket-go")
    expect(page.locator("#ticket-result .ticket-number")).to_have_text(first["number"])
    expect(page.locator("#ticket-result .status-chip")).to_have_text("等待中")
    clerk = hub.login("clerk2", "1111", window="w2")
    hub.post("/api/windows/w2/call-next", token=clerk)
    expect(page.locator("#ticket-result .called-to")).to_have_text("请到 2 号窗口")
    page.fill("#ticket-input", "Z999")
    page.click("#ticket-go")
    expect(page.locator("#ticket-result .error")).to_have_text("今天没有这个号码，请核对后重试")


def test_kiosk_and_query_terminal_say_connecting_while_the_hub_restarts_then_resync(hub, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    kiosk, query = context.new_page(), context.new_page()
    kiosk.goto(hub.url + "/kiosk")
    query.goto(hub.url + "/query#tab=queues")
    for p in (kiosk, query):
        expect(p.locator("#live-banner")).to_be_hidden()
    expect(kiosk.locator('#queue-strip [data-queue="A"] b')).to_have_text("无需等候")

    hub.stop()
    for p in (kiosk, query):
        expect(p.locator("#live-banner")).to_be_visible(timeout=20000)
        expect(p.locator("#live-banner")).to_contain_text("正在连接")
    expect(kiosk.locator('#queue-strip [data-queue="A"] b')).to_have_text("—")  # no stale numbers
    expect(query.locator('#queue-rows [data-queue="A"] td.num')).to_have_text("—")

    hub.start()
    hub.issue("m03")
    for p in (kiosk, query):
        expect(p.locator("#live-banner")).to_be_hidden(timeout=20000)
    expect(kiosk.locator('#queue-strip [data-queue="A"] b')).to_have_text("1 人等候")
    expect(query.locator('#queue-rows [data-queue="A"] td.num')).to_have_text("1")
    context.close()
