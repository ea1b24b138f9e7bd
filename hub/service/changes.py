"""The one path for change.

`Changes.run(work)` opens one `BEGIN IMMEDIATE` transaction and calls
`work(change)`; the work reads and writes rows through `change.execute`,
appends event rows with `change.emit` and audit rows with `change.audit`, all
in that same transaction. After COMMIT the estimates are refreshed, each
event gets the fresh queue views, and the batch goes to the event bus.
A change that fails anywhere rolls back whole: state, events and audit rows
are written together or not at all.
"""
from __future__ import annotations

from hub.rules.clock import iso
from hub.store.database import append_event

# events after which the waiting lines (and so the estimates) may look different
QUEUE_EVENTS = ("ticket.", "window.", "day.")


def event_data(data, event_id):
    """An event's payload as clients get it: with its id, also inside its call."""
    data = dict(data, event_id=event_id)
    if "call" in data:
        data["call"] = dict(data["call"], event_id=event_id)
    return data


class Change:
    """One open transaction as the work sees it."""

    def __init__(self, conn, now, timezone, token_key=None):
        self.conn, self.now, self.timezone = conn, now, timezone
        self.token_key = token_key  # new tickets' tokens are derived from it
        self.events = []

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def emit(self, type_, data, ticket_id=None, window_id=None, public=True):
        """Append an event row; it is published after COMMIT. Returns its id."""
        data = dict(data, type=type_, at=iso(self.now, self.timezone))
        event_id = append_event(self.conn, self.now, type_, data, ticket_id, window_id, public)
        self.events.append({"event_id": event_id, "type": type_, "data": event_data(data, event_id),
                            "public": public, "window": window_id})
        return event_id

    def audit(self, actor, action, target, detail=None):
        """Who did it, in the same transaction as what was done."""
        self.conn.execute("INSERT INTO audit (at, user, action, target, ip, detail) VALUES (?,?,?,?,?,?)",
                          (self.now, actor.audit_name, action, target, actor.ip, detail))


class Changes:
    def __init__(self, store, clock, timezone, bus, estimates):
        self.store, self.clock, self.timezone = store, clock, timezone
        self.bus, self.estimates = bus, estimates

    def run(self, work):
        """`work(change)` in one transaction; its events published after COMMIT."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            change = Change(conn, now, self.timezone, self.store.token_key)
            result = work(change)
        if change.events:
            if any(e["type"].startswith(QUEUE_EVENTS) for e in change.events):
                self.estimates.invalidate()
            queues = self.estimates.queue_views()
            for event in change.events:
                event["data"]["queues"] = queues
            self.bus.publish(change.events)
        return result

    def audit(self, actor, action, target, detail=None):
        """An action that changes nothing but is recorded (a report read, a slip shown)."""
        return self.run(lambda change: change.audit(actor, action, target, detail))
