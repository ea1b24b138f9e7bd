"""Every page through an accessibility engine: axe-core (axe-playwright-python)
in real Chromium against a real hub, each console at its login screen and
again after login, the citizen pages on their main screens. A serious or
critical violation fails the test, naming the rule and the elements."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from test_cases_api import accept

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
BLOCKING = ("serious", "critical")
# moderate, but what a screen reader's user steers by: a level-one heading, one main landmark,
# all content inside landmarks
ALSO = ("page-has-heading-one", "landmark-one-main", "region")


def violations(page):
    """The serious and critical axe findings of the page as it is now, and those of ALSO:
    [(rule, impact, [selector…])]."""
    found = axe_module.Axe().run(page).response["violations"]
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in found
            if v["impact"] in BLOCKING or v["id"] in ALSO]


def check(page):
    # the page as it settles: a button turning green over 0.12 s has white text on near-white
    # midway, which axe would read as a contrast failure of the page
    page.wait_for_function("() => !document.getAnimations().some("
                           "a => a instanceof CSSTransition && a.playState === 'running')", timeout=5000)
    found = violations(page)
    assert not found, "\n".join(f"{rule} ({impact}): {targets}" for rule, impact, targets in found)


def log_in(page, hub, path, user, pin, window=None):
    page.goto(hub.url + path)
    page.locator("#login-form").wait_for()
    check(page)  # the login screen
    page.fill("#login-user", user)
    page.fill("#login-pin", pin)
    if window:
        page.select_option("#login-window", window)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-view")).to_be_hidden()
    expect(page.locator("#live-banner")).to_be_hidden()


def test_the_index_page(hub, page):
    page.goto(hub.url + "/")
    check(page)


def test_the_kiosk_start_matter_and_ticket_screens(hub, page):
    page.goto(hub.url + "/kiosk")
    expect(page.locator("#live-banner")).to_be_hidden()
    page.locator("#common [data-matter=m03]").wait_for()
    check(page)
    page.click("#common [data-matter=m03]")
    page.click('[data-question="who"] [data-option="self"]')
    page.click('[data-question="first"] [data-option="first"]')
    check(page)
    page.click("#take-ticket")
    expect(page.locator('[data-screen="ticket"]')).to_be_visible()
    check(page)


def test_the_query_terminal_tabs(hub, page):
    hub.issue("m03")
    page.goto(hub.url + "/query#matter=m03")
    expect(page.locator("#live-banner")).to_be_hidden()
    page.locator("#guide h1, #guide h2").first.wait_for()
    check(page)
    for tab in ("queues", "ticket"):
        page.click(f'[data-tab="{tab}"]')
        expect(page.locator(f'[data-pane="{tab}"]')).to_be_visible()
        check(page)


def test_the_phone_page_of_a_waiting_ticket(hub, page):
    ticket = hub.issue("m03")
    page.set_viewport_size({"width": 420, "height": 860})
    page.goto(f"{hub.url}/t/{ticket['token']}")
    expect(page.locator("#waiting")).to_be_visible()
    check(page)


def test_the_phone_page_of_an_unknown_token_is_a_404_page(hub, page):
    response = page.goto(f"{hub.url}/t/AAAAAAAAAAAAAAAAAAAAAAAA")
    assert response.status == 404
    check(page)


def test_the_caller_console(hub, page):
    hub.issue("m03")
    log_in(page, hub, "/caller", "clerk1", "1111", window="w1")
    page.click("#act-call")
    expect(page.locator("#ticket")).to_be_visible()
    check(page)


def test_the_manager_console_tabs(hub, page):
    hub.issue("m03")
    log_in(page, hub, "/manager", "manager", "2222")
    check(page)
    for view in ("reports", "followups", "devices", "users", "audit", "ops"):
        page.click(f'#tabs [data-view="{view}"]')
        expect(page.locator(f"#view-{view}")).to_be_visible()
        page.wait_for_load_state("networkidle")
        check(page)


def test_the_back_office_and_supervision(hub, page):
    _, case, _ = accept(hub)
    log_in(page, hub, "/backoffice", "backoffice-renshe", "4444")
    page.get_by_text(case["number"]).first.click()
    page.locator("#detail .pill").wait_for()
    check(page)
    page.context.clear_cookies()
    page.evaluate("sessionStorage.clear()")
    log_in(page, hub, "/supervision", "manager", "2222")
    page.locator("#departments .dept").first.wait_for()
    check(page)


def test_the_case_page_and_receipt(hub, page):
    ticket, case, clerk = accept(hub)
    page.goto(f"{hub.url}/case/{ticket['token']}")
    page.locator("#case-card").wait_for()
    check(page)


def test_the_web_board(hub, page):
    hub.issue("m03")
    clerk = hub.login("clerk1", "1111", window="w1")
    hub.post("/api/windows/w1/call-next", token=clerk)
    page.goto(hub.url + "/board?sound=off")
    page.locator("#history, #now-number").first.wait_for()
    expect(page.locator("#now-number")).not_to_have_text("—")
    check(page)
