"""取件: a ticket for the output window, linked to a ready case.

The citizen gives the 6-digit pickup code from the receipt, or the kiosk's
scanner reads the receipt's QR (the case page's URL, ending in the ticket's
token). A second request for the same case while its pickup ticket still
waits gives that same ticket back. Wrong codes are counted per address and
slowed down, because six digits could otherwise be guessed.
"""
from __future__ import annotations

import re
import secrets

from hub.rules.clock import hall_date, within_hours
from hub.rules.errors import HallError
from hub.service.views import ticket_public
from hub.service.case_errors import CaseError

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


def _request_ip():
    # the hub's route passes only the code and the actor; the address is the request's
    try:
        from flask import has_request_context, request
    except ImportError:
        return ""
    return (request.remote_addr or "") if has_request_context() else ""


def issue_pickup(svc, code, actor=None, printer=None, ip=None):
    cases = getattr(svc, "cases", None)
    ip = ip if ip is not None else (actor.ip if actor and actor.ip else _request_ip())
    now = svc.clock.now()
    _check_throttle(svc, ip, now)
    text = code.strip() if isinstance(code, str) else ""
    row = _find_case(svc, text) if cases is not None else None
    if row is None:
        with svc.store.transaction() as conn:
            conn.execute("DELETE FROM pickup_failures WHERE at < ?", (now - FAILURE_WINDOW,))
            conn.execute("INSERT INTO pickup_failures (ip, at) VALUES (?,?)", (ip, now))
        raise CaseError(404, "bad_pickup_code")
    if row["state"] in ("delivered", "mailed"):
        raise CaseError(409, "pickup_closed", number=row["number"], state=row["state"])
    if row["state"] != "ready":
        raise CaseError(409, "pickup_not_ready", number=row["number"], state=row["state"])
    hours = svc.hall.hours
    if hours.enforce and not within_hours(now, svc.hall.timezone, hours.periods, svc.hall.calendar):
        raise HallError(409, "hall_closed", hours=", ".join(f"{a}-{b}" for a, b in hours.periods))
    queue = output_queue(svc.hall)
    t = svc._commit(lambda conn, now, emit: _issue(svc, cases, conn, now, emit, row["id"], queue, printer))
    view = svc.ticket_view(t)
    view.update(token=t.token, status_url=svc.status_url(t.token), materials=list(PICKUP_MATERIALS),
                serve_kinds=["output"],
                case={"id": row["id"], "number": row["number"], "department": row["department"],
                      "matter_name": (svc.hall.matter(row["matter"]).name if svc.hall.matter(row["matter"])
                                      else row["matter"])})
    return view


def _check_throttle(svc, ip, now):
    rows = svc.store.query("SELECT at FROM pickup_failures WHERE ip=? AND at>? ORDER BY at DESC",
                           (ip, now - FAILURE_WINDOW))
    if len(rows) >= FAILURES_FREE:
        wait = int(rows[FAILURES_FREE - 1]["at"] + FAILURE_WINDOW - now) + 1
        raise CaseError(429, "pickup_throttled", seconds=max(1, wait))


def _find_case(svc, text):
    if CODE.match(text):
        rows = svc.store.query("SELECT * FROM cases WHERE pickup_code=? ORDER BY state IN ('delivered','mailed'), "
                               "id DESC", (text,))
        return rows[0] if rows else None
    token = token_of(text) if len(text) <= 300 else None
    if token is None:
        return None
    return svc.store.query_one(
        "SELECT c.* FROM tickets t JOIN case_tickets l ON l.ticket_id = t.id JOIN cases c ON c.id = l.case_id "
        "WHERE t.token=?", (token,))


def _issue(svc, cases, conn, now, emit, case_id, queue, printer):
    row = conn.execute("SELECT * FROM cases WHERE id=?", (case_id,)).fetchone()
    held = conn.execute(
        "SELECT t.id FROM case_tickets l JOIN tickets t ON t.id = l.ticket_id "
        f"WHERE l.case_id=? AND l.kind='pickup' AND t.status IN ({','.join('?' * len(ACTIVE))})",
        (case_id, *ACTIVE)).fetchone()
    if held is not None:  # pressed twice: the same ticket again
        return svc._ticket(conn, held["id"])
    day = hall_date(now, svc.hall.timezone)
    conn.execute("INSERT INTO counters (day, queue, last) VALUES (?, ?, 1) "
                 "ON CONFLICT (day, queue) DO UPDATE SET last = last + 1", (day, queue))
    seq = conn.execute("SELECT last FROM counters WHERE day=? AND queue=?", (day, queue)).fetchone()[0]
    matter = output_matter(svc.hall, queue, row["matter"])
    # numbered and stored as HallService.issue does, inside this one transaction
    cur = conn.execute(
        "INSERT INTO tickets (day, queue, first_queue, seq, number, matter, situation, priority, status,"
        " token, issued_at, first_issued_at) VALUES (?,?,?,?,?,?, NULL, 'normal', 'waiting', ?,?,?)",
        (day, queue, queue, seq, f"{queue}{seq:03d}", matter, secrets.token_urlsafe(18), now, now))
    t = svc._ticket(conn, cur.lastrowid)
    conn.execute("INSERT INTO case_tickets (ticket_id, case_id, kind) VALUES (?,?, 'pickup')", (t.id, case_id))
    emit("ticket.issued", {"ticket": ticket_public(svc.hall, t, svc.window_numbers), "printer": printer},
         ticket_id=t.id)
    cases._note(conn, now, case_id, None, "pickup", row["state"], f"取件号 {t.number}")
    emit("case.changed", {"case": cases.summary(row, cases.today(now)), "action": "pickup",
                          "by": "kiosk", "pickup_ticket": {"id": t.id, "number": t.number}},
         ticket_id=t.id, public=False)
    return t
