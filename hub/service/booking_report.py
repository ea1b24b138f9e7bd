"""Appointments in the reports: bookings of the day, check-ins, no-shows and
how long checked-in citizens waited after their slot began."""
from __future__ import annotations

from hub.rules.stats import percentile


def booking_figures(bookings, called_at):
    """`bookings`: the day's booking rows; `called_at`: ticket id -> first call time (or None).

    no_show_rate = no-shows ÷ bookings that came due (checked in, late or missed);
    wait_after_slot_min: from the slot's start (or the check-in, if later) to the first call."""
    states = {}
    for b in bookings:
        states[b["state"]] = states.get(b["state"], 0) + 1
    due = states.get("checked_in", 0) + states.get("late", 0) + states.get("no_show", 0)
    waits = []
    for b in bookings:
        if b["state"] == "checked_in" and called_at.get(b["ticket_id"]) is not None:
            since = max(b["start"], b["checked_in_at"] or b["start"])
            waits.append(max(0.0, called_at[b["ticket_id"]] - since) / 60)
    return {
        "bookings": sum(n for s, n in states.items() if s != "cancelled"),
        "cancelled": states.get("cancelled", 0),
        "checked_in": states.get("checked_in", 0),
        "late": states.get("late", 0),
        "no_shows": states.get("no_show", 0),
        "no_show_rate": round(states.get("no_show", 0) / due, 4) if due else None,
        "wait_after_slot_min": {"mean": round(sum(waits) / len(waits), 2) if waits else None,
                                "p90": _round(percentile(waits, 90)), "count": len(waits)},
    }


def _round(value):
    return None if value is None else round(value, 2)
