"""Ratings (好差评) from the window's pad or the citizen's phone, and the
follow-ups (差评回访整改) that a rating of 1 or 2 opens."""
from __future__ import annotations

import json
from datetime import date

from hub.rules import ticket_tokens
from hub.rules.clock import hall_date, iso
from hub.rules.errors import HallError
from hub.rules.workdays import add_working_days
from hub.service import ticket_rows as rows_
from hub.service.auth import permit
from hub.service.booking_errors import BookingError
from hub.service.views import window_numbers
from hub.rules import platform as platform_rules

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
        steps = self.hall.ratings
        deadline = add_working_days(today, steps.contact_working_days, self.hall.calendar)
        rectify = add_working_days(today, steps.rectify_working_days, self.hall.calendar)
        history = [{"at": iso(c.now, self.hall.timezone), "action": "open", "user": "system",
                    "note": f"评价 {score} 分"}]
        cur = c.execute("INSERT INTO followups (ticket_id, score, state, opened_at, deadline, rectify_deadline,"
                        " history) VALUES (?,?,?,?,?,?,?)",
                        (t.id, score, "open", c.now, deadline.isoformat(), rectify.isoformat(),
                         json.dumps(history, ensure_ascii=False)))
        return cur.lastrowid

    def appeal_in(self, c, ticket_id, state, actor, note):
        """Inside an appeal's change: the follow-up moves with it (appealed; closed or back on decision)."""
        row = c.execute("SELECT * FROM followups WHERE ticket_id=?", (ticket_id,)).fetchone()
        if row is None:
            return
        if state == "pending":
            target, keep = "appealed", row["state"]
        elif state == "upheld":
            target, keep = "closed", row["appeal_from"]
        else:
            target, keep = row["appeal_from"] or "open", None
        history = json.loads(row["history"]) + [{"at": iso(c.now, self.hall.timezone), "action": f"appeal.{state}",
                                                 "user": actor.audit_name, "note": note[:2000]}]
        c.execute("UPDATE followups SET state=?, appeal_from=?, history=? WHERE id=?",
                  (target, keep, json.dumps(history, ensure_ascii=False), row["id"]))

    def list(self, state=None):
        today = hall_date(self.clock.now(), self.hall.timezone)
        rows = self.store.query(
            "SELECT f.*, t.number, t.matter, t.window, t.clerk, r.appeal, r.appeal_reason, r.reasons FROM followups f "
            "JOIN tickets t ON t.id = f.ticket_id LEFT JOIN ratings r ON r.ticket_id = f.ticket_id"
            " ORDER BY f.deadline, f.id")
        out = []
        for r in rows:
            if state and r["state"] != state:
                continue
            out.append({"id": r["id"], "ticket": {"id": r["ticket_id"], "number": r["number"],
                                                  "matter": r["matter"], "window": r["window"], "clerk": r["clerk"]},
                        "score": r["score"], "state": r["state"], "opened_at": iso(r["opened_at"], self.hall.timezone),
                        "deadline": r["deadline"], "rectify_deadline": r["rectify_deadline"],
                        "overdue": _overdue(r, today), "history": json.loads(r["history"]),
                        "reasons": json.loads(r["reasons"] or "[]"), "appeal": r["appeal"],
                        "appeal_reason": r["appeal_reason"]})
        return out

    def act(self, followup_id, action, note, actor):
        permit(actor, lambda a: a.is_manager)
        if action not in FOLLOWUP_MOVES:
            raise HallError(422, "bad_field", field="action", why=("须为 contact/rectify/close/appeal", "must be contact/rectify/close/appeal"))
        if not isinstance(note, str) or not note.strip():
            raise HallError(422, "missing_field", field="note")
        sources, target = FOLLOWUP_MOVES[action]

        def work(c):
            row = c.execute("SELECT * FROM followups WHERE id=?", (followup_id,)).fetchone()
            if row is None:
                raise HallError(404, "unknown_ticket", id=followup_id)
            if row["state"] not in sources:
                raise HallError(409, "bad_field", field="action",
                                why=(f"回访当前为 {row['state']}, 不能执行 {action}", f"the follow-up is {row['state']}: {action} is not possible"))
            history = json.loads(row["history"]) + [{"at": iso(c.now, self.hall.timezone), "action": action,
                                                     "user": actor.audit_name, "note": note.strip()[:2000]}]
            c.execute("UPDATE followups SET state=?, history=? WHERE id=?",
                      (target, json.dumps(history, ensure_ascii=False), followup_id))
            c.audit(actor, f"followup.{action}", str(followup_id), note.strip()[:200])
            c.emit("followup.changed", {"followup": {"id": followup_id, "state": target}}, public=False)

        self.changes.run(work)
        return next(f for f in self.list() if f["id"] == followup_id)


