"""The back office, the supervision view, the citizen's case page and the
receipt in real Chromium against a real hub.

Screenshots go to $HALLQ_SCREENSHOTS when it is set (docs/screens refreshes
them: `HALLQ_SCREENSHOTS=docs/screens pytest tests/test_cases_pages.py`)."""
from __future__ import annotations

import os
from pathlib import Path

from browser import browser, page  # noqa: F401  (pytest fixtures)
from hubproc import DEFAULT_TIME
from test_cases_api import accept, act

DAY = 86400


def shot(page, name):
    folder = os.environ.get("HALLQ_SCREENSHOTS")
    if folder:
        page.wait_for_function("() => !document.querySelector('.toast')")
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def seed(hub):
    """A hall's fortnight: cases accepted on three days, in every state."""
    hub.set_time(DEFAULT_TIME - 10 * DAY)  # Mon 11-16
    old = [accept(hub, m)[1] for m in ("m02", "m13", "m11")]
    hub.set_time(DEFAULT_TIME - 6 * DAY)  # Fri 11-20
    recent = [accept(hub, m, window="w2", clerk="clerk2")[1] for m in ("m02", "m14")]
    hub.set_time(DEFAULT_TIME)  # Thu 11-26
    today = [accept(hub, m, window="w3", clerk="clerk3")[1] for m in ("m02", "m02", "m02", "m21")]
    renshe = hub.login("backoffice-renshe", "4444")
    act(hub, recent[0]["id"], "review", renshe)
    act(hub, today[1]["id"], "review", renshe)
    act(hub, today[1]["id"], "return", renshe, {"missing": ["户口簿"]})
    for action in ("review", "approve", "ready"):
        act(hub, today[2]["id"], action, renshe)
    return old, recent, today


def login(page, hub, path, user, pin):
    page.goto(hub.url + path)
    page.fill("#login-user", user)
    page.fill("#login-pin", pin)
    page.click("#login-form button[type=submit]")


def test_back_office_works_its_cases_soonest_deadline_first(hub, page):
    old, recent, today = seed(hub)
    login(page, hub, "/backoffice", "backoffice-renshe", "4444")
    rows = page.locator("#case-list tr.case-row")
    rows.first.wait_for()
    numbers = [n.split("\n")[0] for n in rows.locator("td.number").all_inner_texts()]
    # 人社 only (m02), the overdue one first; the 民政 and 退役军人 cases are not shown
    assert numbers == [old[0]["number"], recent[0]["number"], today[0]["number"], today[1]["number"],
                       today[2]["number"]]
    assert "超期" in rows.first.inner_text()
    page.get_by_text(today[0]["number"]).click()
    page.click("button[data-action=review]")
    page.locator("#detail .pill.in_review").wait_for()
    page.click("button[data-action=return]")
    page.check("input[name=missing][value='户口簿']")
    page.fill("#missing-other", "村委会证明")
    page.click("button[data-submit=return]")
    page.locator("#detail .pill.returned").wait_for()
    assert page.locator("#detail ul.missing li").all_inner_texts() == ["户口簿", "村委会证明"]
    renshe = hub.login("backoffice-renshe", "4444")
    assert hub.get(f"/api/cases/{today[0]['id']}", token=renshe).json()["missing"] == ["户口簿", "村委会证明"]
    # live: a case the front window accepts now appears without a reload
    fresh = accept(hub, "m02", window="w4", clerk="clerk4")[1]
    page.get_by_text(fresh["number"]).wait_for()
    page.get_by_text(recent[0]["number"]).click()
    page.locator("#detail button[data-action=approve]").wait_for()
    shot(page, "backoffice.png")


def test_the_case_page_follows_the_case_to_pickup(hub, page):
    ticket, case, _ = accept(hub)
    renshe = hub.login("backoffice-renshe", "4444")
    act(hub, case["id"], "review", renshe)
    act(hub, case["id"], "return", renshe, {"missing": ["户口簿"]})
    page.set_viewport_size({"width": 420, "height": 860})
    page.goto(f"{hub.url}/case/{ticket['token']}")
    page.locator("#case-missing-list li").wait_for()
    assert page.inner_text("#case-state") == "需要补正材料"
    assert page.locator("#case-missing-list li").all_inner_texts() == ["户口簿"]
    act(hub, case["id"], "resume", renshe)
    act(hub, case["id"], "approve", renshe)
    act(hub, case["id"], "ready", renshe)
    page.locator("#case-code-digits").wait_for(state="visible")  # updated live, no reload
    code = hub.get(f"/api/cases/{case['id']}/receipt", token=hub.login("manager", "2222")).json()["pickup_code"]
    assert page.inner_text("#case-code-digits") == code
    assert "请到统一出件窗口取件" in page.inner_text("#case-state")
    shot(page, "case-page.png")
    page.goto(f"{hub.url}/case/not-a-real-token-at-all")
    page.locator("#case-error-text").wait_for()
    assert "号票凭证无效" in page.inner_text("#case-error-text")


def test_supervision_shows_due_and_overdue_per_department(hub, page):
    old, recent, _ = seed(hub)
    login(page, hub, "/supervision", "manager", "2222")
    page.locator(".dept").first.wait_for()
    departments = page.locator(".dept h2").all_inner_texts()
    assert departments[0] == "人社"  # the most overdue first
    first = page.locator(".dept").first
    assert old[0]["number"] in first.inner_text() and recent[0]["number"] in first.inner_text()
    assert page.locator(".dept[data-department='人社'] a", has_text="导出 CSV").get_attribute("href") \
        == "/api/cases/overdue?department=%E4%BA%BA%E7%A4%BE&format=csv"
    page.locator("#report table.figures").wait_for()
    page.click("#check-alerts")  # the alerts arrive over Socket.IO
    page.locator("#alerts li.case_overdue").first.wait_for()
    assert old[0]["number"] in page.inner_text("#alerts")
    shot(page, "supervision.png")


def test_the_receipt_prints_from_the_accepting_clerks_browser(hub, page):
    ticket, case, _ = accept(hub)
    page.goto(hub.url + "/backoffice")
    page.evaluate("""() => fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify({user: 'clerk1', pin: '1111', window: 'w1'})})""")
    page.goto(f"{hub.url}/cases/{case['id']}/receipt")
    assert page.inner_text("h1") == "受理回执"
    assert len(page.inner_text("#pickup-code")) == 6
    assert page.locator(".qr svg").count() == 1
    shot(page, "case-receipt.png")
    other = page.context.browser.new_context().new_page()
    other.goto(f"{hub.url}/cases/{case['id']}/receipt")
    assert "无法打印回执" in other.inner_text("h1")
    other.context.close()
