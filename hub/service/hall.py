"""The hall's operations: each is one transaction that writes the new state
and its event rows; events are published after COMMIT.

This module turns requests into calls of the pure rules (tickets, routing,
eta) and rows into views. It knows nothing of HTTP or Socket.IO: the
adapters give it an Actor and a `publish(event)` callback.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import replace

from hub.service import day_summary

from hub.rules import routing

from hub.rules import tickets as rules
from hub.rules.clock import hall_date, iso, within_hours
from hub.rules.errors import HallError
from hub.service.estimates import Estimates
from hub.store.database import append_event
from hub.service.windows import WindowOps
from hub.service.feedback import Feedback
from hub.service.views import (in_english, materials_of, serve_kinds, ticket_from_row, ticket_public,
                    window_view)

TICKET_COLUMNS = ("queue", "status", "called_at", "first_called_at", "started_at", "finished_at",
                  "window", "target_window", "clerk", "recalls", "transfers", "outcome", "reason",
                  "issued_at")
TOKEN_BYTES = 18  # 24 url-safe characters


def event_data(data, event_id):
    """An event's payload as clients get it: with its id, also inside its call."""
    data = dict(data, event_id=event_id)
    if "call" in data:
        data["call"] = dict(data["call"], event_id=event_id)
    return data


