"""The county's figures from a hall's events: pure functions of plain values.

Events arrive in any order and any number of times. The county keeps one
state row per ticket, follow-up, case and device, and each event updates it in
a way that does not depend on arrival order: the first call is the
`ticket.called` with the lowest event id, the status is that of the highest
id, the issue time that of `ticket.issued`. A day's figures are the sums of
its tickets' contributions: when a ticket's state changes the store adds
`contribution(new) - contribution(old)` to the stored sums, so a page view
reads a few sums instead of the events.

Counting follows the hall's own reports (hub/service/reports.py): issued and
wait in the queue and hour of issue; ends in the queue, window and hour of
the end; the one-window share over tickets finished at business windows, a
tidal window counting with the kind that serves the ticket's queue first.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WITHIN_S = 15 * 60
BUCKET_S = 30  # the wait histogram's step: p90 to the half minute
SCORES = (1, 2, 3, 4, 5)
FIELDS = ("issued", "called", "wait_s", "within_15", "served", "no_shows", "cancelled", "expired", "waiting",
          "at_comprehensive", "at_business", "r1", "r2", "r3", "r4", "r5")
ENDS = {"done": "served", "no_show": "no_shows", "cancelled": "cancelled", "expired": "expired"}
OPEN_BY_CLOSING = ("waiting", "called")  # what the hall's closing expires
CASE_DECIDED = frozenset({"approved", "rejected", "ready", "delivered", "mailed"})
FOLLOWUP_DONE = frozenset({"rectified", "closed"})
TICKET_KEYS = ("ticket_id", "day", "issued_at", "issued_event", "first_event", "first_queue", "last_event",
               "status", "queue", "window_id", "window_kind", "finish_class", "end_at", "first_call_event",
               "first_called_at", "score")


def parse_at(value):
    """An event time: unix seconds, or an ISO 8601 text with its offset; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("at")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    raise ValueError("at")


def event_day(data, at, tz):
    """The hall day of an event: the date part of its local `data.at`, else `at` in the hall's zone."""
    local = data.get("at")
    if isinstance(local, str) and len(local) >= 10:
        return local[:10]
    return datetime.fromtimestamp(at, ZoneInfo(tz)).strftime("%Y-%m-%d")


# tickets ---------------------------------------------------------------------------
def new_ticket(ticket_id):
    return dict.fromkeys(TICKET_KEYS) | {"ticket_id": ticket_id}


def apply_ticket_event(state, event_id, at, type_, data):
    """The ticket's state after one more of its events (any order): a new dict."""
    t = data.get("ticket") or {}
    s = dict(state) if state else new_ticket(t.get("id"))
    if type_ == "rating.received":
        s["score"] = data.get("score")
        return s
    issued_iso = t.get("issued_at")
    if s["issued_at"] is None and isinstance(issued_iso, str):
        s["day"], s["issued_at"] = issued_iso[:10], parse_at(issued_iso)
    if type_ == "ticket.issued":
        s["issued_event"], s["issued_at"], s["first_queue"] = event_id, at, t.get("queue")
    elif s["issued_event"] is None and (s["first_event"] is None or event_id < s["first_event"]):
        s["first_queue"] = t.get("queue")
    if s["first_event"] is None or event_id < s["first_event"]:
        s["first_event"] = event_id
    if type_ == "ticket.called" and (s["first_call_event"] is None or event_id < s["first_call_event"]):
        s["first_call_event"], s["first_called_at"] = event_id, at
    if s["last_event"] is None or event_id > s["last_event"]:
        window = data.get("window") or {}
        s.update(last_event=event_id, status=t.get("status"), queue=t.get("queue"), window_id=t.get("window"),
                 end_at=at, window_kind=window.get("kind") if window.get("id") == t.get("window") else None)
    return s


def effective_status(s, closings):
    """The status, with the hall's closings applied: a ticket still waiting or called
    when a later `day.closed` was logged has expired."""
    status = s["status"]
    if status in OPEN_BY_CLOSING and s["last_event"] is not None and any(c > s["last_event"] for c in closings):
        return "expired"
    return status


