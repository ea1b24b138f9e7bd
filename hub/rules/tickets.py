"""The ticket state machine: pure functions of a ticket, an action and a clock.

    waiting -> called -> serving -> done
    called  -> no_show            (过号, or a recall past the hall's limit)
    called | serving -> waiting   (transfer to a queue or a window; first issue time kept)
    waiting -> cancelled | expired
    called  -> expired            (closing time)

`apply` never mutates: it returns the ticket as it is after the action, or
raises IllegalAction with a message key that says why not.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

STATUSES = ("waiting", "called", "serving", "done", "no_show", "cancelled", "expired")
FINAL = frozenset({"done", "no_show", "cancelled", "expired"})
HELD = frozenset({"called", "serving"})  # a window holds the ticket
PRIORITIES = ("normal", "green", "appointment", "help")
OUTCOMES = ("done", "accepted", "incomplete", "rejected")


@dataclass(frozen=True)
class Ticket:
    id: int
    number: str
    queue: str
    matter: str
    status: str = "waiting"
    priority: str = "normal"
    situation: str | None = None
    day: str = ""
    seq: int = 0
    token_hash: str = ""  # the token itself is never kept (hub/rules/ticket_tokens.py)
    token_nonce: str | None = None  # None: issued before hashed tokens
    issued_at: float = 0.0  # when it entered its current queue
    first_issued_at: float = 0.0  # when the citizen took it: waits count from here
    called_at: float | None = None  # the latest call
    first_called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    window: str | None = None  # the window holding it or that finished it
    target_window: str | None = None  # transferred to one window
    clerk: str | None = None
    recalls: int = 0
    transfers: int = 0
    outcome: str | None = None
    reason: str | None = None
    due_at: float | None = None  # appointment time


class IllegalAction(Exception):
    """An action the ticket's state does not allow (HTTP 409)."""

    def __init__(self, key, **params):
        self.key = key
        self.params = params
        super().__init__(key)


def _require(ticket, allowed, action):
    if ticket.status not in allowed:
        raise IllegalAction("ticket_state", number=ticket.number, status=ticket.status, action=action)


def call(ticket, now, window, clerk=None):
    _require(ticket, ("waiting",), "call")
    return replace(ticket, status="called", window=window, clerk=clerk, called_at=now,
                   first_called_at=ticket.first_called_at or now, target_window=None, recalls=0)


def recall(ticket, now, limit):
    """Say the call again; past `limit` recalls the citizen is taken as absent."""
    _require(ticket, ("called",), "recall")
    if ticket.recalls >= limit:
        return replace(ticket, status="no_show", finished_at=now)
    return replace(ticket, recalls=ticket.recalls + 1, called_at=now)


def no_show(ticket, now):
    _require(ticket, ("called",), "no_show")
    return replace(ticket, status="no_show", finished_at=now)


def start(ticket, now):
    _require(ticket, ("called",), "start")
    return replace(ticket, status="serving", started_at=now)


def finish(ticket, now, outcome="done", reason=None):
    """Finish a service; a clerk who skipped 'start' finishes from called."""
    _require(ticket, HELD, "finish")
    if outcome not in OUTCOMES:
        raise IllegalAction("bad_outcome", outcome=outcome)
    if outcome == "rejected" and not reason:
        raise IllegalAction("reason_required")
    started = ticket.started_at or ticket.called_at or now
    return replace(ticket, status="done", started_at=started, finished_at=now, outcome=outcome, reason=reason)


def transfer(ticket, now, queue=None, window=None):
    """Back to waiting in another queue or for one window, keeping first_issued_at."""
    _require(ticket, HELD, "transfer")
    if not queue and not window:
        raise IllegalAction("transfer_target")
    return replace(ticket, status="waiting", queue=queue or ticket.queue, target_window=window,
                   window=None, clerk=None, issued_at=now, called_at=None, started_at=None,
                   recalls=0, transfers=ticket.transfers + 1)


def cancel(ticket, now):
    _require(ticket, ("waiting",), "cancel")
    return replace(ticket, status="cancelled", finished_at=now)


def expire(ticket, now, reason="closing"):
    _require(ticket, ("waiting", "called"), "expire")
    return replace(ticket, status="expired", finished_at=now, reason=reason)


def wait_seconds(ticket, now=None):
    """How long the citizen waited for the first call (or has waited so far)."""
    end = ticket.first_called_at if ticket.first_called_at is not None else now
    if end is None:
        return None
    return max(0.0, end - ticket.first_issued_at)


def service_seconds(ticket):
    if ticket.status != "done" or ticket.started_at is None or ticket.finished_at is None:
        return None
    return max(0.0, ticket.finished_at - ticket.started_at)
