"""A hall runs for years: what the board, the announcer, the call acks and the
device simulators keep is bounded, whatever the number of calls. Each test
pushes far more through a part than its bound and checks what it holds (and,
for the board's whole path from hub event to state, that traced memory stays
flat once warm). `hallq soak` measures the same on the real processes."""
import tracemalloc

import pytest

from display.announcer import Announcer, Call
from display.board_link import BoardLink
from display.sounds import load_manifest
from firmware_bridge import messages as m
from firmware_bridge import sim as simulator
from firmware_bridge.protocols.hallq import HallqProtocol
from hub.client import acks
from hub.client.acks import CallAcks
from kiosk import printer_sim
from kiosk.escpos_decode import Decoder
from kiosk.printer_sim import PrinterSim
from kiosk.printing import render
from test_display_announcer import FakeClock, RecordingSink


def call_event(event_id, window=1):
    number = f"A{event_id % 1000:03d}"
    ticket = {"id": event_id, "number": number, "status": "called", "window": f"w{window}"}
    return {"type": "ticket.called", "event_id": event_id, "ticket": ticket,
            "window": {"id": f"w{window}", "number": window, "ticket": ticket},
            "call": {"event_id": event_id, "ticket": ticket, "window": {"id": f"w{window}", "number": window}},
            "queues": [{"id": "A", "waiting": event_id % 7}]}


def board_link():
    link = BoardLink("http://127.0.0.1:9")  # never connected: events are handed to it as the link would
    link._snapshot({"event_id": 0, "now": "2026-11-26T09:00:00+08:00", "hall": {"name": "演示大厅"},
                    "queues": [{"id": "A", "waiting": 0}], "windows": [{"id": "w1", "number": 1}], "calls": []})
    return link


def test_the_boards_state_stays_flat_over_thousands_of_calls():
    link = board_link()
    calls = []
    link.on_call = calls.append
    for i in range(1, 1001):
        link._event("ticket.called", call_event(i))
    tracemalloc.start()
    try:
        warm = tracemalloc.take_snapshot()
        for i in range(1001, 6001):
            link._event("ticket.called", call_event(i))
            calls.clear()
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(warm, "filename"))
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"{grown} bytes more after 5,000 calls"
    assert len(link.state.calls) == 20 and len(link.state.featured) <= 20


def test_the_announcer_skips_the_oldest_waiting_call_rather_than_hoarding_them():
    clock = FakeClock()
    announcer = Announcer(load_manifest(), RecordingSink(clock), clock=clock, sleep=clock.sleep, max_waiting=10)
    for i in range(500):  # a flood: calls far faster than they can be said, and no speaker thread
        announcer.say(Call(i, f"A{i % 1000:03d}", 1))
    assert announcer.pending() == 10 and announcer.skipped == 490
    announcer.play_next(timeout=0)  # what is said is the newest ten, oldest of them first
    assert [name for _, name in announcer.sink.played].count("digit-9") >= 1


class CountingHub:
    def __init__(self):
        self.posts = 0

    def request(self, method, path, body=None, key=None, params=None):
        self.posts += 1
        return 200, {}


def test_call_acks_remember_a_bounded_number_of_calls():
    hub = CountingHub()
    sender = CallAcks("http://127.0.0.1:9", "board-1", "key", http=hub)
    for i in range(acks.REMEMBERED * 3):
        sender.ack(i, shown=True)
        sender.ack(i, shown=True, spoken=True)
    sender.flush(10)
    # a flood beyond MAX_QUEUED waiting acks drops the oldest of them, never more
    assert hub.posts + sender.dropped == acks.REMEMBERED * 6 and hub.posts >= acks.MAX_QUEUED
    assert len(sender._reported) == acks.REMEMBERED and len(sender.recent) == acks.RECENT


def test_a_simulated_bar_keeps_only_its_latest_requests():
    bar = simulator.SimDevice("bar-3", "bar", 3, HallqProtocol())
    for i in range(simulator.RECEIVED_KEPT * 10):  # a bar is polled every second, for years
        bar.handle(m.Poll(3) if i % 2 else m.ShowText(3, f"A{i % 1000:03d} 请到3号窗口"))
    assert len(bar.received) == simulator.RECEIVED_KEPT
    assert bar.shows.endswith("请到3号窗口")


def test_the_printer_simulator_and_its_decoder_keep_only_the_latest_slips():
    slip = {"kind": "ticket", "hall": "演示大厅", "number": "A001", "queue_name": "综合", "matter_name": "社保",
            "ahead": 0, "eta_minutes": 0, "issued_at": "2026-11-26T09:00:00+08:00",
            "status_url": "http://hub/t/x", "materials": []}
    try:
        data = render(slip, 80)
    except Exception as exc:  # the slip's fields are the printing module's: keep this test about memory
        pytest.skip(f"slip not renderable here: {exc}")
    decoder = Decoder()
    for _ in range(300):
        assert len(decoder.feed(data)) == 1
    assert decoder._finished == []
    printer = PrinterSim()
    for _ in range(printer_sim.SLIPS_KEPT * 3):
        printer._printed(decoder.feed(data)[0])
    assert printer.printed == printer_sim.SLIPS_KEPT * 3 and len(printer.slips) == printer_sim.SLIPS_KEPT


def test_the_boards_text_cache_is_bounded_by_pixels(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    from display import board_draw
    from display.board_draw import Painter, find_font

    painter = Painter(find_font()[0])
    for i in range(3000):  # every ticket number of a busy month, large
        painter.text(f"A{i:04d}", 160)
    assert len(painter._texts) <= board_draw.TEXT_CACHE_ENTRIES
    assert painter._pixels <= board_draw.TEXT_CACHE_PIXELS
    assert painter._pixels == sum(s.get_width() * s.get_height() for s in painter._texts.values())
