"""差评 in real Chromium: the phone page asks for the hall's reasons after a rating of 1 or 2 and sends
them; the clerk sees their own 差评 on the caller console and appeals (申诉); the manager sees both
deadlines and the appeal on the follow-ups tab and upholds it; the manager's 预约 tab lists the day's
bookings, adds a blackout (listing the bookings inside it for notice) and removes it.
Screenshots go to $HALLQ_SCREENSHOTS when it is set."""
from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from hub.hallfile.model import load_hall
from hubproc import KIOSK_KEY
from test_caller_console import log_in as clerk_log_in
from test_caller_manager import log_in as manager_log_in

REASONS = list(load_hall(None).ratings.reasons)


def shot(page, name):
    folder = os.environ.get("HALLQ_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def served(hub, clerk):
    ticket = hub.issue("m03")
    for action in ("call-next", "start", "finish"):
        assert hub.post(f"/api/windows/w1/{action}", token=clerk).status_code == 200
    return ticket


def test_a_bad_rating_on_the_phone_takes_its_reasons_and_the_clerk_appeals_and_the_manager_upholds(hub, page):
    clerk = hub.login("clerk1", "1111", window="w1")
    ticket = served(hub, clerk)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{hub.url}/t/{ticket['token']}")
    expect(page.locator("#rating")).to_be_visible()
    page.click('#rating-buttons [data-score="2"]')
    expect(page.locator("#reasons-box")).to_be_visible()
    assert [t.strip() for t in page.locator("#reason-buttons .reason").all_inner_texts()] == REASONS
    page.click(f'#reason-buttons [data-reason="{REASONS[0]}"]')
    page.click(f'#reason-buttons [data-reason="{REASONS[2]}"]')
    page.click(f'#reason-buttons [data-reason="{REASONS[2]}"]')  # a second press takes it back
    page.click(f'#reason-buttons [data-reason="{REASONS[1]}"]')
    shot(page, "phone-reasons.png")
    page.click("#rate-send")
    expect(page.locator("#rated")).to_have_text("感谢您的评价：不满意")
    expect(page.locator("#reasons-box")).to_be_hidden()
    answer = hub.get("/api/ratings/mine", token=clerk)
    assert answer.status_code == 200, answer.text
    mine = answer.json()["ratings"]
    assert [(r["number"], r["score"], r["reasons"], r["appeal"]) for r in mine] == [
        (ticket["number"], 2, [REASONS[0], REASONS[1]], None)]
    assert page.errors == []

    page.set_viewport_size({"width": 1920, "height": 1080})
    clerk_log_in(page, hub)
    row = page.locator(f'#bad-ratings [data-ticket="{ticket["id"]}"]')
    expect(row).to_contain_text(ticket["number"])
    expect(row).to_contain_text(f"{REASONS[0]}、{REASONS[1]}")
    row.get_by_role("button", name="申诉").click()
    page.click("#appeal-ok")
    expect(page.locator("#appeal-error")).to_have_text("请填写申诉理由")
    page.fill("#appeal-reason", "群众对政策不满, 非服务问题")
    page.click("#appeal-ok")
    expect(row).to_contain_text("申诉待审核")
    shot(page, "caller-appeal.png")
    assert hub.get("/api/ratings/mine", token=clerk).json()["ratings"][0]["appeal"] == "pending"

    manager_log_in(page, hub)
    page.click('#tabs [data-view="followups"]')
    line = page.locator("#followups tbody tr").first
    expect(line.locator(".deadlines")).to_contain_text("回访 2026-12-01")  # 3 working days from Thu 11-26
    expect(line.locator(".deadlines")).to_contain_text("整改 2026-12-03")  # and 5
    expect(line.locator(".appeal-cell")).to_contain_text("待审核")
    expect(line.locator(".appeal-cell")).to_contain_text("群众对政策不满")
    shot(page, "manager-appeal.png")
    line.locator('[data-decide="uphold"]').click()
    page.fill("#note-text", "核实录像, 服务规范")
    page.click("#note-ok")
    # an upheld appeal closes the follow-up: it leaves the open list and shows, decided, under 全部
    expect(page.locator("#followups tbody")).to_contain_text("没有需要处理的差评回访")
    page.click('[data-filter="all"]')
    expect(line.locator(".appeal-cell .pill")).to_have_text("申诉成立")
    expect(line).to_contain_text("已关闭")
    expect(line.locator('[data-decide]')).to_have_count(0)
    assert hub.get("/api/ratings/mine", token=clerk).json()["ratings"][0]["appeal"] == "upheld"
    assert page.errors == []


def test_the_managers_bookings_tab_lists_the_day_adds_a_blackout_with_the_bookings_to_notify_and_removes_it(hub, page):
    for start, phone, name in (("2026-11-27T09:00:00+08:00", "13812345678", "张三"),
                               ("2026-11-27T10:30:00+08:00", "13912345678", "李四")):
        r = hub.post("/api/appointments", {"matter": "m05", "start": start, "name": name, "phone": phone},
                     headers={"X-Device-Key": KIOSK_KEY})
        assert r.status_code == 201, r.text
    manager_log_in(page, hub)
    page.click('#tabs [data-view="bookings"]')
    expect(page.locator("#bookings-date")).to_have_value("2026-11-26")
    expect(page.locator("#bookings tbody")).to_contain_text("这一天没有预约")
    page.fill("#bookings-date", "2026-11-27")
    page.dispatch_event("#bookings-date", "change")
    rows = page.locator("#bookings tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("09:00–09:30")
    expect(rows.nth(0)).to_contain_text("张三")
    expect(rows.nth(0)).to_contain_text("138****5678")
    expect(rows.nth(1)).to_contain_text("已预约")
    assert "13812345678" not in page.content()

    page.fill("#blackout-from", "2026-11-27")
    page.fill("#blackout-to", "2026-11-27")
    page.fill("#blackout-reason", "系统升级")
    page.click("#blackout-add")
    expect(page.locator("#affected-card")).to_be_visible()
    expect(page.locator("#affected-what")).to_contain_text("系统升级 · 2 个预约")
    expect(page.locator("#affected tbody tr")).to_have_count(2)
    expect(page.locator("#affected tbody")).to_contain_text("139****5678")
    expect(page.locator("#blackouts tbody")).to_contain_text("系统升级")
    shot(page, "manager-blackout.png")
    refused = hub.post("/api/appointments", {"matter": "m05", "start": "2026-11-27T11:00:00+08:00", "name": "王五",
                                             "phone": "13700000000"}, headers={"X-Device-Key": KIOSK_KEY})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "blackout"

    page.locator('#blackouts [data-action="remove"]').click()
    expect(page.locator("#blackouts tbody")).to_contain_text("没有暂停预约的日期")
    assert hub.get("/api/appointments/blackouts").json()["blackouts"] == []
    assert page.errors == []
