"""What clerks, keypads and managers do to windows: call next, recall,
no-show, start, finish, transfer, pause, resume, open, close."""
from __future__ import annotations

import json

from hub.rules import routing

from hub.rules import tickets as rules
from hub.service.auth import permit
from hub.rules.errors import HallError
from hub.service.views import call_view, ticket_public, window_view

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


class WindowOps:
    # who may act ---------------------------------------------------------------
    def check_window_actor(self, actor, window_id):
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

    def check_manager(self, actor):
        permit(actor, lambda a: a.is_manager)

    # helpers inside a transaction -------------------------------------------------
    def _held_ticket(self, conn, row):
        if row["ticket_id"] is None:
            return None
        t = self._ticket(conn, row["ticket_id"])
        return t if t.status in rules.HELD else None

    def _require_held(self, conn, window, row):
        t = self._held_ticket(conn, row)
        if t is None:
            raise HallError(409, "window_holds_none", number=window.number)
        return t

    def _window_event(self, conn, emit, window, type_="window.changed"):
        row = conn.execute("SELECT * FROM windows WHERE id=?", (window.id,)).fetchone()
        held = self._held_ticket(conn, row)
        view = window_view(self.hall, window, row, held, self.window_numbers)
        emit(type_, {"window": view}, window_id=window.id)
        return view

    def _ticket_event(self, conn, emit, type_, t, window, **extra):
        row = conn.execute("SELECT * FROM windows WHERE id=?", (window.id,)).fetchone()
        data = {"ticket": ticket_public(self.hall, t, self.window_numbers),
                "window": window_view(self.hall, window, row, self._held_ticket(conn, row), self.window_numbers)}
        data.update(extra)
        emit(type_, data, ticket_id=t.id, window_id=window.id)

    # calls -----------------------------------------------------------------------
    def call_next(self, window_id, actor):
        window = self.check_window_actor(actor, window_id)

        def work(conn, now, emit):
            window_, row = self._window_row(conn, window_id)
            if row["state"] != "open":
                raise HallError(409, "window_closed" if row["state"] == "closed" else "window_paused",
                                number=window.number)
            held = self._held_ticket(conn, row)
            if held is not None:
                raise HallError(409, "window_holds_ticket", number=window.number, ticket=held.number)
            chosen = routing.next_ticket(json.loads(row["profile"]),
                                         map(candidate_of, conn.execute(WAITING_SQL)), now, window.id)
            if chosen is None:
                return None
            clerk = actor.name if actor.role != "device" else row["clerk"]
            t = self._apply(rules.call, self._ticket(conn, chosen.id), now, window=window.id, clerk=clerk)
            self._save(conn, t)
            conn.execute("UPDATE windows SET ticket_id=?, changed_at=? WHERE id=?", (t.id, now, window.id))
            self._ticket_event(conn, emit, "ticket.called", t, window,
                               call=call_view(None, now, t, window, self.hall.timezone))
            self._audit(conn, now, actor, "window.call_next", f"{window.id}:{t.number}")
            return t

        t = self._commit(work)
        return None if t is None else self.ticket_view(t)

    def _held_action(self, window_id, actor, action, fn, event, **kwargs):
        window = self.check_window_actor(actor, window_id)

        def work(conn, now, emit):
            _, row = self._window_row(conn, window_id)
            t = self._apply(fn, self._require_held(conn, window, row), now, **kwargs)
            self._save(conn, t)
            if t.status not in rules.HELD:
                conn.execute("UPDATE windows SET ticket_id=NULL, changed_at=? WHERE id=?", (now, window.id))
            if t.status == "done":
                conn.execute("UPDATE windows SET last_finished=? WHERE id=?", (t.id, window.id))
                for hook in self.on_finish:
                    hook(conn, now, emit, t, window, actor)
            type_ = event(t)
            extra = {}
            if type_ == "ticket.recalled":
                extra["call"] = call_view(None, now, t, window, self.hall.timezone, recall=True)
            if type_ == "ticket.finished":
                extra["outcome"] = t.outcome
            self._ticket_event(conn, emit, type_, t, window, **extra)
            self._audit(conn, now, actor, f"window.{action}", f"{window.id}:{t.number}",
                        kwargs.get("outcome") or kwargs.get("queue") or kwargs.get("window"))
            return t

        t = self._commit(work)
        if t.status in ("done", "no_show"):
            self.estimates.record(t)
        return self.ticket_view(t)

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

        def work(conn, now, emit):
            _, row = self._window_row(conn, window_id)
            if allowed_from and row["state"] not in allowed_from:
                raise HallError(409, "window_closed", number=window.number)
            if state == "closed" and self._held_ticket(conn, row) is not None:
                held = self._held_ticket(conn, row)
                raise HallError(409, "window_holds_ticket", number=window.number, ticket=held.number)
            new_profile = json.dumps(profile) if profile is not None else row["profile"]
            conn.execute("UPDATE windows SET state=?, profile=?, changed_at=? WHERE id=?",
                         (state, new_profile, now, window_id))
            self._audit(conn, now, actor, f"window.{action}", window_id, new_profile if profile else None)
            return self._window_event(conn, emit, window)

        return self._commit(work)

    def pause(self, window_id, actor):
        self.check_window_actor(actor, window_id)
        return self._set_state(window_id, actor, "paused", "pause", allowed_from=("open", "paused"))

    def resume(self, window_id, actor):
        self.check_window_actor(actor, window_id)
        return self._set_state(window_id, actor, "open", "resume", allowed_from=("open", "paused"))

    def open_window(self, window_id, actor, queues=None):
        self.check_manager(actor)
        window = self.hall.window(window_id)
        if window is None:
            raise HallError(404, "unknown_window", id=window_id)
        profile = None
        if queues:
            unknown = [q for q in queues if self.hall.queue(q) is None]
            if unknown:
                raise HallError(422, "unknown_queue", id=unknown[0])
            profile = {q: 1.0 for q in queues}
        elif window.kind == "tidal":
            chosen = routing.pick_tidal_queues(self.estimates.load_minutes(), self.hall.rules.tidal_queue_count,
                                               allowed=self.tidal_queues())
            if not chosen:
                chosen = sorted(self.tidal_queues())[: self.hall.rules.tidal_queue_count]
            if not chosen:
                raise HallError(409, "no_queue_for_window")
            profile = {q: 1.0 for q in chosen}
        return self._set_state(window_id, actor, "open", "open", profile=profile)

    def close_window(self, window_id, actor):
        self.check_manager(actor)
        if self.hall.window(window_id) is None:
            raise HallError(404, "unknown_window", id=window_id)
        return self._set_state(window_id, actor, "closed", "close")

    def set_profile(self, window_id, actor, profile):
        self.check_manager(actor)
        if self.hall.window(window_id) is None:
            raise HallError(404, "unknown_window", id=window_id)
        for q, weight in profile.items():
            if self.hall.queue(q) is None:
                raise HallError(422, "unknown_queue", id=q)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 100:
                raise HallError(422, "bad_field", field=f"profile.{q}", why="权重须为 0 到 100 之间的正数")
        rows = self.window_rows()
        return self._set_state(window_id, actor, rows[window_id]["state"], "profile",
                               profile={q: float(w) for q, w in profile.items()})

    def staff_window(self, window_id, clerk, now=None):
        """A clerk logged in at (or out of) a window: shown on consoles and boards."""
        window = self.hall.window(window_id)
        if window is None:
            raise HallError(404, "unknown_window", id=window_id)

        def work(conn, now, emit):
            conn.execute("UPDATE windows SET clerk=?, changed_at=? WHERE id=?", (clerk, now, window_id))
            return self._window_event(conn, emit, window)

        return self._commit(work)
