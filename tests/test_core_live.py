"""Socket.IO: snapshot on connect, one message per event, resume after a drop,
rooms for staff and for a window's devices."""
from __future__ import annotations

import threading
import time

import socketio

from hub.hallfile.model import load_hall

HALL = load_hall(None)


class Listener:
    """A real Socket.IO client that records what it receives."""

    def __init__(self, url, token=None):
        self.events = []
        self.snapshots = []
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("snapshot", lambda data: self._add("snapshot", data))
        self.client.on("*", lambda event, data: self._add(event, data))
        self.client.connect(url, auth={"token": token} if token else None, transports=["websocket"], wait_timeout=10)

    def _add(self, name, data):
        with self.cond:
            (self.snapshots if name == "snapshot" else self.events).append((name, data))
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=5):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [e for e in self.events if predicate(*e)]
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not seen; got {[n for n, _ in self.events]}")
                self.cond.wait(left)

    def snapshot(self, timeout=5):
        """The first snapshot, waited for: the server sends it right after connect."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.snapshots:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no snapshot received")
                self.cond.wait(left)
            return self.snapshots[0][1]

    def types(self):
        return [name for name, _ in self.events]

    def close(self):
        self.client.disconnect()


def test_a_board_gets_a_snapshot_then_each_event_with_its_id(hub):
    hub.issue("m03")
    board = Listener(hub.url)
    try:
        board_snapshot = board.snapshots[0][1] if board.snapshots else None
        deadline = time.monotonic() + 5
        while board_snapshot is None and time.monotonic() < deadline:
            time.sleep(0.05)
            board_snapshot = board.snapshots[0][1] if board.snapshots else None
        assert board_snapshot["queues"][0]["waiting"] == 1 and board_snapshot["event_id"] >= 1
        assert {w["id"] for w in board_snapshot["windows"]} >= {"w1", "w14"}
        clerk = hub.login("clerk3", "1111", window="w3")
        hub.post("/api/windows/w3/call-next", token=clerk)
        name, called = board.wait_for(lambda n, d: n == "ticket.called")[0]
        assert called["ticket"]["number"] == "A001" and called["window"]["number"] == 3
        assert called["event_id"] > board_snapshot["event_id"] and called["call"]["event_id"] == called["event_id"]
        assert "token" not in str(called)
    finally:
        board.close()


def test_the_public_stream_carries_no_ratings_or_alerts_but_staff_get_them(hub):
    public = Listener(hub.url)
    staff = Listener(hub.url, token=hub.login("manager", "2222"))
    try:
        hub.issue("m03")
        clerk = hub.login("clerk1", "1111", window="w1")
        hub.post("/api/windows/w1/call-next", token=clerk)
        hub.post("/api/windows/w1/finish", token=clerk)
        hub.post("/api/windows/w1/rating", {"score": 4}, token=HALL.device("pad-1").key)
        staff.wait_for(lambda n, d: n == "rating.received")
        public.wait_for(lambda n, d: n == "ticket.finished")
        time.sleep(0.3)
        assert "rating.received" not in public.types()
    finally:
        public.close()
        staff.close()


def test_a_window_device_follows_only_its_window(hub):
    bar3 = Listener(hub.url, token=HALL.device("bar-3").key)
    try:
        hub.issue("m03")
        hub.issue("m03")
        c1 = hub.login("clerk1", "1111", window="w1")
        c3 = hub.login("clerk3", "1111", window="w3")
        hub.post("/api/windows/w1/call-next", token=c1)
        hub.post("/api/windows/w3/call-next", token=c3)
        seen = bar3.wait_for(lambda n, d: n == "ticket.called")
        time.sleep(0.3)
        assert [d["window"]["id"] for n, d in bar3.events if n == "ticket.called"] == ["w3"]
        assert seen[0][1]["ticket"]["number"] == "A002"
    finally:
        bar3.close()


def test_a_client_that_resumes_gets_exactly_what_it_missed(hub):
    clerk = hub.login("clerk1", "1111", window="w1")
    hub.issue("m03")  # a public call before the board looks: a replay from too early would show it
    hub.post("/api/windows/w1/call-next", token=clerk)
    hub.post("/api/windows/w1/no-show", token=clerk)
    board = Listener(hub.url)
    last = board.snapshot()["event_id"]
    board.close()
    assert last > 0
    hub.issue("m03")
    hub.post("/api/windows/w1/call-next", token=clerk)
    again = Listener(hub.url)
    try:
        again.client.emit("resume", {"after": last})
        replayed = again.wait_for(lambda n, d: n == "ticket.called")
        assert replayed[0][1]["replay"] is True
        ids = [d["event_id"] for n, d in again.events if d.get("replay")]
        assert ids == sorted(ids) and ids[0] > last
        assert "ticket.issued" not in [n for n, d in again.events]  # staff only: the public gets counts
    finally:
        again.close()


def test_a_wrong_key_is_refused(hub):
    import pytest
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(hub.url, token="not-a-key-at-all-000")
