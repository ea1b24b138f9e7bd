"""取件 in real Chromium: the pickup code on the kiosk's digit pad (and the
receipt's QR typed by a scanner) gives an output-window ticket linked to its
case; wrong or early codes say why; the original ticket's phone page becomes
the case page and follows the case from accepted to ready without a reload."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)


def accept(hub, matter="m02"):
    """A ticket finished at w1 with outcome accepted: a 人社 case. Returns (ticket, case, pickup code)."""
    ticket = hub.issue(matter)
    clerk = hub.login("clerk1", "1111", window="w1")
    assert hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]["id"] == ticket["id"]
    r = hub.post("/api/windows/w1/finish", {"outcome": "accepted"}, token=clerk)
    assert r.status_code == 200, r.text
    case = hub.get(f"/api/cases?ticket={ticket['id']}", token=clerk).json()[0]
    code = hub.get(f"/api/cases/{case['id']}/receipt", token=clerk).json()["pickup_code"]
    return ticket, case, code


def act(hub, case_id, action, body=None):
    token = hub.login("backoffice-renshe", "4444")
    r = hub.post(f"/api/cases/{case_id}/{action}", body or {}, token=token)
    assert r.status_code == 200, r.text
    return r.json()


def open_kiosk(page, hub):
    page.goto(hub.url + "/kiosk")
    expect(page.locator("#live-banner")).to_be_hidden()
    expect(page.locator("#common [data-matter=m03]")).to_be_visible()


def type_code(page, code):
    for digit in code:
        page.click(f'#pickup-pad [data-key="{digit}"]')


def test_the_pickup_code_at_the_kiosk_issues_an_output_ticket_linked_to_the_case(hub, page):
    _, case, code = accept(hub)
    open_kiosk(page, hub)
    expect(page.locator("#pickup-open")).to_contain_text("取件")
    page.click("#pickup-open")
    expect(page.locator('[data-screen="pickup"]')).to_be_visible()

    wrong = "000000" if code != "000000" else "111111"
    type_code(page, wrong)
    expect(page.locator("#pickup-boxes .code-box.filled")).to_have_count(6)
    page.click("#pickup-go")
    expect(page.locator("#pickup-error-text")).to_have_text("取件码无效, 请核对回执上的 6 位取件码")
    expect(page.locator("#pickup-error-code")).to_have_text(f"您输入的是：{wrong}")

    page.click("#pickup-retry")
    type_code(page, code)  # the right code, but the department has not decided yet
    page.click("#pickup-go")
    expect(page.locator("#pickup-error-title")).to_have_text("暂时不能取件")
    expect(page.locator("#pickup-error-text")).to_contain_text("尚未出件")
    assert hub.get("/api/tickets", params={"number": "F001"}).status_code == 404

    for action in ("review", "approve", "ready"):
        act(hub, case["id"], action)
    page.click("#pickup-retry")
    expect(page.locator("#pickup-error")).to_be_hidden()
    type_code(page, code)
    page.click("#pickup-go")
    expect(page.locator('[data-screen="ticket"]')).to_be_visible()
    expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^F\d{3}$"))
    expect(page.locator("#ticket-case-number")).to_have_text(case["number"])
    expect(page.locator("#ticket-case")).to_contain_text("城乡居民养老保险待遇申领")
    expect(page.locator("#ticket-kinds")).to_have_text("统一出件窗口")
    expect(page.locator("#ticket-ahead")).to_have_text("0 人")
    assert "受理回执或取件码" in page.locator("#ticket-materials").inner_text()
    number = page.locator("#ticket-number").inner_text()
    pickup = hub.get("/api/tickets", params={"number": number}).json()
    assert pickup["queue"] == "F" and pickup["status"] == "waiting"
    token = page.locator("#ticket-qr").get_attribute("data-qr").rsplit("/t/", 1)[1]
    phone = hub.get(f"/api/t/{token}").json()  # the QR leads to the pickup ticket's page, with its case
    assert phone["id"] == pickup["id"] and phone["case"]["number"] == case["number"]
    manager = hub.login("manager", "2222")
    assert [c["number"] for c in hub.get(f"/api/cases?ticket={pickup['id']}", token=manager).json()] == [case["number"]]
    history = hub.get(f"/api/cases/{case['id']}", token=manager).json()["history"]
    assert history[-1]["action"] == "pickup" and number in history[-1]["note"]

    page.goto(f"{hub.url}/t/{token}")  # the pickup ticket's own page: its place in the queue first, then the case
    expect(page.locator("#number")).to_have_text(number)
    expect(page.locator("#status")).to_have_text("等待中")
    expect(page.locator("#case-number")).to_have_text(case["number"])
    assert page.evaluate("document.getElementById('ticket').nextElementSibling.id") == "case"


def test_a_scanned_receipt_on_the_start_screen_gives_the_same_pickup_ticket(hub, page):
    ticket, case, code = accept(hub)
    for action in ("review", "approve", "ready"):
        act(hub, case["id"], action)
    first = hub.post("/api/tickets", {"pickup": code}).json()
    open_kiosk(page, hub)
    # a scanner is a keyboard: the receipt's QR holds the case page's URL, then Enter
    page.keyboard.type(f"{hub.url}/case/{ticket['token']}\n", delay=5)
    expect(page.locator('[data-screen="ticket"]')).to_be_visible()
    expect(page.locator("#ticket-number")).to_have_text(first["number"])  # the same ticket, not a second
    expect(page.locator("#ticket-case-number")).to_have_text(case["number"])
    assert page.errors == []


def test_the_phone_page_of_the_accepted_ticket_follows_the_case_to_ready(hub, page):
    page.set_viewport_size({"width": 390, "height": 844})
    ticket, case, code = accept(hub)
    page.goto(f"{hub.url}/t/{ticket['token']}")
    expect(page.locator("#case")).to_be_visible()
    expect(page.locator("#case-number")).to_have_text(case["number"])
    expect(page.locator("#case-state")).to_have_text("已受理, 等待部门审批")
    expect(page.locator("#case-progress .step-current")).to_have_attribute("data-step", "accepted")
    expect(page.locator("#case-deadline")).to_have_text("2026-12-03 前")
    expect(page.locator("#case-left")).to_have_text("还有 5 个工作日")
    expect(page.locator("#case-ready")).to_be_hidden()
    expect(page.locator("#case-link")).to_have_attribute("href", f"/case/{ticket['token']}")

    act(hub, case["id"], "review")  # no reload from here on: case.state on Socket.IO
    expect(page.locator("#case-progress .step-current")).to_have_attribute("data-step", "review")
    act(hub, case["id"], "return", {"missing": ["户口簿"]})
    expect(page.locator("#case-state")).to_have_text("需要补正材料")
    expect(page.locator("#case-missing-list li")).to_have_text(["户口簿"])
    expect(page.locator("#case-progress .step-current.warn .label")).to_have_text("补正")
    expect(page.locator("#case-left")).to_have_text("暂停计时 · 还剩 5 个工作日")
    act(hub, case["id"], "resume")
    expect(page.locator("#case-missing")).to_be_hidden()
    act(hub, case["id"], "approve")
    act(hub, case["id"], "ready")
    expect(page.locator("#case-ready")).to_be_visible()
    expect(page.locator("#case-ready")).to_contain_text("请到统一出件窗口取件")
    expect(page.locator("#case-code")).to_have_text(code)
    expect(page.locator("#case-progress .step-current")).to_have_attribute("data-step", "ready")
    expect(page.locator("#case-history li").first).to_contain_text("结果待取")
    assert page.errors == []
