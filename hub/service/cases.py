"""Cases in the database. A case is created inside the finish transaction of
a ticket accepted at a comprehensive (or tidal) window; every later action is
one change (hub/service/changes.py): the case row, a history row, an audit
row and the events, published after COMMIT.

Who sees what: managers every case; back-office staff their departments'
cases; a clerk the cases accepted at the clerk's window and, at an output
window, the cases whose result is ready or handed out. Anyone else gets 404,
so that a case number says nothing to the wrong person.
"""
from __future__ import annotations

import json
import secrets
from datetime import date

from hub.rules.clock import hall_date, iso
from hub.rules.errors import HallError
from hub.service import ticket_rows
from hub.service.views import materials_of, ticket_from_row, window_numbers
from hub.rules import cases as rules
from hub.service.case_errors import CaseError, from_rule

FRONT_KINDS = ("comprehensive", "tidal")  # windows whose `accepted` outcome creates a case
BACK_OFFICE_ACTIONS = ("review", "return", "resume", "approve", "reject", "ready", "mail")
OUTPUT_STATES = ("ready", "delivered", "mailed")
LIST_LIMIT = 500
MAX_ID = 2**62  # SQLite's integers: a larger id is simply unknown
STATE_GROUPS = {"open": ("accepted", "in_review", "returned", "approved", "rejected", "ready"),
                "running": tuple(rules.RUNNING)}


def case_from_row(row):
    return rules.Case(
        id=row["id"], number=row["number"], matter=row["matter"], department=row["department"],
        accepted_on=date.fromisoformat(row["accepted_on"]), promised_days=row["promised_days"],
        state=row["state"], paused_days=row["paused_days"],
        returned_on=date.fromisoformat(row["returned_on"]) if row["returned_on"] else None,
        missing=tuple(json.loads(row["missing"])),
        decided_on=date.fromisoformat(row["decided_on"]) if row["decided_on"] else None, reason=row["reason"])


