"""The board's line to the hub: a hub.client HubLink that keeps a
BoardState current. on_change() after every state change; on_call(call)
for each new live call (flashed and spoken); on_missed(calls) for calls the
board only learned of after a drop (shown as history, acknowledged, never
announced). The drawing loop reads `state` under `lock`; the link's dispatch
thread is the only writer.
"""
from __future__ import annotations

import threading
import time

from display.board_state import CALL_EVENTS, BoardState
from hub.client.link import HubLink


class BoardLink:
    def __init__(self, url, token=None, on_change=None, on_call=None, on_missed=None, clock=time.monotonic):
        self.state = BoardState()
        self.lock = threading.Lock()
        self.on_change = on_change or (lambda: None)
        self.on_call = on_call or (lambda call: None)
        self.on_missed = on_missed or (lambda calls: None)
        self.clock = clock
        self.link = HubLink(url, token=token, on_snapshot=self._snapshot, on_event=self._event,
                            on_connection=self._connection)
        self.url = self.link.url
        self.snapshot_seen = self.link.snapshot_seen

    def connect(self, timeout=None):
        """Start the link; with a timeout, wait for the first snapshot (HubUnreachable if none)."""
        if timeout is None:
            self.link.start()
        else:
            self.link.connect(timeout)
        return self

    def close(self):
        self.link.stop()

    def _connection(self, up):
        with self.lock:
            self.state.connected = up
        self.on_change()

    def _snapshot(self, data):
        with self.lock:
            missed = self.state.load_snapshot(data, wall=time.time())
        if missed:
            self.on_missed(missed)
        self.on_change()

    def _event(self, name, data):
        now = self.clock()
        with self.lock:
            live = not data.get("replay")
            before = self.state.last_event_id
            call = self.state.apply(name, data, now, live=live)
            changed = self.state.last_event_id != before or name == "queues.changed"
            missed = data.get("call") if changed and not live and name in CALL_EVENTS else None
        if call:
            self.on_call(call)
        elif missed:
            self.on_missed([missed])
        if changed:
            self.on_change()
