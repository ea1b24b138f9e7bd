"""What the hall tells people: the notice on boards and pages, alerts to
staff (surge, devices, cases), and print requests to a printer's agent."""
from __future__ import annotations

import json

from hub.service.auth import permit


def alert_in(c, kind, message, **extra):
    """Inside a change: an alert to staff."""
    c.emit("alert", {"kind": kind, "message": message, **extra}, public=False)


class Notices:
    def __init__(self, hall, store, changes):
        self.hall, self.store, self.changes = hall, store, changes

    def notice(self):
        row = self.store.query_one("SELECT value FROM settings WHERE key='notice'")
        return row[0] if row else self.hall.notice

    def hall_view(self):
        return {"name": self.hall.name, "name_en": self.hall.name_en, "notice": self.notice()}

    def set_notice(self, text, actor):
        permit(actor, lambda a: a.is_manager)

        def work(c):
            c.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('notice', ?)", (text,))
            c.audit(actor, "hall.notice", "-", text[:200])
            c.emit("hall.changed", {"hall": {"name": self.hall.name, "name_en": self.hall.name_en, "notice": text}})
            return {"notice": text}
        return self.changes.run(work)

    def alert(self, kind, message, **extra):
        self.changes.run(lambda c: alert_in(c, kind, message, **extra))

    def record_settings(self, settings, deleted, event, public=False):
        """Settings rows written (JSON values) and deleted with one event, in one change
        (the county catalogue's state: hub/service/catalog.py)."""
        def work(c):
            for key in deleted:
                c.execute("DELETE FROM settings WHERE key = ?", (key,))
            for key, value in settings.items():
                c.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                          (key, json.dumps(value, ensure_ascii=False)))
            c.emit(*event, public=public)
        return self.changes.run(work)

    def print_request(self, type_, data, window_id=None, audit=None):
        """A slip for a printer's agent (the bridge) to print: logged, then published to staff and
        devices. `audit`: (actor, action, target, detail) recorded with it."""
        def work(c):
            event_id = c.emit(type_, data, window_id=window_id, public=False)
            if audit is not None:
                c.audit(*audit)
            return event_id
        return self.changes.run(work)
