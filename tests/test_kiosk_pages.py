"""The kiosk in real Chromium: pinyin search, questions deciding the
materials, the ticket with its QR, English, idle return and staff mode."""
from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from hub.hallfile.model import load_hall
from hubproc import KIOSK_KEY
from kiosk.printing import eta_text

PRINTER_KEY = load_hall(None).device("printer-1").key


def open_kiosk(page, hub, query=""):
    page.goto(hub.url + "/kiosk" + query)
    expect(page.locator("#live-banner")).to_be_hidden()
    expect(page.locator("#common [data-matter=m03]")).to_be_visible()


def texts(page, selector):
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def answer(page, **answers):
    for question, option in answers.items():
        page.click(f'[data-question="{question}"] [data-option="{option}"]')


def test_typing_pinyin_initials_on_the_letter_pad_finds_the_social_security_card(hub, page):
    open_kiosk(page, hub)
    page.click("#search-open")
    for key in "shbzk":
        page.click(f'#search-pad [data-key="{key}"]')
    expect(page.locator("#search-input")).to_have_value("shbzk")
    first = page.locator("#search-results [data-matter]").first
    expect(first).to_have_attribute("data-matter", "m03")
    expect(first).to_contain_text("社会保障卡申领")
    page.click('#search-pad [data-key="delete"]')
    expect(page.locator("#search-input")).to_have_value("shbz")
    # a physical keyboard or scanner works too, straight from the start screen
    page.click('[data-screen="search"] [data-action="home"]')
    page.keyboard.type("shehuibaozhangka")
    expect(page.locator("#search-input")).to_have_value("shehuibaozhangka")
    expect(page.locator("#search-results [data-matter]").first).to_have_attribute("data-matter", "m03")
    page.locator("#search-results [data-matter]").first.click()
    expect(page.locator("#matter-name")).to_have_text("社会保障卡申领")


def test_the_answers_to_the_questions_decide_the_materials_list(hub, page):
    open_kiosk(page, hub)
    page.click("#common [data-matter=m03]")
    expect(page.locator("#materials-wait")).to_be_visible()
    assert texts(page, "#materials li") == []
    page.click("#take-ticket")
    expect(page.locator("#matter-error")).to_have_text("请先回答上面的问题")
    answer(page, who="self", first="first")
    expect(page.locator("#materials li")).to_have_count(2)
    assert texts(page, "#materials li") == ["居民身份证", "近期免冠照片"]
    answer(page, first="replace")
    expect(page.locator("#materials li")).to_have_count(3)
    assert "原社会保障卡" in texts(page, "#materials li")
    answer(page, who="proxy")
    expect(page.locator("#situation-name")).to_contain_text("他人代办·补领或换领")
    assert {"授权委托书", "代办人居民身份证", "原社会保障卡"} <= set(texts(page, "#materials li"))
    expect(page.locator("#materials-wait")).to_be_hidden()


def test_taking_a_ticket_shows_its_number_wait_windows_materials_and_a_qr_of_its_status_url(hub, page):
    hub.issue("m03")  # someone is already waiting
    open_kiosk(page, hub)
    page.click("#common [data-matter=m03]")
    answer(page, who="self", first="replace")
    page.click("#take-ticket")
    expect(page.locator('[data-screen="ticket"]')).to_be_visible()
    number = page.locator("#ticket-number").inner_text()
    assert re.fullmatch(r"A\d{3}", number)
    expect(page.locator("#ticket-ahead")).to_have_text("1 人")
    expect(page.locator("#ticket-kinds")).to_contain_text("综合受理窗口")
    assert texts(page, "#ticket-materials li") == ["居民身份证", "近期免冠照片", "原社会保障卡"]
    expect(page.locator("#ticket-printer")).to_contain_text("请拍照保存")  # the demo hall has no printer
    qr = page.locator("#ticket-qr")
    status_url = qr.get_attribute("data-qr")
    assert quote(status_url, safe="") in qr.get_attribute("src")
    page.wait_for_function("document.getElementById('ticket-qr').naturalWidth > 0")
    token = status_url.rsplit("/t/", 1)[1]
    mine = hub.get(f"/api/t/{token}").json()
    assert mine["number"] == number and mine["situation"] == "self-replace"
    expect(page.locator("#ticket-eta")).to_have_text(eta_text(mine["eta_minutes"], mine["eta_range_minutes"]))
    page.click('[data-screen="ticket"] [data-action="home"]')
    expect(page.locator('[data-screen="start"]')).to_be_visible()


