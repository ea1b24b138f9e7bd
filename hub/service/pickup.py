"""取件: a ticket for the output window, linked to a ready case.

The citizen gives the 6-digit pickup code from the receipt, or the kiosk's
scanner reads the receipt's QR (the case page's URL, ending in the ticket's
token). A second request for the same case while its pickup ticket still
waits gives that same ticket back. Wrong codes are counted per address and
slowed down, because six digits could otherwise be guessed.
"""
from __future__ import annotations

import re

from hub.rules import ticket_tokens
from hub.service import ticket_rows as rows_
from hub.service.case_errors import CaseError
from hub.service.views import ticket_public, window_numbers

CODE = re.compile(r"^\d{6}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
FAILURES_FREE = 10  # wrong codes per address (a kiosk serves many people) within FAILURE_WINDOW
FAILURE_WINDOW = 600
ACTIVE = ("waiting", "called", "serving")
PICKUP_MATERIALS = ("受理回执或取件码", "申请人身份证件 (代领须带代领人身份证件)")


def token_of(text):
    """The ticket token in a scanned case or ticket URL (…/case/TOKEN or …/t/TOKEN)."""
    tail = re.split(r"/(?:t|case)/", text)[-1]
    tail = re.split(r"[?#/]", tail)[0]
    return tail if TOKEN.match(tail) else None


def output_queue(hall):
    for w in hall.windows:
        if w.kind == "output" and w.profile:
            return next(iter(w.profile))
    raise CaseError(409, "no_output_window")


def output_matter(hall, queue, fallback):
    """The catalog's own pickup matter (办件结果领取) when there is one."""
    for m in hall.matters:
        if m.queue == queue and m.scope == "output":
            return m.id
    return fallback


class Pickups:
    def __init__(self, hall, store, clock, changes, cases, tickets):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes
        self.cases, self.tickets = cases, tickets
        self.numbers = window_numbers(hall)

    def issue(self, code, actor=None, printer=None, ip=""):
        """The pickup ticket of the ready case whose code (or receipt QR) this is."""
        ip = actor.ip if actor and actor.ip else ip
        now = self.clock.now()
        self._check_throttle(ip, now)
        text = code.strip() if isinstance(code, str) else ""
        row = self._find_case(text)
        if row is None:
            self.changes.run(lambda c: self._failed(c, ip))
            raise CaseError(404, "bad_pickup_code")
        if row["state"] in ("delivered", "mailed"):
            raise CaseError(409, "pickup_closed", number=row["number"], state=row["state"])
        if row["state"] != "ready":
            raise CaseError(409, "pickup_not_ready", number=row["number"], state=row["state"])
        self.tickets.check_open()
        queue = output_queue(self.hall)
        t = self.changes.run(lambda c: self._issue(c, row["id"], queue, printer))
        view = self.tickets.issued_view(t, materials=list(PICKUP_MATERIALS))
        matter = self.hall.matter(row["matter"])
        view.update(serve_kinds=["output"],
                    case={"id": row["id"], "number": row["number"], "department": row["department"],
                          "matter_name": matter.name if matter else row["matter"]})
        return view

    @staticmethod
    def _failed(c, ip):
        c.execute("DELETE FROM pickup_failures WHERE at < ?", (c.now - FAILURE_WINDOW,))
        c.execute("INSERT INTO pickup_failures (ip, at) VALUES (?,?)", (ip, c.now))

    def _check_throttle(self, ip, now):
        rows = self.store.query("SELECT at FROM pickup_failures WHERE ip=? AND at>? ORDER BY at DESC",
                                (ip, now - FAILURE_WINDOW))
        if len(rows) >= FAILURES_FREE:
            wait = int(rows[FAILURES_FREE - 1]["at"] + FAILURE_WINDOW - now) + 1
            raise CaseError(429, "pickup_throttled", seconds=max(1, wait))

    def _find_case(self, text):
        if CODE.match(text):
            rows = self.store.query("SELECT * FROM cases WHERE pickup_code=? "
                                    "ORDER BY state IN ('delivered','mailed'), id DESC", (text,))
            return rows[0] if rows else None
        token = token_of(text) if len(text) <= 300 else None
        if token is None:
            return None
        return self.store.query_one(
            "SELECT c.* FROM tickets t JOIN case_tickets l ON l.ticket_id = t.id JOIN cases c ON c.id = l.case_id "
            "WHERE t.token_hash=?", (ticket_tokens.digest(token),))

    def _issue(self, c, case_id, queue, printer):
        row = c.execute("SELECT * FROM cases WHERE id=?", (case_id,)).fetchone()
        held = c.execute(
            "SELECT t.id FROM case_tickets l JOIN tickets t ON t.id = l.ticket_id "
            f"WHERE l.case_id=? AND l.kind='pickup' AND t.status IN ({','.join('?' * len(ACTIVE))})",
            (case_id, *ACTIVE)).fetchone()
        if held is not None:  # pressed twice: the same ticket again
            return rows_.load(c, held["id"])
        matter = output_matter(self.hall, queue, row["matter"])
        t = rows_.insert(c, c.now, self.hall.timezone, queue, matter)
        c.execute("INSERT INTO case_tickets (ticket_id, case_id, kind) VALUES (?,?, 'pickup')", (t.id, case_id))
        c.emit("ticket.issued", {"ticket": ticket_public(self.hall, t, self.numbers), "printer": printer},
               ticket_id=t.id)
        self.cases.note_in(c, case_id, None, "pickup", row["state"], f"取件号 {t.number}")
        c.emit("case.changed", {"case": self.cases.summary(row, self.cases.today(c.now)), "action": "pickup",
                                "by": "kiosk", "pickup_ticket": {"id": t.id, "number": t.number}},
               ticket_id=t.id, public=False)
        return t
