"""The pygame board: what it draws from the hub's state, and `--snapshot`."""
import os
import subprocess
import sys
import threading

import pytest

from display.board_draw import GOLD, Painter, find_font
from display.board_state import BoardState
from display.pygame_board import Options, render_snapshot
from hubproc import wait_for


@pytest.fixture(autouse=True)
def headless(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    monkeypatch.setenv("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def call_next(hub, window="w3", clerk="clerk3"):
    token = hub.login(clerk, "1111", window=window)
    r = hub.post(f"/api/windows/{window}/call-next", token=token)
    assert r.status_code == 200, r.text
    return r.json()["ticket"]


def gold_mask_of_number(png, size):
    """The pixels of the big call number: gold ones in the 'now calling' panel."""
    import pygame

    image = pygame.image.load(str(png))
    w, h = size
    unit = min(h, w * 9 / 16) / 100
    top, bottom, right = int(11 * unit), int(11 * unit + (h - 26.5 * unit) * 0.6), int(w * 0.6)
    return {(x, y) for x in range(0, right, 2) for y in range(top, bottom, 2)
            if _goldish(image.get_at((x, y)))}


def _goldish(color):
    return color.r > 200 and color.g > 150 and color.b < 150


def text_mask(text, size):
    """The same text, drawn alone with the board's font at the board's size, centred the same way."""
    import pygame

    painter = Painter(find_font()[0])
    w, h = size
    unit = min(h, w * 9 / 16) / 100
    surface = pygame.Surface(size)
    surface.fill((0, 0, 0))
    rendered = painter.text(text, 22 * unit, GOLD)
    top, bottom, right = int(11 * unit), int(11 * unit + (h - 26.5 * unit) * 0.6), int(w * 0.6)
    pad = int(3 * unit)
    big = pygame.Rect(pad, top + pad, right - 2 * pad, int((h - 26.5 * unit) * 0.6))
    surface.blit(rendered, rendered.get_rect(center=big.center))
    return {(x, y) for x in range(0, right, 2) for y in range(top, bottom, 2) if _goldish(surface.get_at((x, y)))}


def overlap(a, b):
    return len(a & b) / max(1, len(a | b))


def test_snapshot_of_a_live_hub_shows_the_called_number(hub, tmp_path):
    hub.issue("m03")
    ticket = call_next(hub)
    out = tmp_path / "board.png"
    done = subprocess.run([sys.executable, "-m", "hub.cli.main", "board", "--hub", hub.url, "--snapshot", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert ticket["number"] in done.stdout and "wqy-microhei" in done.stdout
    drawn = gold_mask_of_number(out, (1920, 1080))
    assert overlap(drawn, text_mask(ticket["number"], (1920, 1080))) > 0.9
    other = "A999" if ticket["number"] != "A999" else "A998"
    assert overlap(drawn, text_mask(other, (1920, 1080))) < 0.7  # the check tells numbers apart


def test_snapshot_of_a_hub_that_is_not_there_fails_clearly(tmp_path):
    done = subprocess.run([sys.executable, "-m", "hub.cli.main", "board", "--hub", "http://127.0.0.1:9",
                           "--snapshot", str(tmp_path / "x.png")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "无法连接 hub" in done.stderr and "Traceback" not in done.stderr


def board_key():
    from hub.hallfile.model import load_hall
    return load_hall(None).device("board-1").key


class Recorder:
    def __init__(self):
        self.new, self.missed = [], []

    def call(self, call):
        self.new.append(call["ticket"]["number"])

    def miss(self, calls):
        self.missed.extend(c["ticket"]["number"] for c in calls)


def test_the_board_shows_says_and_acknowledges_a_live_call(hub):
    import pygame

    from display.announcer import Announcer
    from display.board_link import BoardLink
    from display.pygame_board import PygameBoard
    from hub.client.acks import CallAcks
    from display.sounds import load_manifest
    from test_display_announcer import FakeClock, RecordingSink

    key = board_key()
    link = BoardLink(hub.url, token=key)
    acker = CallAcks(hub.url, "board-1", key)
    clock = FakeClock()
    sink = RecordingSink(clock)
    board = PygameBoard(link, Painter(find_font()[0]), Options(fullscreen=False, size=(640, 360)), acker=acker)
    board.announcer = Announcer(load_manifest(), sink, repeat=2, clock=clock, sleep=clock.sleep,
                                on_spoken=board.spoken).start()
    called = {}

    def clerk():
        try:
            assert link.snapshot_seen.wait(15)
            called["online"] = board_online(hub, hub.login("manager", "2222"))
            hub.issue("m03")
            called.update(call_next(hub))
            assert wait_for(lambda: link.state.calls and link.state.calls[0]["ticket"]["id"] == called["id"])
            called["event_id"] = link.state.calls[0]["event_id"]
            wait_for(lambda: (called["event_id"], True, True, 200) in acker.recent)
        finally:
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    helper = threading.Thread(target=clerk)
    helper.start()
    try:
        board.run()
    finally:
        helper.join(20)
        board.announcer.stop()
        link.close()
    assert called["online"]
    clips = [name for _, name in sink.played]
    assert clips.count("letter-A") == 2 and clips[-1] == "hao-chuangkou-banli"
    manager = hub.login("manager", "2222")
    acks = hub.get(f"/api/calls/{called['event_id']}/acks", token=manager).json()
    assert [(a["device"], a["shown"], a["spoken"]) for a in acks] == [("board-1", 1, 1)]
    # the board went away: the hub knows (and the manager console gets its alert)
    assert wait_for(lambda: not board_online(hub, manager))


def board_online(hub, token):
    return next(d for d in hub.get("/api/devices", token=token).json() if d["id"] == "board-1")["online"]


def test_a_board_back_from_a_drop_lists_missed_calls_without_announcing_them(hub):
    from display.board_link import BoardLink

    seen = Recorder()
    link = BoardLink(hub.url, on_call=seen.call, on_missed=seen.miss).connect()
    try:
        assert link.snapshot_seen.wait(15)
        hub.issue("m03")
        hub.issue("m03")
        first = call_next(hub, "w1", "clerk1")["number"]
        assert wait_for(lambda: seen.new == [first])
        link.close()
        missed = call_next(hub, "w2", "clerk2")["number"]
        link.connect()
        assert wait_for(lambda: seen.missed == [missed])
        assert seen.new == [first]
        with link.lock:
            assert [c["ticket"]["number"] for c in link.state.calls[:2]] == [missed, first]
            assert link.state.flash is None or link.state.flash[0] != link.state.calls[0]["event_id"]
    finally:
        link.close()


def test_a_board_follows_the_hub_through_a_restart(hub):
    from display.board_link import BoardLink

    seen = Recorder()
    link = BoardLink(hub.url, on_call=seen.call, on_missed=seen.miss).connect()
    try:
        assert link.snapshot_seen.wait(15)
        hub.issue("m03")
        hub.restart()
        assert wait_for(lambda: link.state.connected and link.link.connected.is_set(), timeout=20)
        number = call_next(hub)["number"]
        assert wait_for(lambda: seen.new == [number])
    finally:
        link.close()


def test_call_to_board_latency_is_measured_over_real_calls(hub):
    from display.latency import measure
    figures = measure(hub.url, calls=5)
    assert figures["calls"] == 5
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