def _overdue(row, today):
    """回访 late while still open, or 整改 late while not yet rectified (an appeal pauses both)."""
    if row["state"] == "open" and row["deadline"] < today:
        return True
    rectify = row["rectify_deadline"] or row["deadline"]
    return row["state"] in ("open", "contacted") and rectify < today


class Ratings:
    def __init__(self, hall, store, clock, changes, followups, outbox):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes
        self.followups, self.outbox = followups, outbox
        self.numbers = window_numbers(hall)

    def at_window(self, window_id, score, actor, reasons=()):
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
            return self._rate(c, rows_.load(c, row["last_finished"]), score, "pad", reasons)

        return self.changes.run(work)

    def by_token(self, ticket_id, token, score, reasons=()):
        valid_score(score)

        def work(c):
            t = rows_.load(c, ticket_id)
            if not ticket_tokens.matches(token, t.token_hash):
                raise HallError(403, "bad_token")
            return self._rate(c, t, score, "phone", reasons)

        return self.changes.run(work)

    def _rate(self, c, t, score, source, reasons=()):
        reasons = self._reasons(score, reasons)
        if t.status != "done":
            raise HallError(409, "nothing_to_rate")
        if c.execute("SELECT 1 FROM ratings WHERE ticket_id=?", (t.id,)).fetchone():
            raise HallError(409, "already_rated")
        if c.now - (t.finished_at or c.now) > self.hall.rules.rating_minutes * 60:
            raise HallError(409, "rating_expired")
        c.execute("INSERT INTO ratings (ticket_id, score, at, source, window, clerk, reasons) VALUES (?,?,?,?,?,?,?)",
                  (t.id, score, c.now, source, t.window, t.clerk, json.dumps(reasons, ensure_ascii=False)))
        self._push(c, t, score, source, reasons, c.now)
        followup = deadline = None
        if score <= 2:
            followup = self.followups.open_in(c, t, score)
            deadline = c.execute("SELECT deadline FROM followups WHERE id=?", (followup,)).fetchone()[0]
        c.emit("rating.received", {"ticket": {"id": t.id, "number": t.number, "queue": t.queue},
                                   "window": {"id": t.window, "number": self.numbers.get(t.window)},
                                   "score": score, "source": source, "followup": followup, "reasons": reasons,
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

    # 差评 reasons, the platform's message, appeals (申诉), default ratings -------------------------
    def _reasons(self, score, reasons):
        allowed = self.hall.ratings.reasons
        reasons = list(dict.fromkeys(reasons or ()))
        if reasons and (score > 2 or any(r not in allowed for r in reasons)):
            raise BookingError(422, "bad_reasons", allowed="、".join(allowed))
        return reasons

    def _push(self, c, t, score, channel, reasons, rated_at, defaulted=False, revision=1, appeal=None):
        """The rating's message for the provincial platform, in the rating's own transaction."""
        settings = self.hall.platform
        if not settings.url:
            return
        matter = self.hall.matter(t.matter)
        case = c.execute("SELECT c.number FROM cases c JOIN case_tickets k ON k.case_id = c.id"
                         " WHERE k.ticket_id=?", (t.id,)).fetchone()
        number = self.numbers.get(t.window)
        facts = {"rating_id": f"{settings.area_code}-{t.day}-{t.id}", "area_code": settings.area_code,
                 "hall": self.hall.name, "ticket_number": t.number, "case_number": case[0] if case else None,
                 "matter_code": t.matter, "matter_name": matter.name if matter else t.matter,
                 "department": matter.department if matter else "", "window": f"{number}号窗口" if number else "-",
                 "staff": t.clerk, "score": score, "channel": channel, "reasons": reasons,
                 "rated_at": iso(rated_at, self.hall.timezone), "defaulted": defaulted}
        self.outbox.put(c, c.now, platform_rules.message(facts, revision=revision, appeal=appeal))

    def appeal(self, ticket_id, reason, actor):
        """申诉: the clerk the rating is about asks that it not count against them."""
        def work(c):
            row = self._rating_row(c, ticket_id)
            if row["score"] > 2:
                raise BookingError(422, "appeal_only_bad")
            if actor.role != "clerk" or row["clerk"] != actor.name:
                raise BookingError(403, "appeal_not_yours")
            if row["appeal"] is not None:
                raise BookingError(409, "appeal_state", state=row["appeal"])
            c.execute("UPDATE ratings SET appeal='pending', appeal_reason=? WHERE ticket_id=?", (reason, ticket_id))
            self.followups.appeal_in(c, ticket_id, "pending", actor, reason)
            c.audit(actor, "rating.appeal", str(ticket_id), reason[:200])
            c.emit("rating.appealed", {"ticket": {"id": ticket_id}, "appeal": "pending"},
                   ticket_id=ticket_id, public=False)
            return {"ticket_id": ticket_id, "appeal": "pending", "reason": reason}

        return self.changes.run(work)

    def mine(self, actor):
        """The 差评 (1 or 2) of the clerk's own service today, with reasons and appeal state: the caller
        console's list, from which the clerk appeals."""
        today = hall_date(self.clock.now(), self.hall.timezone)
        rows = self.store.query(
            "SELECT r.*, t.number, t.matter FROM ratings r JOIN tickets t ON t.id = r.ticket_id"
            " WHERE r.clerk=? AND r.score<=2 AND t.day=? ORDER BY r.at DESC", (actor.name, today))
        names = {m.id: m.name for m in self.hall.matters}
        return {"date": today, "ratings": [
            {"ticket_id": r["ticket_id"], "number": r["number"], "matter": r["matter"],
             "matter_name": names.get(r["matter"], r["matter"]), "score": r["score"],
             "at": iso(r["at"], self.hall.timezone), "source": r["source"], "reasons": json.loads(r["reasons"] or "[]"),
             "appeal": r["appeal"], "appeal_reason": r["appeal_reason"]} for r in rows]}

    def decide_appeal(self, ticket_id, uphold, note, actor):
        """The manager's decision: an upheld appeal leaves the clerk's and window's figures."""
        state = "upheld" if uphold else "rejected"

        def work(c):
            row = self._rating_row(c, ticket_id)
            if row["appeal"] != "pending":
                raise BookingError(409, "appeal_state", state=row["appeal"] or "none")
            c.execute("UPDATE ratings SET appeal=? WHERE ticket_id=?", (state, ticket_id))
            self.followups.appeal_in(c, ticket_id, state, actor, note or state)
            if uphold:
                t = rows_.load(c, ticket_id)
                self._push(c, t, row["score"], row["source"], json.loads(row["reasons"] or "[]"),
                           row["at"], defaulted=bool(row["defaulted"]), revision=2, appeal="upheld")
            c.audit(actor, f"rating.appeal_{state}", str(ticket_id), (note or "")[:200])
            c.emit("rating.appeal_decided", {"ticket": {"id": ticket_id}, "appeal": state,
                                             "window": {"id": row["window"]}}, ticket_id=ticket_id, public=False)
            return {"ticket_id": ticket_id, "appeal": state}

        return self.changes.run(work)

    def fill_defaults(self):
        """Where the hall file says so: finished tickets left unrated for N days get the default score."""
        days = self.hall.ratings.default_after_days
        if days <= 0:
            return 0
        score = self.hall.ratings.default_score

        def work(c):
            rows = c.execute("SELECT t.id FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id"
                             " WHERE t.status='done' AND r.ticket_id IS NULL AND t.finished_at < ?",
                             (c.now - days * 86400,)).fetchall()
            for r in rows:
                t = rows_.load(c, r["id"])
                c.execute("INSERT INTO ratings (ticket_id, score, at, source, window, clerk, defaulted)"
                          " VALUES (?,?,?,?,?,?,1)", (t.id, score, c.now, "default", t.window, t.clerk))
                self._push(c, t, score, "default", [], c.now, defaulted=True)
            if rows:
                c.emit("rating.defaulted", {"count": len(rows), "score": score}, public=False)
            return len(rows)

        return self.changes.run(work)

    @staticmethod
    def _rating_row(c, ticket_id):
        row = c.execute("SELECT * FROM ratings WHERE ticket_id=?", (ticket_id,)).fetchone()
        if row is None:
            raise BookingError(404, "unknown_rating", id=ticket_id)
        return row
