"""The clerk's console /caller in real Chromium against a real hub: a full
cycle on the number pad and the buttons, each step seen by a board (a
Socket.IO client); a hub restart; a press whose answer is lost is retried
with its Idempotency-Key and acts once."""
from __future__ import annotations

import re
import threading
import time

import pytest
import socketio
from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from hubproc import wait_for


class Board:
    """A board: a Socket.IO client that records every event (public, or with a device key)."""

    def __init__(self, url, token=None):
        self.events = []
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=True)
        self.client.on("*", self._add)
        self.client.connect(url, auth={"token": token} if token else None, transports=["websocket"], wait_timeout=10)

    def _add(self, name, data):
        with self.cond:
            self.events.append((name, data))
            self.cond.notify_all()

    def wait_for(self, name, number, timeout=10, **fields):
        """The first `name` event about ticket `number` whose fields match."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for event, data in self.events:
                    if event == name and data.get("ticket", {}).get("number") == number and all(
                            data.get(k) == v for k, v in fields.items()):
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{name} {number} not seen; saw {[(e, d.get('ticket', {}).get('number')) for e, d in self.events]}")
                self.cond.wait(left)

    def close(self):
        self.client.disconnect()


@pytest.fixture
def board(hub):
    b = Board(hub.url)
    yield b
    b.close()


def log_in(page, hub, user="clerk1", pin="1111", window="w1"):
    page.goto(hub.url + "/caller")
    page.fill("#login-user", user)
    page.fill("#login-pin", pin)
    page.select_option("#login-window", window)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#who-window")).to_have_text(re.compile(r"1号"))
    expect(page.locator("#live-banner")).to_be_hidden()


def call_next(page, number):
    expect(page.locator("#act-call")).to_be_enabled()  # the page knows the window is free
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text(number)


def choose_outcome(page, key):
    page.keyboard.press("/")
    expect(page.locator("#outcome-dialog")).to_be_visible()
    page.keyboard.press(key)


def test_a_clerks_full_cycle_on_the_number_pad_is_seen_by_the_board(hub, page, board):
    tickets = [hub.issue("m03") for _ in range(7)]  # A001..A007 (社会保障卡申领)
    hub.advance(120)  # waits weigh: A (weight 2 at window 1) now goes before a ticket moved to C (weight 1)
    log_in(page, hub)
    expect(page.locator("#queues")).to_contain_text("社保医保")

    call_next(page, "A001")
    called = board.wait_for("ticket.called", "A001")
    assert called["window"]["number"] == 1 and called["call"]["window"]["id"] == "w1"
    expect(page.locator("#materials li")).to_have_count(2)  # the matter's checklist
    page.click("#act-recall")
    board.wait_for("ticket.recalled", "A001")
    expect(page.locator("#ticket-recalls")).to_have_text("1 次")
    page.keyboard.press("0")
    board.wait_for("ticket.started", "A001")
    expect(page.locator("#ticket-status")).to_have_text("办理中")
    page.keyboard.press("*")
    board.wait_for("ticket.finished", "A001", outcome="done")
    expect(page.locator("#ticket-empty")).to_be_visible()

    call_next(page, "A002")  # 受理转后台
    choose_outcome(page, "2")
    page.click("#outcome-ok")
    board.wait_for("ticket.finished", "A002", outcome="accepted")
    expect(page.locator("#slip-dialog")).to_be_visible()  # the hub made a case (办件): its receipt is offered
    expect(page.locator("#slip-text")).to_contain_text("人社")
    expect(page.locator("#slip-print")).to_have_text("打印受理回执")
    with page.context.expect_page() as receipt:
        page.click("#slip-print")
    expect(receipt.value.locator("body")).to_contain_text("受理回执")  # the back office's printable receipt
    receipt.value.close()
    page.click("#slip-dialog button[value=ok]")

    call_next(page, "A003")  # 补正告知: one material received, the other missing
    page.locator("#materials input").first.check()
    choose_outcome(page, "3")
    expect(page.locator("#missing-list input:checked")).to_have_count(1)
    page.fill("#missing-note", "照片须为白底")
    page.click("#outcome-ok")
    board.wait_for("ticket.finished", "A003", outcome="incomplete")
    expect(page.locator("#slip-dialog")).to_be_visible()
    slip = page.locator("#slip-text").inner_text().replace(" ", "")
    assert "补正材料告知单" in slip and "近期免冠照片" in slip and "照片须为白底" in slip and "居民身份证" not in slip
    page.click("#slip-dialog button[value=ok]")
    a003 = hub.get(f"/api/tickets/{tickets[2]['id']}").json()
    assert a003["outcome"] == "incomplete"

    call_next(page, "A004")  # 不予受理 needs a reason
    choose_outcome(page, "4")
    page.click("#outcome-ok")
    expect(page.locator("#outcome-error")).to_contain_text("原因")
    page.fill("#reject-reason", "申请人不符合补领条件")
    page.click("#outcome-ok")
    board.wait_for("ticket.finished", "A004", outcome="rejected")

    call_next(page, "A005")  # 转办 to queue C
    page.keyboard.press("7")
    page.click("#transfer-queues label:has-text('综合事务')")
    page.click("#transfer-ok")
    moved = board.wait_for("ticket.transferred", "A005")
    assert moved["ticket"]["queue"] == "C" and moved["ticket"]["status"] == "waiting"

    call_next(page, "A006")  # 过号
    page.keyboard.press("-")
    board.wait_for("ticket.no_show", "A006")

    page.keyboard.press("9")  # 暂停, then 恢复
    expect(page.locator("#who-state")).to_have_text("暂停")
    expect(page.locator("#act-call")).to_be_disabled()
    page.keyboard.press("9")
    expect(page.locator("#who-state")).to_have_text("开放")
    # the page learns from the press's answer, the board from the stream: wait for the board
    states = lambda: [d["window"]["state"] for e, d in list(board.events)  # noqa: E731
                      if e == "window.changed" and d["window"]["id"] == "w1"]
    assert wait_for(lambda: states()[-2:] == ["paused", "open"], timeout=10), states()

    expect(page.locator("#stat-served")).to_have_text("4")  # the clerk's own figures for today
    expect(page.locator("#stat-noshow")).to_have_text("1")


def test_the_console_survives_a_hub_restart_and_resyncs(hub, page):
    hub.issue("m03")
    log_in(page, hub)
    hub.stop()
    expect(page.locator("#live-banner")).to_be_visible(timeout=15000)
    expect(page.locator("#live-banner")).to_have_text("正在连接…")
    hub.start()
    hub.issue("m03")  # happened while the page was away from the hub
    expect(page.locator("#live-banner")).to_be_hidden(timeout=20000)
    expect(page.locator("#queue-total")).to_have_text("共 2 人等候", timeout=10000)
    call_next(page, "A001")


def test_a_press_whose_answer_is_lost_is_retried_and_acts_once(hub, page):
    first, second = hub.issue("m03"), hub.issue("m03")
    log_in(page, hub)
    lost = []

    def drop_the_answer(route):
        if not lost:
            route.fetch()  # the hub gets the press and acts...
            lost.append(route.request.headers.get("idempotency-key"))
            route.abort("connectionreset")  # ...but the answer never reaches the page
        else:
            lost.append(route.request.headers.get("idempotency-key"))
            route.continue_()

    page.route("**/api/windows/w1/call-next", drop_the_answer)
    call_next(page, "A001")  # shown at once from the board event; the page's own answer comes on the retry
    for _ in range(100):
        if len(lost) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(lost) == 2 and lost[0] == lost[1]  # the retry carried the same key
    assert hub.get(f"/api/tickets/{second['id']}").json()["status"] == "waiting"
    manager = hub.login("manager", "2222")
    assert len([a for a in hub.get("/api/audit", token=manager).json() if a["action"] == "window.call_next"]) == 1
    assert hub.get(f"/api/tickets/{first['id']}").json()["status"] == "called"


def test_a_wrong_pin_is_named_on_the_login_form(hub, page):
    page.goto(hub.url + "/caller")
    page.fill("#login-user", "clerk1")
    page.fill("#login-pin", "9999")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
