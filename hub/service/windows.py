"""What clerks, keypads and managers do to windows: call next, recall,
no-show, start, finish, transfer, pause, resume, open, close."""
from __future__ import annotations

import json

from hub.rules import routing

from hub.rules import tickets as rules
from hub.rules.errors import HallError
from hub.service import ticket_rows as rows_
from hub.service.auth import permit
from hub.service.views import call_view, ticket_public, window_numbers, window_view

WINDOW_DEVICE_KINDS = ("keypad",)
# what routing needs of the waiting tickets, without building whole tickets
WAITING_SQL = ("SELECT id, queue, matter, first_issued_at, priority, due_at, target_window "
               "FROM tickets WHERE status='waiting'")


def candidate_of(row):
    return routing.Candidate(id=row["id"], queue=row["queue"], since=row["first_issued_at"],
                             priority=row["priority"], due_at=row["due_at"], target_window=row["target_window"])


def candidate(t):
    return routing.Candidate(id=t.id, queue=t.queue, since=t.first_issued_at, priority=t.priority,
                             due_at=t.due_at, target_window=t.target_window)


class Windows:
    """Window states and what is done at them. `on_finish`: callables
    (change, ticket, window, actor) run inside a finish's transaction (the
    cases service turns an accepted ticket into a case there)."""

    def __init__(self, hall, store, changes, estimates, tickets, tidal_queues, on_finish=()):
        self.hall, self.store, self.changes = hall, store, changes
        self.estimates, self.tickets = estimates, tickets
        self.tidal_queues = tidal_queues
        self.on_finish = tuple(on_finish)
        self.numbers = window_numbers(hall)

    def ensure_rows(self, now):
        """A row for every window of the hall file (tidal ones closed), one for every device."""
        with self.store.transaction() as conn:
            known = {r["id"] for r in conn.execute("SELECT id FROM windows")}
            for w in self.hall.windows:
                if w.id not in known:
                    state = "closed" if w.kind == "tidal" else "open"
                    conn.execute("INSERT INTO windows (id, state, profile, changed_at) VALUES (?,?,?,?)",
                                 (w.id, state, json.dumps(w.profile), now))
            for d in self.hall.devices:
                conn.execute("INSERT OR IGNORE INTO devices (id, online) VALUES (?, 0)", (d.id,))

    # reading ---------------------------------------------------------------------
    def rows(self):
        with self.store.reading() as conn:
            return rows_.window_rows(conn)

    def list(self):
        with self.store.reading() as conn:
            rows = rows_.window_rows(conn)
            held = {t.id: t for t in rows_.held(conn)}
        return [window_view(self.hall, w, rows.get(w.id), held.get(rows[w.id]["ticket_id"]) if w.id in rows else None,
                            self.numbers) for w in self.hall.windows]

    def get(self, window_id):
        for view in self.list():
            if view["id"] == window_id:
                return view
        raise HallError(404, "unknown_window", id=window_id)

    def serving(self, queue):
        """The numbers of the windows for which `queue` is a main queue (where a guide sends people)."""
        return [w["number"] for w in self.list() if queue in w["main_queues"]]

    # who may act ---------------------------------------------------------------
    def check_actor(self, actor, window_id):
        """A clerk at that window, that window's keypad, or a manager."""
        window = self.hall.window(window_id)
        if window is None:
            raise HallError(404, "unknown_window", id=window_id)
        if actor is None:
            raise HallError(401, "login_required")
        if actor.is_manager:
            return window
        if actor.role == "device":
            if actor.device_kind in WINDOW_DEVICE_KINDS and actor.window == window_id:
                return window
            raise HallError(403, "forbidden")
        if actor.role in ("clerk", "guide") and actor.window:
            if actor.window == window_id:
                return window
            mine = self.hall.window(actor.window)
            raise HallError(403, "not_your_window", mine=mine.number if mine else actor.window,
                            other=window.number)
        raise HallError(403, "forbidden")

    # helpers inside a transaction -------------------------------------------------
    def _require_held(self, c, window, row):
        t = rows_.held_ticket(c, row)
        if t is None:
            raise HallError(409, "window_holds_none", number=window.number)
        return t

    def view_in(self, c, window):
        row = c.execute("SELECT * FROM windows WHERE id=?", (window.id,)).fetchone()
        return window_view(self.hall, window, row, rows_.held_ticket(c, row), self.numbers)

    def emit_changed(self, c, window):
        view = self.view_in(c, window)
        c.emit("window.changed", {"window": view}, window_id=window.id)
        return view

    def _ticket_event(self, c, type_, t, window, **extra):
        data = {"ticket": ticket_public(self.hall, t, self.numbers), "window": self.view_in(c, window)}
        data.update(extra)
        c.emit(type_, data, ticket_id=t.id, window_id=window.id)

    # calls -----------------------------------------------------------------------
    def call_next(self, window_id, actor):
        window = self.check_actor(actor, window_id)

        def work(c):
            _, row = rows_.window_row(c, self.hall, window_id)
            if row["state"] != "open":
                raise HallError(409, "window_closed" if row["state"] == "closed" else "window_paused",
                                number=window.number)
            held = rows_.held_ticket(c, row)
            if held is not None:
                raise HallError(409, "window_holds_ticket", number=window.number, ticket=held.number)
            chosen = routing.next_ticket(json.loads(row["profile"]),
                                         map(candidate_of, c.execute(WAITING_SQL)), c.now, window.id)
            if chosen is None:
                return None
            clerk = actor.name if actor.role != "device" else row["clerk"]
            t = rows_.apply(rules.call, rows_.load(c, chosen.id), c.now, window=window.id, clerk=clerk)
            rows_.save(c, t)
            c.execute("UPDATE windows SET ticket_id=?, changed_at=? WHERE id=?", (t.id, c.now, window.id))
            self._ticket_event(c, "ticket.called", t, window,
                               call=call_view(None, c.now, t, window, self.hall.timezone))
            c.audit(actor, "window.call_next", f"{window.id}:{t.number}")
            return t

        t = self.changes.run(work)
        return None if t is None else self.tickets.view(t)

    def _held_action(self, window_id, actor, action, fn, event, **kwargs):
        window = self.check_actor(actor, window_id)

        def work(c):
            _, row = rows_.window_row(c, self.hall, window_id)
            t = rows_.apply(fn, self._require_held(c, window, row), c.now, **kwargs)
            rows_.save(c, t)
            if t.status not in rules.HELD:
                c.execute("UPDATE windows SET ticket_id=NULL, changed_at=? WHERE id=?", (c.now, window.id))
            if t.status == "done":
                c.execute("UPDATE windows SET last_finished=? WHERE id=?", (t.id, window.id))
                for hook in self.on_finish:
                    hook(c, t, window, actor)
            type_ = event(t)
            extra = {}
            if type_ == "ticket.recalled":
                extra["call"] = call_view(None, c.now, t, window, self.hall.timezone, recall=True)
            if type_ == "ticket.finished":
                extra["outcome"] = t.outcome
            self._ticket_event(c, type_, t, window, **extra)
            c.audit(actor, f"window.{action}", f"{window.id}:{t.number}",
                    kwargs.get("outcome") or kwargs.get("queue") or kwargs.get("window"))
            return t

        t = self.changes.run(work)
        if t.status in ("done", "no_show"):
            self.estimates.record(t)
        return self.tickets.view(t)

    def recall(self, window_id, actor):
        limit = self.hall.rules.recall_limit
        return self._held_action(window_id, actor, "recall", rules.recall,
                                 lambda t: "ticket.recalled" if t.status == "called" else "ticket.no_show",
                                 limit=limit)

    def no_show(self, window_id, actor):
        return self._held_action(window_id, actor, "no_show", rules.no_show, lambda t: "ticket.no_show")

    def start(self, window_id, actor):
        return self._held_action(window_id, actor, "start", rules.start, lambda t: "ticket.started")

    def finish(self, window_id, actor, outcome="done", reason=None):
        return self._held_action(window_id, actor, "finish", rules.finish, lambda t: "ticket.finished",
                                 outcome=outcome, reason=reason)

    def transfer(self, window_id, actor, queue=None, to_window=None):
        if queue is not None and self.hall.queue(queue) is None:
            raise HallError(422, "unknown_queue", id=queue)
        if to_window is not None and (self.hall.window(to_window) is None or to_window == window_id):
            raise HallError(422, "unknown_window", id=to_window)
        return self._held_action(window_id, actor, "transfer", rules.transfer, lambda t: "ticket.transferred",
                                 queue=queue, window=to_window)

    # window states -------------------------------------------------------------------
    def _set_state(self, window_id, actor, state, action, profile=None, allowed_from=None):
        window = self.hall.window(window_id)
        moved = []

        def work(c):
            _, row = rows_.window_row(c, self.hall, window_id)
            if allowed_from and row["state"] not in allowed_from:
                raise HallError(409, "window_closed", number=window.number)
            held = rows_.held_ticket(c, row)
            if state == "closed" and held is not None:
                raise HallError(409, "window_holds_ticket", number=window.number, ticket=held.number)
            new_profile = json.dumps(profile) if profile is not None else row["profile"]
            c.execute("UPDATE windows SET state=?, profile=?, changed_at=? WHERE id=?",
                      (state if state is not None else row["state"], new_profile, c.now, window_id))
            c.audit(actor, f"window.{action}", window_id, new_profile if profile else None)
            if state is not None:
                moved[:] = [(c.now, window_id, state)]
            return self.emit_changed(c, window)

        view = self.changes.run(work)
        if moved:  # the history the ETA's runs draw pauses from (estimates.ServiceTimes.pauses)
            self.estimates.record_window(*moved[0])
        return view

    def pause(self, window_id, actor):
        self.check_actor(actor, window_id)
        return self._set_state(window_id, actor, "paused", "pause", allowed_from=("open", "paused"))

    def resume(self, window_id, actor):
        self.check_actor(actor, window_id)
        return self._set_state(window_id, actor, "open", "resume", allowed_from=("open", "paused"))

    def _managed(self, window_id, actor):
        permit(actor, lambda a: a.is_manager)
        window = self.hall.window(window_id)
        if window is None:
            raise HallError(404, "unknown_window", id=window_id)
        return window

    def open(self, window_id, actor, queues=None):
        window = self._managed(window_id, actor)
        profile = None
        if queues:
            unknown = [q for q in queues if self.hall.queue(q) is None]
            if unknown:
                raise HallError(422, "unknown_queue", id=unknown[0])
            profile = {q: 1.0 for q in queues}
        elif window.kind == "tidal":
            chosen = routing.pick_tidal_queues(self.estimates.load_minutes(), self.hall.rules.tidal_queue_count,
                                               allowed=self.tidal_queues)
            if not chosen:
                chosen = sorted(self.tidal_queues)[: self.hall.rules.tidal_queue_count]
            if not chosen:
                raise HallError(409, "no_queue_for_window")
            profile = {q: 1.0 for q in chosen}
        return self._set_state(window_id, actor, "open", "open", profile=profile)

    def close(self, window_id, actor):
        self._managed(window_id, actor)
        return self._set_state(window_id, actor, "closed", "close")

    def set_profile(self, window_id, actor, profile):
        self._managed(window_id, actor)
        for q, weight in profile.items():
            if self.hall.queue(q) is None:
                raise HallError(422, "unknown_queue", id=q)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 100:
                raise HallError(422, "bad_field", field=f"profile.{q}", why=("权重须为 0 到 100 之间的正数", "a weight is a number above 0 and at most 100"))
        return self._set_state(window_id, actor, None, "profile", profile={q: float(w) for q, w in profile.items()})

    def staff_in(self, c, window_id, clerk):
        """Inside a change: a clerk logged in at (or out of) a window, shown on consoles and boards."""
        window = self.hall.window(window_id)
        if window is None:
            raise HallError(404, "unknown_window", id=window_id)
        c.execute("UPDATE windows SET clerk=?, changed_at=? WHERE id=?", (clerk, c.now, window_id))
        return self.emit_changed(c, window)

    def unstaff_clerk(self, c, name):
        """Inside a change: the windows a (disabled) user staffed are left unstaffed."""
        for row in c.execute("SELECT id FROM windows WHERE clerk=?", (name,)).fetchall():
            self.staff_in(c, row["id"], None)
