"""The hall's day and its upkeep: closing (waiting tickets expire, the day
is summarised), pruning old rows, marking silent devices, and the health
report. The background rhythm (hub/service/rhythm.py) calls these."""
from __future__ import annotations

import logging

from hub.rules import tickets as rules
from hub.rules.clock import closing_time, hall_date, iso
from hub.service import day_summary
from hub.service import ticket_rows as rows_
from hub.service.auth import Actor
from hub.service.health import health_report
from hub.service.views import ticket_from_row
from hub.store.backup import read_status
from hub.store.retention import cutoff

log = logging.getLogger("hallq.rhythm")
SYSTEM = Actor(name="system", role="admin")
DAY_SECONDS = 86400


class Ops:
    def __init__(self, hall, store, clock, changes, devices, events, version, uplink=None, outbox=None):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes
        self.outbox = outbox  # the 好差评 outbox (hub/service/outbox.py)
        self.devices, self.events, self.version = devices, events, version
        self.uplink = uplink  # hub/service/uplink.py when the hall ships to a county, else None

    # the day ---------------------------------------------------------------------------
    def closed_day(self):
        row = self.store.query_one("SELECT value FROM settings WHERE key='closed_day'")
        return row[0] if row else None

    def close_day(self, reason="closing", day=None):
        """At closing: waiting and called tickets expire with a reason; the day is summarised
        (hub/service/day_summary.py): its counts in the public event, the whole summary to staff.
        `day`: a day whose closing was missed (the hub was off, the clock jumped past it)."""
        missed = day

        def work(c):
            expired = []
            day = missed or hall_date(c.now, self.hall.timezone)
            for row in c.execute("SELECT * FROM tickets WHERE status IN ('waiting','called') AND day <= ?",
                                 (day,)).fetchall():
                t = rules.expire(ticket_from_row(row), c.now, reason=reason)
                rows_.save(c, t)
                expired.append(t.number)
            c.execute("UPDATE windows SET ticket_id=NULL")
            c.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('closed_day', ?)", (day,))
            summary = day_summary.record(c, day, c.now)
            c.emit("day.closed", {"day": day, "expired": len(expired), "numbers": expired[:500],
                                  "summary": day_summary.counts(summary)})
            c.emit("day.summary", {"day": day, "summary": summary}, public=False)
            return {"day": day, "expired": len(expired), "summary": summary}
        return self.changes.run(work)

    def close_if_due(self, pause=None):
        """Expire waiting tickets once the day's last period has ended."""
        hours = self.hall.hours
        if not hours.expire_at_closing:
            return None
        now = self.clock.now()
        day = hall_date(now, self.hall.timezone)
        # a closing missed (the hub off overnight, the clock stepped past it): the old day's tickets expire now
        missed = self.store.query_one(
            "SELECT MAX(day) FROM tickets WHERE status IN ('waiting','called') AND day < ?", (day,))[0]
        if missed is not None:
            result = self.close_day(day=missed)
        elif now < closing_time(now, self.hall.timezone, hours.periods) or self.closed_day() == day:
            return None
        else:
            result = self.close_day()
        log.info("closing: %s", result)
        result["pruned"] = self.prune(pause)
        return result

    def prune(self, pause=None):
        """Keep the SD card from filling: old event rows folded into daily counts,
        spent sessions, failed logins and idempotency records removed, pages freed."""
        now = self.clock.now()
        pruned = self.store.prune_events(days=self.hall.rules.event_retention_days, now=now,
                                         tz=self.hall.timezone, pause=pause,
                                         hold=self.hall.county is not None)  # the county's unacknowledged events stay

        def work(c):
            c.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            c.execute("DELETE FROM login_failures WHERE at < ?", (now - DAY_SECONDS,))
            c.execute("DELETE FROM idempotency WHERE at < ?", (now - DAY_SECONDS,))
        self.changes.run(work)
        self.store.reclaim_space()
        return pruned["deleted"]

    def mark_silent_devices(self):
        self.devices.mark_silent(SYSTEM)

    # health ------------------------------------------------------------------------------
    def health(self, catalog=None):
        """What is degraded: database, disk, clock, devices, bridge, printer; the county uplink and
        `catalog` (hub/service/catalog.py) when the hall has them."""
        db_error = None
        try:
            last = self.events.last_at()
        except Exception as exc:  # the report must say what broke, not raise
            db_error, last = str(exc), None
        return health_report(version=self.version, now=self.clock.now(), db_path=self.store.path,
                             db_error=db_error, devices=self.devices.states() if db_error is None else (),
                             last_event_at=last, backup=self.backup_status(),
                             county=self.uplink.status() if self.uplink and db_error is None else None,
                             catalog=catalog.status() if catalog and db_error is None else None,
                             platform=self.platform() if db_error is None else None)

    def platform(self):
        """The 好差评 outbox as health and the 运维 tab read it."""
        if self.outbox is None:
            return None
        return self.outbox.state(bool(self.hall.platform.url))

    def backup_status(self):
        """The note `hallq backup` left beside the database, or None."""
        return read_status(self.store.path)

    def alive(self):
        """The systemd watchdog's question: does the database still answer?"""
        return self.store.query_one("SELECT 1") is not None

    def county(self, now, catalog=None):
        """The uplink as the technician reads it; None when the hall has no [county]."""
        if self.uplink is None:
            return None
        status = self.uplink.status()
        held = self.store.held_back(cutoff(self.hall.rules.event_retention_days, now, self.hall.timezone))
        return dict(status, last_ok_at=iso(status["last_ok_at"], self.hall.timezone), held_back=held,
                    catalog=catalog.status() if catalog else None)

    def retention(self):
        oldest = self.events.oldest_at()
        return {"event_retention_days": self.hall.rules.event_retention_days,
                "oldest_event_at": iso(oldest, self.hall.timezone) if oldest else None}
