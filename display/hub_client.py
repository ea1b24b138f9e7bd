"""The board's line to the hub: a python-socketio client (plain threads)
that keeps a BoardState current, and an acknowledger that tells the hub
which calls the board showed and said.

After a drop the client reconnects by itself and sends `resume {"after": N}`;
the events the hub replays in answer carry `"replay": true` and are applied
as history, never as new calls. Nothing here blocks the drawing loop: socket callbacks
take a lock only to change the state, acks go out from their own thread.
"""
from __future__ import annotations

import logging
import queue
import threading
import time

from display.board_state import CALL_EVENTS, BoardState

log = logging.getLogger("hallq.board")


class HubLink:
    """on_change() after every state change; on_call(call) for each new live call;
    on_missed(calls) for calls this board only learned of after a drop."""

    def __init__(self, url, token=None, on_change=None, on_call=None, on_missed=None, clock=time.monotonic):
        import socketio

        self.url = url.rstrip("/")
        self.token = token
        self.state = BoardState()
        self.lock = threading.Lock()
        self.snapshot_seen = threading.Event()
        self.on_change = on_change or (lambda: None)
        self.on_call = on_call or (lambda call: None)
        self.on_missed = on_missed or (lambda calls: None)
        self.clock = clock
        self.sio = socketio.Client(reconnection=True, reconnection_attempts=0, reconnection_delay=0.5,
                                   reconnection_delay_max=1.0, randomization_factor=0.3)
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        self.sio.on("snapshot", self._snapshot)
        self.sio.on("*", self._event)

    def connect(self, wait=True):
        """Connect, retrying until the hub answers (a board may start first)."""
        auth = {"token": self.token} if self.token else None
        self.sio.connect(self.url, auth=auth, transports=["websocket", "polling"], wait_timeout=5, retry=True)
        return self

    def close(self):
        self.sio.disconnect()

    # handlers (socket threads) ---------------------------------------
    def _connected(self):
        with self.lock:
            self.state.connected = True
            after = self.state.last_event_id
        if after is not None:
            self.sio.emit("resume", {"after": after})
        self.on_change()

    def _disconnected(self, *args):
        with self.lock:
            self.state.connected = False
        self.on_change()

    def _snapshot(self, data):
        if not isinstance(data, dict):
            return
        with self.lock:
            missed = self.state.load_snapshot(data, wall=time.time())
        self.snapshot_seen.set()
        if missed:
            self.on_missed(missed)
        self.on_change()

    def _event(self, name, data=None):
        if not isinstance(data, dict):
            return
        now = self.clock()
        with self.lock:
            live = not data.get("replay")
            before = self.state.last_event_id
            call = self.state.apply(name, data, now, live=live)
            changed = self.state.last_event_id != before
            missed = data.get("call") if changed and not live and name in CALL_EVENTS else None
        if call:
            self.on_call(call)
        elif missed:
            self.on_missed([missed])
        if changed:
            self.on_change()


class Acknowledger:
    """POST /api/calls/<event_id>/ack from a thread of its own, with a few
    retries; a hub that is away never slows the board down."""

    def __init__(self, url, device, key, session=None, attempts=3):
        import requests

        self.url = url.rstrip("/")
        self.device = device
        self.key = key
        self.session = session or requests.Session()
        self.attempts = attempts
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._reported = {}  # event_id -> (shown, spoken), oldest first
        self._thread = threading.Thread(target=self._run, name="hallq-board-ack", daemon=True)
        self._thread.start()
        self.sent = []  # (event_id, shown, spoken, status) for diagnostics and tests

    def ack(self, event_id, shown=True, spoken=False):
        """The hub keeps one ack per call and board, so what was once
        reported (shown, spoken) is never taken back by a later, lesser ack."""
        if event_id is None:
            return
        with self._lock:
            before = self._reported.get(event_id, (False, False))
            now = (before[0] or shown, before[1] or spoken)
            if now == before:
                return
            self._reported[event_id] = now
            if len(self._reported) > 1000:
                self._reported.pop(next(iter(self._reported)))
        self._queue.put((event_id, *now))

    def flush(self, timeout=5.0):
        """Wait until queued acks are sent (snapshot mode exits right after)."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < end:
            time.sleep(0.02)

    def _run(self):
        while True:
            event_id, shown, spoken = self._queue.get()
            try:
                self.sent.append((event_id, shown, spoken, self._post(event_id, shown, spoken)))
            finally:
                self._queue.task_done()

    def _post(self, event_id, shown, spoken):
        import requests

        body = {"device": self.device, "shown": shown, "spoken": spoken}
        headers = {"Authorization": f"Bearer {self.key}"}
        for attempt in range(self.attempts):
            try:
                reply = self.session.post(f"{self.url}/api/calls/{event_id}/ack", json=body, headers=headers,
                                          timeout=3)
            except requests.RequestException as exc:
                log.warning("确认呼叫 %s 失败 (第 %d 次): %s", event_id, attempt + 1, exc)
                time.sleep(0.5 * (attempt + 1))
                continue
            if reply.status_code >= 400:
                log.warning("确认呼叫 %s 被拒绝: HTTP %s %s", event_id, reply.status_code, reply.text[:200])
            return reply.status_code
        return None
