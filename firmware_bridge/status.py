"""The bridge's device status to the hub: POST /api/devices/<id>/status
with the bridge key from a thread of its own, newest value per device only
(so a hub outage never piles up requests nor blocks a serial line), and
every value again each heartbeat.
"""
from __future__ import annotations

import logging
import threading
import time

from hub.client.http import HubUnreachable

log = logging.getLogger("hallq.bridge")


class StatusReporter:
    """POST /api/devices/<id>/status with the bridge key; newest value wins."""

    def __init__(self, http, key, heartbeat=30.0, clock=time.monotonic):
        self.http, self.key, self.heartbeat, self._clock = http, key, heartbeat, clock
        self._latest, self._pending = {}, {}
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="status reporter", daemon=True)
        self.sent = 0

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(2.0)

    def update(self, device_id, online, shows, fault):
        with self._cond:
            # the hub takes up to 200 characters of text and 32 of fault
            status = {"online": bool(online), "shows": (shows or "")[:200], "fault": fault[:32] if fault else None}
            self._latest[device_id] = status
            self._pending[device_id] = status
            self._cond.notify_all()

    def _run(self):
        next_beat = self._clock() + self.heartbeat
        while True:
            with self._cond:
                if self._stopping:
                    return
                if not self._pending:
                    self._cond.wait(max(0.05, next_beat - self._clock()))
                if self._clock() >= next_beat:
                    self._pending = {**self._latest, **self._pending}
                    next_beat = self._clock() + self.heartbeat
                batch, self._pending = self._pending, {}
            failed = {d: s for d, s in batch.items() if not self._send(d, s)}
            if failed:
                with self._cond:
                    self._pending = {**failed, **self._pending}
                    self._cond.wait(2.0)

    def _send(self, device_id, status):
        try:
            code, body = self.http.request("POST", f"/api/devices/{device_id}/status", status, key=self.key)
        except HubUnreachable:
            return False
        if code >= 500:
            return False
        if code >= 400:
            log.warning("hub refused status of %s: %s %s", device_id, code, body)
        self.sent += 1
        return True
