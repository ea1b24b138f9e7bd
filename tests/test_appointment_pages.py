"""Appointments in real Chromium: a citizen books on /book, sees the code and its QR, cancels on
/b/CODE; at the hall the kiosk's start screen and the query terminal check the code in (typed on
the pad, typed with its space, or scanned: a scanner types the QR's address and Enter), and every
refusal is said in words. Screenshots go to $HALLQ_SCREENSHOTS when it is set
(`HALLQ_SCREENSHOTS=docs/screens pytest tests/test_appointment_pages.py`)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from hubproc import KIOSK_KEY

KIOSK = {"X-Device-Key": KIOSK_KEY}


def shot(page, name):
    folder = os.environ.get("HALLQ_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def booked(hub, start="2026-11-26T10:00:00+08:00", phone="13912345678"):
    r = hub.post("/api/appointments", {"matter": "m05", "start": start, "name": "王五", "phone": phone},
                 headers=KIOSK)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_citizen_books_on_the_phone_page_gets_the_code_and_qr_and_cancels_on_the_manage_page(hub, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(hub.url + "/book")
    page.locator("#matters button").first.click()
    page.locator("#days button").first.click()
    free = page.locator("#slots button:not([disabled])").first
    expect(free).to_be_visible()
    free.click()
    page.fill("#name", "李四")
    page.fill("#phone", "13812345678")
    shot(page, "book.png")
    page.click("#submit")
    expect(page.locator("#done")).to_be_visible()
    code = page.locator("#done-code").inner_text()
    assert re.fullmatch(r"\d{4} \d{4}", code), code
    page.wait_for_function("document.getElementById('done-qr').naturalWidth > 0")  # the QR was drawn
    assert page.locator("#done-checkin").inner_text().startswith("请在 ")
    mine = hub.get("/api/appointments/by-code/" + code.replace(" ", "")).json()
    assert mine["state"] == "booked" and mine["name"] != "李四"  # masked on a public answer
    shot(page, "book-done.png")

    page.click("#done-manage")
    expect(page.locator("#manage")).to_be_visible()
    expect(page.locator("#manage-state")).to_have_text("已预约")
    expect(page.locator("#manage-code")).to_have_text(code)
    page.click("#cancel")
    expect(page.locator("#manage-state")).to_have_text("预约已取消，名额已释放")
    assert hub.get("/api/appointments/by-code/" + code.replace(" ", "")).json()["state"] == "cancelled"
    page.goto(hub.url + "/b/99999999")
    expect(page.locator("#book-error")).to_contain_text("未找到该预约")
    assert errors == []
    context.close()


def type_code(page, code):
    for key in code:
        page.click(f'#code-pad [data-key="{key}"]')


def test_a_citizen_checks_in_at_the_kiosk_start_screen_and_refusals_are_said_in_words(hub, page):
    first, second = booked(hub), booked(hub, phone="13700000000")
    page.goto(hub.url + "/kiosk?key=" + KIOSK_KEY)
    expect(page.locator("#common [data-matter=m03]")).to_be_visible()
    shot(page, "kiosk-start-checkin.png")
    page.click("#checkin-open")
    expect(page.locator("#dlg-code")).to_be_visible()
    page.click("#code-go")
    expect(page.locator("#code-error")).to_have_text("请输入预约码")
    type_code(page, first["code"])
    page.click("#code-go")  # 09:00: the 10:00 slot's check-in opens at 09:30
    expect(page.locator("#code-error")).to_contain_text("预约签到 09:30 开始")
    shot(page, "kiosk-checkin-early.png")

    hub.advance(45 * 60)
    page.click('#code-pad [data-key="clear"]')
    page.locator("#code-input").type(first["code"][:4] + " " + first["code"][4:])  # as printed
    page.click("#code-go")
    expect(page.locator('[data-screen="ticket"]')).to_be_visible()
    expect(page.locator("#ticket-priority")).to_have_text("预约")
    number = page.locator("#ticket-number").inner_text()
    assert hub.get("/api/tickets", params={"number": number}).json()["priority"] == "appointment"

    page.click('[data-screen="ticket"] [data-action="home"]')
    page.click("#checkin-open")
    page.keyboard.type(first["manage_url"] + "\n")  # the scanner, focus already in the field
    expect(page.locator("#code-error")).to_have_text("该预约已签到取号, 请留意叫号")
    page.fill("#code-input", "00000000")
    page.click("#code-go")
    expect(page.locator("#code-error")).to_contain_text("未找到该预约")
    page.fill("#code-input", "")
    page.keyboard.type(second["manage_url"] + "\n")
    expect(page.locator('[data-screen="ticket"]')).to_be_visible()
    expect(page.locator("#ticket-number")).not_to_have_text(number)
    assert page.errors == []


def test_the_query_terminal_checks_in_and_shows_the_ticket_on_its_screen(hub, page):
    mine = booked(hub)
    page.goto(hub.url + "/query?key=" + KIOSK_KEY)
    page.click("#tab-checkin")
    for key in mine["code"]:
        page.click(f'#checkin-pad [data-key="{key}"]')
    page.click("#checkin-go")
    expect(page.locator("#checkin-error")).to_contain_text("预约签到 09:30 开始")
    hub.advance(45 * 60)
    page.click("#checkin-go")
    expect(page.locator("#checkin-number")).to_be_visible()
    expect(page.locator("#checkin-error")).to_be_hidden()
    number = page.locator("#checkin-number").inner_text()
    assert hub.get("/api/tickets", params={"number": number}).json()["priority"] == "appointment"
    page.wait_for_function("document.querySelector('.checkin-qr').naturalWidth > 0")
    assert page.errors == []