class Cases:
    def __init__(self, hall, store, clock, changes):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes
        self.numbers = window_numbers(hall)

    # time -------------------------------------------------------------------------
    def today(self, now=None):
        return date.fromisoformat(hall_date(self.clock.now() if now is None else now, self.hall.timezone))

    # who may do what ------------------------------------------------------------------
    def _output_clerk(self, actor):
        window = self.hall.window(actor.window) if actor.window else None
        return actor.role == "clerk" and window is not None and window.kind == "output"

    def can_read(self, actor, row):
        if actor is None:
            return False
        if actor.is_manager:
            return True
        if actor.role == "backoffice":
            return row["department"] in actor.departments
        if actor.role == "clerk":
            if self._output_clerk(actor):
                return row["state"] in OUTPUT_STATES
            return row["window"] == actor.window and actor.window is not None
        return False

    def check_act(self, actor, row, action):
        if actor is None:
            raise HallError(401, "login_required")
        if not self.can_read(actor, row):
            raise CaseError(404, "unknown_case", id=row["id"])
        if actor.is_manager:
            return
        if action == "deliver":
            if not self._output_clerk(actor):
                raise CaseError(403, "deliver_at_output")
            return
        if not (actor.role == "backoffice" and row["department"] in actor.departments):
            raise HallError(403, "forbidden")

    def _visible(self, actor):
        """SQL condition and parameters limiting a list to what `actor` may read."""
        if actor is None:
            raise HallError(401, "login_required")
        if actor.is_manager:
            return "1=1", []
        if actor.role == "backoffice":
            deps = list(actor.departments) or [""]
            return f"department IN ({','.join('?' * len(deps))})", deps
        if actor.role == "clerk" and self._output_clerk(actor):
            return f"state IN ({','.join('?' * len(OUTPUT_STATES))})", list(OUTPUT_STATES)
        if actor.role == "clerk" and actor.window:
            return "window = ?", [actor.window]
        raise HallError(403, "forbidden")

    # views ----------------------------------------------------------------------------
    def view(self, row, today, history=None):
        case = case_from_row(row)
        matter = self.hall.matter(row["matter"])
        situation = matter.situation(row["situation"]) if matter and row["situation"] else None
        cal = self.hall.calendar
        out = {
            "id": row["id"], "number": row["number"], "matter": row["matter"],
            "matter_name": matter.name if matter else row["matter"],
            "situation": row["situation"], "situation_name": situation.name if situation else None,
            "department": row["department"], "state": row["state"], "state_text": rules.STATE_TEXT[row["state"]],
            "accepted_at": iso(row["accepted_at"], self.hall.timezone), "clerk": row["clerk"],
            "window": row["window"], "window_number": self.numbers.get(row["window"]),
            "promised_days": row["promised_days"], "paused_days": row["paused_days"],
            "deadline": rules.deadline(case, cal, today).isoformat(),
            "days_left": rules.days_left(case, cal, today) if row["state"] not in rules.DECIDED else None,
            "standing": rules.standing(case, cal, today), "clock_stopped": row["state"] in rules.STOPPED,
            "missing": list(case.missing), "materials": json.loads(row["materials"]), "reason": row["reason"],
            "decided_on": row["decided_on"], "on_time": rules.on_time(case, cal),
            "ticket": {"id": row["ticket_id"]}, "actions": rules.next_actions(row["state"]),
        }
        if history is not None:
            out["history"] = history
        return out

    def _history(self, conn, case_id):
        return [{"at": iso(r["at"], self.hall.timezone), "user": r["user"], "action": r["action"],
                 "action_text": rules.ACTION_TEXT.get(r["action"], r["action"]), "state": r["state"],
                 "state_text": rules.STATE_TEXT.get(r["state"], r["state"]), "note": r["note"]}
                for r in conn.execute("SELECT * FROM case_history WHERE case_id=? ORDER BY id", (case_id,))]

    def summary(self, row, today):
        """What a case event carries: no pickup code, no personal data."""
        v = self.view(row, today)
        keep = ("id", "number", "matter", "matter_name", "department", "state", "state_text", "deadline",
                "days_left", "standing", "window", "ticket")
        return {k: v[k] for k in keep}

    # reading ----------------------------------------------------------------------------
    @staticmethod
    def row(conn, case_id):
        if not isinstance(case_id, int) or not 0 < case_id < MAX_ID:
            raise CaseError(404, "unknown_case", id=case_id)
        row = conn.execute("SELECT * FROM cases WHERE id=?", (case_id,)).fetchone()
        if row is None:
            raise CaseError(404, "unknown_case", id=case_id)
        return row

    def get(self, case_id, actor):
        with self.store.reading() as conn:
            row = self.row(conn, case_id)
            if not self.can_read(actor, row):
                if actor is None:
                    raise HallError(401, "login_required")
                raise CaseError(404, "unknown_case", id=case_id)
            return self.view(row, self.today(), self._history(conn, case_id))

    def list(self, actor, state=None, department=None, due_before=None, ticket=None, number=None):
        where, params = self._visible(actor)
        clauses = [where]
        if state:
            states = STATE_GROUPS.get(state) or tuple(state.split(","))
            unknown = [s for s in states if s not in rules.STATES]
            if unknown:
                raise HallError(400, "bad_field", field="state", why=("须为 " + "/".join(rules.STATES + ("open",)), "must be " + "/".join(rules.STATES + ("open",))))
            clauses.append(f"state IN ({','.join('?' * len(states))})")
            params += list(states)
        if department:
            clauses.append("department = ?")
            params.append(department)
        if due_before:
            clauses.append("deadline <= ?")
            params.append(due_before.isoformat())
        if ticket is not None:
            clauses.append("id IN (SELECT case_id FROM case_tickets WHERE ticket_id = ?)")
            params.append(ticket)
        if number:
            clauses.append("number = ?")
            params.append(number)
        sql = (f"SELECT * FROM cases WHERE {' AND '.join(clauses)} "
               "ORDER BY state IN ('delivered','mailed'), deadline, id LIMIT ?")
        rows = self.store.query(sql, params + [LIST_LIMIT])
        today = self.today()
        return [self.view(r, today) for r in rows]

    # creating: the finish hook -------------------------------------------------------------
    def on_finish(self, c, t, window, actor):
        """Inside the finish transaction: an accepted ticket at a front window
        becomes a case; a pickup ticket finished `done` at the output window
        hands its ready case over."""
        if window.kind in FRONT_KINDS and t.outcome == "accepted":
            self._create(c, t, window, actor)
        elif window.kind == "output" and t.outcome == "done":
            self._deliver_linked(c, t, window, actor)

    def _create(self, c, t, window, actor):
        matter = self.hall.matter(t.matter)
        if matter is None:
            return None
        now, today = c.now, self.today(c.now)
        seq = c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM cases WHERE day=?",
                           (today.isoformat(),)).fetchone()[0]
        number = rules.case_number(today, seq)
        code = self._new_code(c)
        due = rules.first_deadline(today, matter.promised_days, self.hall.calendar)
        materials = materials_of(self.hall, t.matter, t.situation)
        clerk = actor.name if actor.role != "device" else t.clerk
        cur = c.execute(
            "INSERT INTO cases (number, day, seq, ticket_id, matter, situation, department, state, clerk, window,"
            " accepted_at, accepted_on, promised_days, materials, deadline, pickup_code, updated_at)"
            " VALUES (?,?,?,?,?,?,?, 'accepted', ?,?,?,?,?,?,?,?,?)",
            (number, today.isoformat(), seq, t.id, matter.id, t.situation, matter.department, clerk, window.id,
             now, today.isoformat(), matter.promised_days, json.dumps(materials, ensure_ascii=False),
             due.isoformat(), code, now))
        case_id = cur.lastrowid
        c.execute("INSERT INTO case_tickets (ticket_id, case_id, kind) VALUES (?,?, 'accept')", (t.id, case_id))
        self.note_in(c, case_id, actor, "accept", "accepted", f"{window.number}号窗口受理, 号票 {t.number}")
        c.audit(actor, "case.accept", number, f"{t.number} {matter.id}")
        row = self.row(c, case_id)
        c.emit("case.accepted", {"case": self.summary(row, today), "ticket": {"id": t.id, "number": t.number}},
             ticket_id=t.id, window_id=window.id, public=False)
        self._public_event(c, row, t.id)
        return case_id

    def _new_code(self, c):
        while True:  # a million codes, a few hundred open cases: a clash is rare
            code = rules.pickup_code(secrets.randbelow)
            if not c.execute("SELECT 1 FROM cases WHERE pickup_code=? AND state NOT IN ('delivered','mailed')",
                                (code,)).fetchone():
                return code

    def _deliver_linked(self, c, t, window, actor):
        link = c.execute("SELECT case_id FROM case_tickets WHERE ticket_id=? AND kind='pickup'",
                            (t.id,)).fetchone()
        if link is None:
            return
        row = self.row(c, link["case_id"])
        if row["state"] == "ready":
            self._move(c, row, "deliver", actor, note=f"{window.number}号窗口办结取件号 {t.number}")

    # moving ---------------------------------------------------------------------------------
    def act(self, case_id, action, actor, missing=None, reason=None, note=None):
        if action not in rules.ACTIONS:
            raise CaseError(404, "unknown_action", action=action)
        if actor is None:
            raise HallError(401, "login_required")

        def work(c):
            row = self.row(c, case_id)
            self.check_act(actor, row, action)
            return self._move(c, row, action, actor, missing=missing, reason=reason, note=note)

        self.changes.run(work)
        return self.get(case_id, actor)

    def _move(self, c, row, action, actor, missing=None, reason=None, note=None):
        now, today = c.now, self.today(c.now)
        try:
            new = rules.apply(case_from_row(row), action, today, self.hall.calendar, missing=missing, reason=reason)
        except rules.CaseRuleError as exc:
            raise from_rule(exc) from None
        stamps = {"ready": "ready_at", "deliver": "closed_at", "mail": "closed_at",
                  "approve": "decided_at", "reject": "decided_at"}
        stamp = stamps.get(action)
        c.execute(
            "UPDATE cases SET state=?, paused_days=?, returned_on=?, missing=?, deadline=?, decided_on=?, reason=?,"
            f" updated_at=?{f', {stamp}=?' if stamp else ''} WHERE id=?",
            [new.state, new.paused_days, new.returned_on.isoformat() if new.returned_on else None,
             json.dumps(list(new.missing), ensure_ascii=False), rules.deadline(new, self.hall.calendar).isoformat(),
             new.decided_on.isoformat() if new.decided_on else None, new.reason, now]
            + ([now] if stamp else []) + [row["id"]])
        detail = "、".join(new.missing) if action == "return" else (new.reason if action == "reject" else None)
        text = "; ".join(x for x in (detail, (note or "").strip()[:200]) if x) or None
        self.note_in(c, row["id"], actor, action, new.state, text)
        c.audit(actor, f"case.{action}", row["number"], text)
        fresh = self.row(c, row["id"])
        c.emit("case.changed", {"case": self.summary(fresh, today), "action": action,
                              "by": actor.audit_name if actor else "system"},
             ticket_id=row["ticket_id"], public=False)
        self._public_event(c, fresh, row["ticket_id"])
        return fresh

    @staticmethod
    def note_in(c, case_id, actor, action, state, note=None):
        """Inside a change: a line of the case's history."""
        c.execute("INSERT INTO case_history (case_id, at, user, action, state, note) VALUES (?,?,?,?,?,?)",
                  (case_id, c.now, actor.audit_name if actor else "system", action, state, note))

    @staticmethod
    def _public_event(c, row, ticket_id):
        """A minimal public event, so the citizen's page can refresh itself."""
        c.emit("case.state", {"case": {"number": row["number"], "state": row["state"]}, "ticket_id": ticket_id},
             ticket_id=ticket_id)

    # the citizen's side -------------------------------------------------------------------------
    def for_ticket(self, ticket_id):
        """The case page's data for the holder of a ticket's token (acceptance
        or pickup ticket), or None when the ticket has no case."""
        with self.store.reading() as conn:
            link = conn.execute("SELECT case_id FROM case_tickets WHERE ticket_id=?", (ticket_id,)).fetchone()
            if link is None:
                return None
            row = self.row(conn, link["case_id"])
            history = self._history(conn, row["id"])
        today = self.today()
        v = self.view(row, today)
        return {
            "number": v["number"], "matter_name": v["matter_name"], "situation_name": v["situation_name"],
            "department": v["department"], "state": v["state"], "state_text": rules.CITIZEN_TEXT[v["state"]],
            "accepted_at": v["accepted_at"], "deadline": v["deadline"], "days_left": v["days_left"],
            "clock_stopped": v["clock_stopped"], "missing": v["missing"],
            "reason": v["reason"] if v["state"] in rules.DECIDED else None,
            "pickup_code": row["pickup_code"] if row["state"] not in rules.CLOSED else None,
            "message": citizen_message(v, row["pickup_code"]),
            "steps": [{"at": h["at"], "text": h["action_text"], "state_text": rules.CITIZEN_TEXT.get(h["state"])}
                      for h in history if h["action"] != "alert"],
        }

    def receipt(self, case_id, actor):
        """受理回执 data (kiosk.printing's "receipt" slip) for the accepting
        window's clerk, a manager, or a printer."""
        with self.store.reading() as conn:
            row = self.row(conn, case_id)
            ticket = conn.execute("SELECT * FROM tickets WHERE id=?", (row["ticket_id"],)).fetchone()
        # None for a case accepted before hashed tokens: the receipt prints without the case QR code
        token = ticket_rows.token_of(self.store.token_key, ticket_from_row(ticket)) if ticket else None
        allowed = actor is not None and (
            actor.is_manager or (actor.role == "device" and actor.device_kind in ("printer", "bridge"))
            or (actor.role == "clerk" and actor.window == row["window"]))
        if not allowed:
            if actor is None:
                raise HallError(401, "login_required")
            raise CaseError(404, "unknown_case", id=case_id)
        v = self.view(row, self.today())
        base = self.hall.public_url.rstrip("/")
        return {"kind": "receipt", "hall": self.hall.name, "case_id": row["id"], "case_number": row["number"],
                "matter_name": v["matter_name"], "situation_name": v["situation_name"],
                "department": row["department"], "accepted_at": v["accepted_at"], "deadline": v["deadline"],
                "promised_days": row["promised_days"], "materials": v["materials"],
                "pickup_code": row["pickup_code"], "case_url": f"{base}/case/{token}" if token else None,
                "paper_mm": self.hall.paper_mm}


def citizen_message(v, code):
    state = v["state"]
    if state in rules.RUNNING:
        return f"承诺于 {v['deadline']} 前办结, 办结后凭取件码到统一出件窗口取件"
    if state == "returned":
        return "请按清单补齐材料后交到综合受理窗口; 补正期间不计入办理时限"
    if state in ("approved", "rejected"):
        return "已办结, 结果准备好后会在此显示"
    if state == "ready":
        return f"请到统一出件窗口取件: 在取号机点「取件」, 输入取件码 {code} 取号"
    if state == "mailed":
        return "结果已邮寄, 请注意查收"
    return "结果已领取, 感谢您的耐心"
