"""A hall day made by the hub's own services (hub.service.compose on a temporary
SQLite file, a fixed clock): its real event log, shaped as uplink batches, and
the hall's own daily report to compare the county's figures with."""
from __future__ import annotations

import json

from hub.hallfile.model import load_hall
from hub.rules.clock import FixedClock
from hub.service.auth import Actor
from hub.service import compose
from hub.service.bus import EventBus
from hub.service.reports import daily_report, queue_kinds
from hub.store.database import Store

MANAGER = Actor(name="mgr", role="manager")
DAY = "2026-12-07"
START = 1796606400.0  # 2026-12-07 09:00 Asia/Shanghai


class HallDay:
    def __init__(self, path):
        self.hall = load_hall()
        self.clock = FixedClock(START)
        self.store = Store(path)
        self.svc = compose(self.hall, self.store, self.clock, EventBus())

    def ticket(self, matter="m01"):
        return self.svc.tickets.issue(matter)

    def serve(self, window, minutes_waited, outcome="done", score=None, token=None):
        self.clock.advance(minutes_waited * 60)
        t = self.svc.windows.call_next(window, MANAGER)
        self.clock.advance(30)
        self.svc.windows.start(window, MANAGER)
        self.clock.advance(240)
        self.svc.windows.finish(window, MANAGER, outcome=outcome)
        if score is not None:
            self.svc.ratings.by_token(t["id"], token, score)
        return t

    def events(self):
        rows = self.store.query("SELECT id, at, type, data FROM events ORDER BY id")
        return [{"event_id": r["id"], "at": r["at"], "type": r["type"], "data": json.loads(r["data"])} for r in rows]

    def facts(self):
        return {"timezone": self.hall.timezone, "queue_kinds": queue_kinds(self.hall),
                "matters": {"total": len(self.hall.matters), "complete": len(self.hall.matters)}}

    def report(self, day=DAY):
        tickets = self.store.query("SELECT * FROM tickets WHERE day=?", (day,))
        ratings = dict(self.store.query("SELECT ticket_id, score FROM ratings"))
        return daily_report(self.hall, tickets, ratings, day)


def token_of(day, ticket_id):
    return day.svc.tickets.token_of(day.svc.tickets.get(ticket_id))