def test_one_touch_switches_everything_to_english_and_back(hub, page):
    open_kiosk(page, hub)
    missing = page.evaluate("""() => {
        const zh = Object.keys(HQ_STRINGS.zh), en = Object.keys(HQ_STRINGS.en);
        return zh.filter(k => !en.includes(k)).concat(en.filter(k => !zh.includes(k)));
    }""")
    assert missing == []
    page.click("#lang")
    expect(page.locator('[data-screen="start"] h1')).to_have_text("Welcome. What do you need to do today?")
    expect(page.locator("#common [data-matter=m03] .tile-name")).to_have_text("Applying for a social security card")
    expect(page.locator("#lang")).to_have_text("中文")
    page.click("#common [data-matter=m03]")
    expect(page.locator('[data-question="who"] .question-text')).to_contain_text("for yourself")
    expect(page.locator('[data-question="who"] [data-option="self"]')).to_have_text("In person")
    page.click('[data-question="who"] [data-option="self"]')
    page.click('[data-question="first"] [data-option="first"]')
    expect(page.locator("#materials li").first).to_have_text("Resident ID card")
    page.click("#lang")
    expect(page.locator("#materials li").first).to_have_text("居民身份证")
    expect(page.locator('[data-question="who"] [data-option="self"]')).to_have_text("本人办理")
    expect(page.locator("#matter-name")).to_have_text("社会保障卡申领")


def login_guide(page):
    page.click("#staff-open")
    for digit in "5555":
        page.click(f'#login-pad [data-key="{digit}"]')
    page.click("#login-go")
    expect(page.locator("#staff-bar")).to_be_visible()
    return page.evaluate("Kiosk.staff.token")


def test_an_idle_kiosk_returns_to_its_start_screen_in_chinese_and_out_of_staff_mode(hub, page):
    open_kiosk(page, hub, "?idle=2")
    token = login_guide(page)
    page.click("#lang")
    page.click("#common [data-matter=m03]")
    expect(page.locator('[data-screen="matter"]')).to_be_visible()
    expect(page.locator('[data-screen="start"]')).to_be_visible(timeout=15000)
    expect(page.locator('[data-screen="matter"]')).to_be_hidden()
    expect(page.locator('[data-screen="start"] h1')).to_have_text("您好，请选择要办理的事项")
    expect(page.locator("#staff-bar")).to_be_hidden()
    assert hub.get("/api/me", token=token).status_code == 401


def test_printing_the_list_without_a_printer_shows_it_with_a_qr_to_the_guide(hub, page):
    open_kiosk(page, hub)
    page.click("#common [data-matter=m03]")
    answer(page, who="proxy", first="first")
    page.click("#print-list")
    expect(page.locator('[data-screen="materials"]')).to_be_visible()
    assert "授权委托书" in texts(page, "#list-materials li")
    expect(page.locator("#list-note")).to_contain_text("请拍照保存")
    assert page.locator("#list-qr").get_attribute("data-qr").endswith("/query#matter=m03")
    page.click("#list-take")  # the list screen leads on to a ticket for the same situation
    expect(page.locator("#ticket-number")).to_have_text(re.compile(r"A\d{3}"))


def test_a_printer_fault_tells_the_citizen_to_photograph_the_qr(hub, page):
    hub.post("/api/devices/printer-1/status", {"online": True, "fault": "paper_out"}, token=PRINTER_KEY)
    open_kiosk(page, hub)
    page.click("#common [data-matter=m03]")
    answer(page, who="self", first="first")
    page.click("#take-ticket")
    expect(page.locator("#ticket-printer")).to_have_text("打印机暂时故障，请拍照保存二维码")
    expect(page.locator("#ticket-qr")).to_be_visible()


def test_the_guide_desk_logs_in_and_issues_green_channel_and_appointment_tickets(hub, page):
    open_kiosk(page, hub)
    token = login_guide(page)
    assert not [c for c in page.context.cookies() if c["name"] == "hallq_session"]  # the token stays in memory
    assert hub.get("/api/me", token=token).json()["role"] == "guide"
    page.click("#common [data-matter=m03]")
    answer(page, who="self", first="first")
    page.click("#staff-green")
    page.click('#reasons [data-reason="elderly"]')
    expect(page.locator("#ticket-priority")).to_have_text("绿色通道")
    green = page.locator("#ticket-number").inner_text()
    assert hub.get("/api/tickets", params={"number": green}).json()["priority"] == "green"

    page.click('[data-screen="ticket"] [data-action="home"]')
    page.click("#common [data-matter=m03]")
    answer(page, who="self", first="first")
    code = hub.post("/api/appointments", {"matter": "m05", "start": "2026-11-26T10:00:00+08:00", "name": "王五",
                                          "phone": "13912345678"}, headers={"X-Device-Key": KIOSK_KEY}).json()["code"]
    hub.advance(45 * 60)  # 09:45: inside the 10:00 slot's check-in window
    page.click("#staff-checkin")
    page.click("#code-go")  # empty code: refused in words
    expect(page.locator("#code-error")).to_have_text("请输入预约码")
    for key in code:
        page.click(f'#code-pad [data-key="{key}"]')
    page.click("#code-go")
    expect(page.locator("#ticket-priority")).to_have_text("预约")
    page.click("#staff-logout")
    expect(page.locator("#staff-bar")).to_be_hidden()
    expect(page.locator("#staff-open")).to_be_visible()
    assert hub.get("/api/me", token=token).status_code == 401  # logged out on the hub, not just hidden
