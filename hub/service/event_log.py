"""What a client needs to catch up: the snapshot on connect, the events after
an id on resume, the last calls."""
from __future__ import annotations

import json

from hub.rules.clock import iso
from hub.service.changes import event_data


class EventLog:
    def __init__(self, hall, store, clock, estimates, windows, notices):
        self.hall, self.store, self.clock = hall, store, clock
        self.estimates, self.windows, self.notices = estimates, windows, notices

    def recent_calls(self, limit=20):
        rows = self.store.query(
            "SELECT id, data FROM events WHERE type IN ('ticket.called','ticket.recalled') "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [event_data(json.loads(r["data"]), r["id"])["call"] for r in rows]

    def last_id(self):
        row = self.store.query_one("SELECT MAX(id) FROM events")
        return row[0] or 0

    def last_at(self):
        return self.store.query_one("SELECT MAX(at) FROM events")[0]

    def oldest_at(self):
        row = self.store.query_one("SELECT at FROM events ORDER BY id LIMIT 1")  # ids grow with time: no scan
        return row[0] if row else None

    def snapshot(self):
        return {
            "event_id": self.last_id(), "hall": self.notices.hall_view(),
            "queues": self.estimates.queue_views(), "windows": self.windows.list(), "calls": self.recent_calls(),
            "now": iso(self.clock.now(), self.hall.timezone),
        }

    def after(self, after, public_only=True, limit=1000):
        sql = "SELECT id, data, public FROM events WHERE id > ?"
        if public_only:
            sql += " AND public = 1"
        rows = self.store.query(sql + " ORDER BY id LIMIT ?", (after, limit))
        return [event_data(json.loads(r["data"]), r["id"]) for r in rows]