class HallService(WindowOps, Feedback):
    def __init__(self, hall, store, clock, publish=None, uplink=None):
        self.hall = hall
        self.uplink = uplink  # hub/service/uplink.py when the hall ships to a county
        self.catalog = None  # hub/service/catalog.py when it also takes the county's matter catalogue
        self.store = store
        self.clock = clock
        self.publish = publish or (lambda event: None)
        self.after_commit = []  # callables(events) run after each publish, e.g. surge checks
        self.on_finish = []  # callables(conn, now, emit, ticket, window, actor) inside the finish transaction
        self.window_numbers = {w.id: w.number for w in hall.windows}
        self._tidal_queues = None
        self.estimates = Estimates(self)
        self._init_windows()

    # set-up -----------------------------------------------------------------
    def _init_windows(self):
        with self.store.transaction() as conn:
            known = {r["id"] for r in conn.execute("SELECT id FROM windows")}
            for w in self.hall.windows:
                if w.id not in known:
                    state = "closed" if w.kind == "tidal" else "open"
                    conn.execute("INSERT INTO windows (id, state, profile, changed_at) VALUES (?,?,?,?)",
                                 (w.id, state, json.dumps(w.profile), self.clock.now()))
            for d in self.hall.devices:
                conn.execute("INSERT OR IGNORE INTO devices (id, online) VALUES (?, 0)", (d.id,))

    # the one path for change ---------------------------------------------------
    def _commit(self, work):
        """Run `work(conn, now, emit)` in one transaction; publish its events after COMMIT.

        `emit(type, data, ticket_id=None, window_id=None, public=True)` appends an event row.
        """
        now = self.clock.now()
        pending = []

        def emit(type_, data, ticket_id=None, window_id=None, public=True):
            data = dict(data, type=type_, at=iso(now, self.hall.timezone))
            event_id = append_event(conn, now, type_, data, ticket_id, window_id, public)
            data = event_data(data, event_id)
            pending.append({"event_id": event_id, "type": type_, "data": data,
                            "public": public, "window": window_id})
            return event_id

        with self.store.transaction() as conn:
            result = work(conn, now, emit)
        if pending:
            self.estimates.invalidate()
            queues = self.queues()
            for event in pending:
                event["data"]["queues"] = queues
                self.publish(event)
            for hook in self.after_commit:
                hook(pending)
        return result

    # reading ------------------------------------------------------------------
    def _ticket(self, conn, ticket_id):
        row = conn.execute("SELECT * FROM tickets WHERE id=?", (ticket_id,)).fetchone()
        if row is None:
            raise HallError(404, "unknown_ticket", id=ticket_id)
        return ticket_from_row(row)

    def _save(self, conn, t):
        sets = ", ".join(f"{c}=?" for c in TICKET_COLUMNS)
        conn.execute(f"UPDATE tickets SET {sets} WHERE id=?", [getattr(t, c) for c in TICKET_COLUMNS] + [t.id])

    def _window_row(self, conn, window_id):
        window = self.hall.window(window_id)
        row = conn.execute("SELECT * FROM windows WHERE id=?", (window_id,)).fetchone()
        if window is None or row is None:
            raise HallError(404, "unknown_window", id=window_id)
        return window, row

    def ticket_view(self, t):
        ahead, eta, eta_range = self.estimates.for_ticket(t)
        return ticket_public(self.hall, t, self.window_numbers, ahead, eta, eta_range)

    def ticket(self, ticket_id):
        with self.store.reading() as conn:
            return self._ticket(conn, ticket_id)

    def ticket_by_token(self, token):
        if not isinstance(token, str) or len(token) < 16:
            raise HallError(404, "bad_token")
        row = self.store.query_one("SELECT * FROM tickets WHERE token=?", (token,))
        if row is None:
            raise HallError(404, "bad_token")
        return ticket_from_row(row)

    def ticket_by_number(self, number, day=None):
        day = day or hall_date(self.clock.now(), self.hall.timezone)
        row = self.store.query_one("SELECT * FROM tickets WHERE day=? AND number=? ORDER BY id DESC",
                                   (day, number.upper()))
        if row is None:
            raise HallError(404, "unknown_ticket", id=number)
        return ticket_from_row(row)

    def waiting(self):
        return [ticket_from_row(r) for r in self.store.query("SELECT * FROM tickets WHERE status='waiting'")]

    def held(self):
        return [ticket_from_row(r) for r in self.store.query(
            "SELECT * FROM tickets WHERE status IN ('called','serving')")]

    def window_rows(self):
        return {r["id"]: r for r in self.store.query("SELECT * FROM windows")}

    def windows(self):
        rows = self.window_rows()
        held = {t.id: t for t in self.held()}
        return [window_view(self.hall, w, rows.get(w.id), held.get(rows[w.id]["ticket_id"]) if w.id in rows else None,
                            self.window_numbers) for w in self.hall.windows]

    def window(self, window_id):
        for view in self.windows():
            if view["id"] == window_id:
                return view
        raise HallError(404, "unknown_window", id=window_id)

    def queues(self):
        return self.estimates.queue_views()

    def tidal_queues(self):
        if self._tidal_queues is None:  # the hall file does not change while the hub runs
            self._tidal_queues = routing.tidal_queues(self.hall)
        return self._tidal_queues

    def recent_calls(self, limit=20):
        rows = self.store.query(
            "SELECT id, data FROM events WHERE type IN ('ticket.called','ticket.recalled') "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [event_data(json.loads(r["data"]), r["id"])["call"] for r in rows]

    def last_event_id(self):
        row = self.store.query_one("SELECT MAX(id) FROM events")
        return row[0] or 0

    def snapshot(self):
        return {
            "event_id": self.last_event_id(),
            "hall": {"name": self.hall.name, "name_en": self.hall.name_en, "notice": self.notice()},
            "queues": self.queues(), "windows": self.windows(), "calls": self.recent_calls(),
            "now": iso(self.clock.now(), self.hall.timezone),
        }

    def events_after(self, after, public_only=True, limit=1000):
        sql = "SELECT id, data, public FROM events WHERE id > ?"
        if public_only:
            sql += " AND public = 1"
        rows = self.store.query(sql + " ORDER BY id LIMIT ?", (after, limit))
        return [event_data(json.loads(r["data"]), r["id"]) for r in rows]

    def notice(self):
        row = self.store.query_one("SELECT value FROM settings WHERE key='notice'")
        return row[0] if row else self.hall.notice

    # tickets ------------------------------------------------------------------
    def issue(self, matter_id, situation=None, priority="normal", actor=None, printer=None, due_at=None):
        matter = self.hall.matter(matter_id) if isinstance(matter_id, str) else None
        if matter is None:
            raise HallError(404 if isinstance(matter_id, str) else 422, "unknown_matter", id=matter_id)
        if situation is not None and matter.situation(situation) is None:
            raise HallError(422, "unknown_situation", matter=matter.id, id=situation)
        if priority not in rules.PRIORITIES:
            raise HallError(422, "bad_field", field="priority", why="须为 normal/green/appointment/help")
        if priority != "normal" and not (actor and actor.is_staff):
            raise HallError(403, "green_needs_staff")
        hours = self.hall.hours
        if hours.enforce and not within_hours(self.clock.now(), self.hall.timezone, hours.periods, self.hall.calendar):
            raise HallError(409, "hall_closed", hours=", ".join(f"{a}-{b}" for a, b in hours.periods))
        queue = self._help_queue() if priority == "help" else matter.queue

        def work(conn, now, emit):
            day = hall_date(now, self.hall.timezone)
            conn.execute("INSERT INTO counters (day, queue, last) VALUES (?, ?, 1) "
                         "ON CONFLICT (day, queue) DO UPDATE SET last = last + 1", (day, queue))
            seq = conn.execute("SELECT last FROM counters WHERE day=? AND queue=?", (day, queue)).fetchone()[0]
            number = f"{queue}{seq:03d}"
            token = secrets.token_urlsafe(TOKEN_BYTES)
            cur = conn.execute(
                "INSERT INTO tickets (day, queue, first_queue, seq, number, matter, situation, priority, status,"
                " token, issued_at, first_issued_at, due_at) VALUES (?,?,?,?,?,?,?,?, 'waiting', ?,?,?,?)",
                (day, queue, queue, seq, number, matter.id, situation, priority, token, now, now,
                 now if due_at is None and priority == "appointment" else due_at))
            t = self._ticket(conn, cur.lastrowid)
            # staff and devices get each ticket taken; the public gets the counts (live.QueueFeed)
            emit("ticket.issued", {"ticket": ticket_public(self.hall, t, self.window_numbers),
                                   "printer": printer}, ticket_id=t.id, public=False)
            if actor and actor.is_staff:
                self._audit(conn, now, actor, "ticket.issue", t.number, priority)
            return t

        t = self._commit(work)
        view = self.ticket_view(t)
        materials = materials_of(self.hall, t.matter, t.situation)
        view.update(token=t.token, status_url=self.status_url(t.token),
                    materials=materials, materials_en=in_english(self.hall, materials),
                    serve_kinds=serve_kinds(self.hall, t.queue, self.tidal_queues()))
        return view

    def _help_queue(self):
        for w in self.hall.windows:
            if w.kind == "help" and w.profile:
                return next(iter(w.profile))
        raise HallError(422, "bad_field", field="priority", why="本大厅没有帮办代办窗口")

    def status_url(self, token):
        return f"{self.hall.public_url.rstrip('/')}/t/{token}"

    def cancel(self, ticket_id, actor, token=None):
        def work(conn, now, emit):
            t = self._ticket(conn, ticket_id)
            if not (actor and actor.is_staff) and token != t.token:
                raise HallError(403, "bad_token")
            t = self._apply(rules.cancel, t, now)
            self._save(conn, t)
            emit("ticket.cancelled", {"ticket": ticket_public(self.hall, t, self.window_numbers)}, ticket_id=t.id)
            if actor and actor.is_staff:
                self._audit(conn, now, actor, "ticket.cancel", t.number)
            return t
        return self.ticket_view(self._commit(work))

    @staticmethod
    def _apply(fn, t, now, **kwargs):
        try:
            return fn(t, now, **kwargs)
        except rules.IllegalAction as exc:
            raise HallError(409 if exc.key == "ticket_state" else 422, exc.key, **exc.params) from None

    def _audit(self, conn, now, actor, action, target, detail=None):
        conn.execute("INSERT INTO audit (at, user, action, target, ip, detail) VALUES (?,?,?,?,?,?)",
                     (now, actor.audit_name, action, target, actor.ip, detail))

    def audit(self, action, target, actor, detail=None):
        with self.store.transaction() as conn:
            self._audit(conn, self.clock.now(), actor, action, target, detail)

    # the rest of the hall's state -------------------------------------------------------
    def slip(self, ticket_id):
        """Everything a printed slip shows, the status URL included."""
        with self.store.reading() as conn:
            t = self._ticket(conn, ticket_id)
        view = self.ticket_view(t)
        matter = self.hall.matter(t.matter)
        queue = self.hall.queue(t.queue)
        view.update(hall=self.hall.name, hall_en=self.hall.name_en, queue_name=queue.name if queue else t.queue,
                    materials=materials_of(self.hall, t.matter, t.situation), status_url=self.status_url(t.token),
                    serve_kinds=serve_kinds(self.hall, t.queue, self.tidal_queues()),
                    conditions=matter.conditions if matter else "", paper_mm=self.hall.paper_mm)
        return view

    def rating_state(self, t):
        """Whether the phone page may still rate this ticket, and what was given."""
        row = self.store.query_one("SELECT score FROM ratings WHERE ticket_id=?", (t.id,))
        if row is not None:
            return {"allowed": False, "score": row["score"]}
        open_until = (t.finished_at or 0) + self.hall.rules.rating_minutes * 60
        allowed = t.status == "done" and self.clock.now() <= open_until
        return {"allowed": allowed, "score": None,
                "until": iso(open_until, self.hall.timezone) if t.status == "done" else None}

    def set_notice(self, text, actor):
        def work(conn, now, emit):
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('notice', ?)", (text,))
            self._audit(conn, now, actor, "hall.notice", "-", text[:200])
            emit("hall.changed", {"hall": {"name": self.hall.name, "name_en": self.hall.name_en, "notice": text}})
            return {"notice": text}
        return self._commit(work)

    def record_event(self, type_, data, public=True, window_id=None):
        """An event that changes no row (e.g. a print request): logged, then published."""
        return self._commit(lambda conn, now, emit: emit(type_, data, window_id=window_id, public=public))

    def issue_pickup(self, code, actor=None, printer=None):
        """A ticket for the output window, linked to the ready case whose pickup
        code (or receipt QR) this is (hub/cases/pickup.py)."""
        from hub.service.pickup import issue_pickup
        return issue_pickup(self, code, actor, printer=printer)

    def health(self):
        """What is degraded: database, disk, clock, devices, bridge, printer."""
        from hub import __version__
        from hub.ops.backup import read_status
        from hub.service.health import health_report
        db_error = None
        try:
            last = self.store.query_one("SELECT MAX(at) FROM events")[0]
        except Exception as exc:  # the report must say what broke, not raise
            db_error, last = str(exc), None
        return health_report(version=__version__, now=self.clock.now(), db_path=self.store.path,
                             db_error=db_error, devices=self._device_states() if db_error is None else (),
                             last_event_at=last, backup=read_status(self.store.path),
                             county=self.uplink.status() if self.uplink and db_error is None else None,
                             catalog=self.catalog.status() if self.catalog and db_error is None else None)

    def record_settings(self, settings, deleted, event, public=False):
        """Settings rows written (JSON values) and deleted with one event, in one transaction."""
        def work(conn, now, emit):
            for key in deleted:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            for key, value in settings.items():
                conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                             (key, json.dumps(value, ensure_ascii=False)))
            emit(*event, public=public)
        return self._commit(work)

    def use_matters(self, matters, materials_en):
        """The county's catalogue, at the start of a hall day (hub/service/catalog.py): the same
        hall with other matters. Every holder of the hall model takes the new one."""
        self.hall = replace(self.hall, matters=tuple(matters), materials_en=dict(materials_en))
        self.estimates.hall = self.hall
        cases = getattr(self, "cases", None)
        if cases is not None:
            cases.hall = self.hall

    def _device_states(self):
        """Devices as the health report reads them: last_seen as a unix time."""
        rows = {r["id"]: r for r in self.store.query("SELECT * FROM devices")}
        return [{"id": d.id, "kind": d.kind, "window": d.window, "online": bool(rows.get(d.id) and rows[d.id]["online"]),
                 "last_seen": rows[d.id]["last_seen"] if d.id in rows else None,
                 "fault": rows[d.id]["fault"] if d.id in rows else None} for d in self.hall.devices]

    def close_day(self, reason="closing"):
        """At closing: waiting and called tickets expire with a reason; the day is summarised
        (hub/day_summary.py): its counts in the public event, the whole summary to staff."""
        def work(conn, now, emit):
            expired = []
            for row in conn.execute("SELECT * FROM tickets WHERE status IN ('waiting','called')").fetchall():
                t = rules.expire(ticket_from_row(row), now, reason=reason)
                self._save(conn, t)
                expired.append(t.number)
            conn.execute("UPDATE windows SET ticket_id=NULL")
            day = hall_date(now, self.hall.timezone)
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('closed_day', ?)", (day,))
            summary = day_summary.record(conn, day, now)
            emit("day.closed", {"day": day, "expired": len(expired), "numbers": expired[:500],
                                "summary": day_summary.counts(summary)})
            emit("day.summary", {"day": day, "summary": summary}, public=False)
            return {"day": day, "expired": len(expired), "summary": summary}
        return self._commit(work)

    def closed_day(self):
        row = self.store.query_one("SELECT value FROM settings WHERE key='closed_day'")
        return row[0] if row else None
