"""Tickets, windows and counters in the database, for the services that
change them inside a transaction (`db` is a Change or a reading connection:
anything with `execute`)."""
from __future__ import annotations

import secrets

from hub.rules import ticket_tokens
from hub.rules import tickets as rules
from hub.rules.clock import hall_date
from hub.rules.errors import HallError
from hub.service.views import ticket_from_row

TICKET_COLUMNS = ("queue", "status", "called_at", "first_called_at", "started_at", "finished_at",
                  "window", "target_window", "clerk", "recalls", "transfers", "outcome", "reason",
                  "issued_at")
NONCE_BYTES = 12


def load(db, ticket_id):
    row = db.execute("SELECT * FROM tickets WHERE id=?", (ticket_id,)).fetchone()
    if row is None:
        raise HallError(404, "unknown_ticket", id=ticket_id)
    return ticket_from_row(row)


def save(db, t):
    sets = ", ".join(f"{c}=?" for c in TICKET_COLUMNS)
    db.execute(f"UPDATE tickets SET {sets} WHERE id=?", [getattr(t, c) for c in TICKET_COLUMNS] + [t.id])


def insert(db, now, timezone, queue, matter, situation=None, priority="normal", due_at=None):
    """A new waiting ticket, numbered per queue and hall day (A001…, never reused). `db` a Change:
    its token_key derives the token, of which the row keeps only the hash (`token_of` rebuilds it)."""
    day = hall_date(now, timezone)
    db.execute("INSERT INTO counters (day, queue, last) VALUES (?, ?, 1) "
               "ON CONFLICT (day, queue) DO UPDATE SET last = last + 1", (day, queue))
    seq = db.execute("SELECT last FROM counters WHERE day=? AND queue=?", (day, queue)).fetchone()[0]
    # a clock stepped back (NTP, an operator) must not put a later ticket ahead of earlier ones
    last = db.execute("SELECT first_issued_at FROM tickets WHERE day=? ORDER BY id DESC LIMIT 1", (day,)).fetchone()
    since = max(now, last[0]) if last else now
    # the id the row will get (one writer, inside its transaction): the token is derived from it
    ticket_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()[0]
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    token_hash = ticket_tokens.digest(ticket_tokens.derive(db.token_key, ticket_id, nonce))
    db.execute(
        "INSERT INTO tickets (id, day, queue, first_queue, seq, number, matter, situation, priority, status,"
        " token_hash, token_nonce, issued_at, first_issued_at, due_at)"
        " VALUES (?,?,?,?,?,?,?,?,?, 'waiting', ?,?,?,?,?)",
        (ticket_id, day, queue, queue, seq, f"{queue}{seq:03d}", matter, situation, priority,
         token_hash, nonce, since, since, due_at))
    return load(db, ticket_id)


def token_of(key, t):
    """The token of ticket `t` rebuilt from the hub's key, or None (see ticket_tokens.rebuild)."""
    return ticket_tokens.rebuild(key, t.id, t.token_nonce, t.token_hash)


def apply(fn, t, now, **kwargs):
    """A ticket rule, its refusal as the HallError a client reads."""
    try:
        return fn(t, now, **kwargs)
    except rules.IllegalAction as exc:
        raise HallError(409 if exc.key == "ticket_state" else 422, exc.key, **exc.params) from None


def window_row(db, hall, window_id):
    window = hall.window(window_id)
    row = db.execute("SELECT * FROM windows WHERE id=?", (window_id,)).fetchone()
    if window is None or row is None:
        raise HallError(404, "unknown_window", id=window_id)
    return window, row


def held_ticket(db, row):
    """The called or serving ticket a window row holds, or None."""
    if row["ticket_id"] is None:
        return None
    t = load(db, row["ticket_id"])
    return t if t.status in rules.HELD else None


def held(db):
    return [ticket_from_row(r) for r in db.execute("SELECT * FROM tickets WHERE status IN ('called','serving')")]


def window_rows(db):
    return {r["id"]: r for r in db.execute("SELECT * FROM windows")}