def finish_class(window_kind, queue, queue_kinds):
    """'comprehensive', 'professional' or None: how a finish counts in the one-window share."""
    if window_kind in ("comprehensive", "professional"):
        return window_kind
    if window_kind == "tidal":
        home = (queue_kinds or {}).get(queue)
        return home if home in ("comprehensive", "professional") else None
    return None


def hour_of(ts, tz):
    """'09:00': the hall-local hour of a unix time."""
    return _hour_label(int(ts // 3600), tz)


@lru_cache(maxsize=4096)
def _hour_label(slot, tz):
    return datetime.fromtimestamp(slot * 3600, ZoneInfo(tz)).strftime("%H:00")


def contribution(s, status, tz):
    """What one ticket adds to its day's sums: ({(dimension, key): {field: n}}, wait bucket or None).
    `s["finish_class"]` says how its finish counts in the one-window share (finish_class())."""
    out = defaultdict(lambda: defaultdict(float))
    if s is None or s["day"] is None or s["issued_at"] is None:
        return {}, None
    issue_hour = hour_of(s["issued_at"], tz)
    first_queue = s["first_queue"] or s["queue"] or "-"
    for key in (("day", ""), ("hour", issue_hour), ("queue", first_queue)):
        out[key]["issued"] += 1
    bucket = None
    if s["first_called_at"] is not None:
        wait = max(0.0, s["first_called_at"] - s["issued_at"])
        bucket = int(wait // BUCKET_S)
        keys = [("day", ""), ("hour", issue_hour), ("queue", first_queue)]
        keys += [("window", s["window_id"])] if s["window_id"] else []
        for key in keys:
            out[key]["called"] += 1
            out[key]["wait_s"] += wait
            out[key]["within_15"] += wait <= WITHIN_S
    if status == "waiting":
        out[("day", "")]["waiting"] += 1
        out[("queue", s["queue"] or first_queue)]["waiting"] += 1
    if status in ENDS:
        keys = [("day", ""), ("queue", s["queue"] or first_queue), ("hour", hour_of(s["end_at"] or s["issued_at"], tz))]
        keys += [("window", s["window_id"])] if s["window_id"] else []
        cls = s.get("finish_class") if status == "done" else None
        for key in keys:
            out[key][ENDS[status]] += 1
            if status == "done" and s["score"] in SCORES:
                out[key][f"r{s['score']}"] += 1
            if cls:
                out[key]["at_business"] += 1
                out[key]["at_comprehensive"] += cls == "comprehensive"
    return {k: dict(v) for k, v in out.items()}, bucket


def delta(old, new):
    """new - old of two contributions: ({(dimension, key): {field: change}}, {bucket: change})."""
    (old_sums, old_bucket), (new_sums, new_bucket) = old, new
    sums = {}
    for key in set(old_sums) | set(new_sums):
        a, b = old_sums.get(key, {}), new_sums.get(key, {})
        change = {f: b.get(f, 0) - a.get(f, 0) for f in set(a) | set(b)}
        change = {f: v for f, v in change.items() if v}
        if change:
            sums[key] = change
    buckets = defaultdict(int)
    if old_bucket is not None:
        buckets[old_bucket] -= 1
    if new_bucket is not None:
        buckets[new_bucket] += 1
    return sums, {b: n for b, n in buckets.items() if n}


# follow-ups, cases, devices -------------------------------------------------------
def apply_followup(state, event_id, day, type_, data, default_deadline=None):
    """A 差评 follow-up (opened by a rating of 1-2, moved by followup.changed)."""
    s = dict(state or {"state": None, "state_event": None, "opened_on": None, "deadline": None, "done_on": None,
                       "ticket_id": None, "score": None})
    if type_ == "rating.received":
        s.update(opened_on=day, ticket_id=(data.get("ticket") or {}).get("id"), score=data.get("score"),
                 deadline=data.get("followup_deadline") or s["deadline"] or default_deadline)
        new_state = "open"
    else:
        new_state = (data.get("followup") or {}).get("state")
        if new_state in FOLLOWUP_DONE and (s["done_on"] is None or day < s["done_on"]):
            s["done_on"] = day
    if s["state_event"] is None or event_id > s["state_event"]:
        s["state"], s["state_event"] = new_state, event_id
    return s


def default_deadline(day, working_days=None):
    """A follow-up deadline when the hall's event did not carry one: `working_days`
    (default 3) Monday-to-Friday days after the day it opened."""
    n = working_days if isinstance(working_days, int) and working_days > 0 else 3
    d = date.fromisoformat(day)
    while n:
        d += timedelta(days=1)
        n -= d.weekday() < 5
    return d.isoformat()


def apply_case(state, event_id, day, type_, data):
    """A case (办件): state and deadline of its newest event, accepted and decided days."""
    case = data.get("case") or {}
    s = dict(state or {"number": None, "matter": None, "department": None, "state": None, "state_event": None,
                       "deadline": None, "accepted_on": None, "decided_on": None})
    if type_ == "case.accepted":
        s["accepted_on"] = day
    if case.get("state") in CASE_DECIDED and (s["decided_on"] is None or day < s["decided_on"]):
        s["decided_on"] = day
    if s["state_event"] is None or event_id > s["state_event"]:
        s.update(state=case.get("state"), state_event=event_id, deadline=case.get("deadline") or s["deadline"],
                 number=case.get("number") or s["number"], matter=case.get("matter_name") or case.get("matter"),
                 department=case.get("department"))
    return s


def apply_device(state, event_id, data):
    device = data.get("device") or {}
    if state and state["state_event"] is not None and state["state_event"] > event_id:
        return dict(state)
    return {"kind": device.get("kind"), "online": bool(device.get("online")), "fault": device.get("fault"),
            "window_id": device.get("window"), "state_event": event_id}


# acknowledgement --------------------------------------------------------------
def acked_through(acked, ids_above):
    """The highest id with no gap below it, from `acked` and the stored ids above it, ascending."""
    for event_id in ids_above:
        if event_id != acked + 1:
            break
        acked = event_id
    return acked


# reading the sums --------------------------------------------------------------
def p90_bucket(buckets):
    """The wait bucket holding the 90th percentile (nearest rank) of {bucket: count}; None if empty.
    (hub.county.reads.p90_buckets asks PostgreSQL the same question.)"""
    total = sum(n for n in buckets.values() if n > 0)
    if not total:
        return None
    rank = -(-9 * total // 10)
    seen = 0
    for bucket in sorted(buckets):
        seen += max(0, buckets[bucket])
        if seen >= rank:
            return bucket
    return None


def bucket_minutes(bucket):
    """A wait bucket's middle, in minutes: the p90 shown, to the half minute."""
    return None if bucket is None else round((bucket + 0.5) * BUCKET_S / 60.0, 2)


def share(part, whole):
    return None if not whole else round(part / whole, 4)


def view(sums, p90=False):
    """A row of sums as the API shows it; `p90` the 90th-percentile bucket (None: no waits, False: not asked)."""
    g = lambda f: int(round(sums.get(f) or 0))  # noqa: E731 - a short reader
    called = g("called")
    ratings = {str(s): g(f"r{s}") for s in SCORES}
    out = {
        "tickets": g("issued"), "called": called, "served": g("served"), "waiting": g("waiting"),
        "no_shows": g("no_shows"), "cancelled": g("cancelled"), "expired": g("expired"),
        "mean_wait_min": round((sums.get("wait_s") or 0) / called / 60.0, 1) if called else None,
        "served_within_15_min": share(g("within_15"), called),
        "one_window_share": share(g("at_comprehensive"), g("at_business")),
        "one_window_counts": {"comprehensive": g("at_comprehensive"), "business": g("at_business")},
        "ratings": ratings, "rated": sum(ratings.values()),
    }
    if p90 is not False:
        out["p90_wait_min"] = bucket_minutes(p90)
    return out
