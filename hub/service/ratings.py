"""Ratings (好差评) from the window's pad or the citizen's phone, and the
follow-ups (差评回访整改) that a rating of 1 or 2 opens."""
from __future__ import annotations

import json
from datetime import date

from hub.rules.clock import hall_date, iso
from hub.rules.errors import HallError
from hub.rules.workdays import add_working_days
from hub.service import ticket_rows as rows_
from hub.service.auth import permit
from hub.service.views import window_numbers

FOLLOWUP_MOVES = {  # action -> (states it may come from, state it leads to)
    "contact": (("open",), "contacted"),
    "rectify": (("open", "contacted"), "rectified"),
    "appeal": (("open", "contacted"), "appealed"),
    "close": (("open", "contacted", "rectified", "appealed"), "closed"),
}


def valid_score(score):
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise HallError(422, "bad_score")
    return score


class Followups:
    def __init__(self, hall, store, clock, changes):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes

    def open_in(self, c, t, score):
        """Inside the rating's change: a follow-up due in the hall's working days."""
        today = date.fromisoformat(hall_date(c.now, self.hall.timezone))
        deadline = add_working_days(today, self.hall.rules.followup_working_days, self.hall.calendar)
        history = [{"at": iso(c.now, self.hall.timezone), "action": "open", "user": "system",
                    "note": f"评价 {score} 分"}]
        cur = c.execute("INSERT INTO followups (ticket_id, score, state, opened_at, deadline, history) "
                        "VALUES (?,?,?,?,?,?)", (t.id, score, "open", c.now, deadline.isoformat(),
                                                 json.dumps(history, ensure_ascii=False)))
        return cur.lastrowid

    def list(self, state=None):
        today = hall_date(self.clock.now(), self.hall.timezone)
        rows = self.store.query(
            "SELECT f.*, t.number, t.matter, t.window, t.clerk FROM followups f "
            "JOIN tickets t ON t.id = f.ticket_id ORDER BY f.deadline, f.id")
        out = []
        for r in rows:
            if state and r["state"] != state:
                continue
            out.append({"id": r["id"], "ticket": {"id": r["ticket_id"], "number": r["number"],
                                                  "matter": r["matter"], "window": r["window"], "clerk": r["clerk"]},
                        "score": r["score"], "state": r["state"], "opened_at": iso(r["opened_at"], self.hall.timezone),
                        "deadline": r["deadline"], "overdue": r["state"] != "closed" and r["deadline"] < today,
                        "history": json.loads(r["history"])})
        return out

    def act(self, followup_id, action, note, actor):
        permit(actor, lambda a: a.is_manager)
        if action not in FOLLOWUP_MOVES:
            raise HallError(422, "bad_field", field="action", why="须为 contact/rectify/close/appeal")
        if not isinstance(note, str) or not note.strip():
            raise HallError(422, "missing_field", field="note")
        sources, target = FOLLOWUP_MOVES[action]

        def work(c):
            row = c.execute("SELECT * FROM followups WHERE id=?", (followup_id,)).fetchone()
            if row is None:
                raise HallError(404, "unknown_ticket", id=followup_id)
            if row["state"] not in sources:
                raise HallError(409, "bad_field", field="action",
                                why=f"回访当前为 {row['state']}, 不能执行 {action}")
            history = json.loads(row["history"]) + [{"at": iso(c.now, self.hall.timezone), "action": action,
                                                     "user": actor.audit_name, "note": note.strip()[:2000]}]
            c.execute("UPDATE followups SET state=?, history=? WHERE id=?",
                      (target, json.dumps(history, ensure_ascii=False), followup_id))
            c.audit(actor, f"followup.{action}", str(followup_id), note.strip()[:200])
            c.emit("followup.changed", {"followup": {"id": followup_id, "state": target}}, public=False)

        self.changes.run(work)
        return next(f for f in self.list() if f["id"] == followup_id)


class Ratings:
    def __init__(self, hall, store, clock, changes, followups):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes
        self.followups = followups
        self.numbers = window_numbers(hall)

    def at_window(self, window_id, score, actor):
        """A press on the window's rating pad: rates the ticket last finished there."""
        window = self.hall.window(window_id)
        if window is None:
            raise HallError(404, "unknown_window", id=window_id)
        if actor is None:
            raise HallError(401, "login_required")
        if not (actor.role == "device" and actor.device_kind == "pad" and actor.window == window_id):
            raise HallError(403, "forbidden")
        valid_score(score)

        def work(c):
            row = c.execute("SELECT last_finished FROM windows WHERE id=?", (window_id,)).fetchone()
            if row is None or row["last_finished"] is None:
                raise HallError(409, "nothing_to_rate")
            return self._rate(c, rows_.load(c, row["last_finished"]), score, "pad")

        return self.changes.run(work)

    def by_token(self, ticket_id, token, score):
        valid_score(score)

        def work(c):
            t = rows_.load(c, ticket_id)
            if not isinstance(token, str) or token != t.token:
                raise HallError(403, "bad_token")
            return self._rate(c, t, score, "phone")

        return self.changes.run(work)

    def _rate(self, c, t, score, source):
        if t.status != "done":
            raise HallError(409, "nothing_to_rate")
        if c.execute("SELECT 1 FROM ratings WHERE ticket_id=?", (t.id,)).fetchone():
            raise HallError(409, "already_rated")
        if c.now - (t.finished_at or c.now) > self.hall.rules.rating_minutes * 60:
            raise HallError(409, "rating_expired")
        c.execute("INSERT INTO ratings (ticket_id, score, at, source, window, clerk) VALUES (?,?,?,?,?,?)",
                  (t.id, score, c.now, source, t.window, t.clerk))
        followup = deadline = None
        if score <= 2:
            followup = self.followups.open_in(c, t, score)
            deadline = c.execute("SELECT deadline FROM followups WHERE id=?", (followup,)).fetchone()[0]
        c.emit("rating.received", {"ticket": {"id": t.id, "number": t.number, "queue": t.queue},
                                   "window": {"id": t.window, "number": self.numbers.get(t.window)},
                                   "score": score, "source": source, "followup": followup,
                                   "followup_deadline": deadline},  # the county counts overdue follow-ups
               ticket_id=t.id, window_id=t.window, public=False)
        return {"ticket": t.id, "score": score, "followup": followup}

    def state(self, t):
        """Whether the phone page may still rate this ticket, and what was given."""
        row = self.store.query_one("SELECT score FROM ratings WHERE ticket_id=?", (t.id,))
        if row is not None:
            return {"allowed": False, "score": row["score"]}
        open_until = (t.finished_at or 0) + self.hall.rules.rating_minutes * 60
        allowed = t.status == "done" and self.clock.now() <= open_until
        return {"allowed": allowed, "score": None,
                "until": iso(open_until, self.hall.timezone) if t.status == "done" else None}
