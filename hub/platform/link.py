"""Pushing the rating outbox to the provincial 好差评 system.

Runs in the hub's own greenlet (hub/web/server.py), never inside a database
transaction: it reads due messages, POSTs each with the hall's key, and marks
it sent on a 2xx or schedules its next try with back-off otherwise."""
from __future__ import annotations

import logging

import requests

log = logging.getLogger("hallq.platform")


class PlatformLink:
    def __init__(self, settings, outbox, clock, session=None):
        self.settings, self.outbox, self.clock = settings, outbox, clock
        self.session = session or requests.Session()

    def push_due(self, limit=50):
        """One round: every due message tried once. Returns how many were accepted."""
        if not self.settings.url:
            return 0
        accepted = 0
        for row_id, message, attempts in self.outbox.due(self.clock.now(), limit):
            error = self._post(message)
            if error is None:
                self.outbox.sent(row_id, self.clock.now())
                accepted += 1
            else:
                self.outbox.failed(row_id, self.clock.now(), attempts + 1, error)
                if attempts == 0:
                    log.warning("好差评平台未接收 %s: %s", message["rating_id"], error)
                break  # the platform is down or refusing: the rest wait for their turn
        return accepted

    def _post(self, message):
        try:
            reply = self.session.post(self.settings.url, json=message, timeout=self.settings.timeout_s,
                                      headers={"Authorization": f"Bearer {self.settings.key}"})
        except requests.RequestException as exc:
            return f"{type(exc).__name__}: {exc}"[:300]
        if 200 <= reply.status_code < 300:
            return None
        return f"HTTP {reply.status_code}: {reply.text[:200]}"
