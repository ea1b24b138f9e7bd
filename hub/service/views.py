"""How hall state looks to clients: rows and the hall file in, JSON-ready
dicts out. Public views carry no ticket token and no personal data."""
from __future__ import annotations

import json

from hub.rules.clock import iso
from hub.rules.routing import main_queues
from hub.rules.tickets import Ticket

TICKET_FIELDS = tuple(Ticket.__dataclass_fields__)


def ticket_from_row(row):
    return Ticket(**{k: row[k] for k in TICKET_FIELDS})


def ticket_public(hall, t, window_numbers, ahead=None, eta=None, eta_range=None):
    matter = hall.matter(t.matter)
    situation = matter.situation(t.situation) if matter and t.situation else None
    return {
        "id": t.id, "number": t.number, "queue": t.queue, "matter": t.matter,
        "matter_name": matter.name if matter else t.matter,
        "matter_name_en": matter.name_en if matter else t.matter,
        "situation": t.situation, "situation_name": situation.name if situation else None,
        "priority": t.priority, "status": t.status,
        "window": t.window, "window_number": window_numbers.get(t.window),
        "target_window": t.target_window,
        "issued_at": iso(t.first_issued_at, hall.timezone), "called_at": iso(t.called_at, hall.timezone),
        "finished_at": iso(t.finished_at, hall.timezone),
        "ahead": ahead, "eta_minutes": eta, "eta_range_minutes": eta_range, "recalls": t.recalls, "transfers": t.transfers,
        "outcome": t.outcome,
    }


def ticket_brief(t):
    return {"id": t.id, "number": t.number, "queue": t.queue}


def materials_of(hall, matter_id, situation_id):
    matter = hall.matter(matter_id)
    if matter is None:
        return []
    situation = matter.situation(situation_id) if situation_id else None
    return list(situation.materials if situation else matter.materials)


def in_english(hall, materials):
    """The materials' English names where the hall file gives them."""
    return [hall.materials_en.get(m, m) for m in materials]


def serve_kinds(hall, queue_id, tidal_queues):
    kinds = {w.kind for w in hall.windows if queue_id in main_queues(w.profile)}
    if queue_id in tidal_queues:
        kinds.add("tidal")
    order = ("comprehensive", "professional", "tidal", "output", "help", "consult", "complaint")
    return [k for k in order if k in kinds]


def window_view(hall, window, row, ticket=None, window_numbers=None):
    profile = json.loads(row["profile"]) if row else dict(window.profile)
    return {
        "id": window.id, "number": window.number, "kind": window.kind,
        "name": window.name or f"{window.number}号窗口", "floor": window.floor,
        "state": row["state"] if row else "closed",
        "queues": sorted(profile), "main_queues": sorted(main_queues(profile)), "profile": profile,
        "clerk": row["clerk"] if row else None,
        "ticket": ticket_public(hall, ticket, window_numbers or {}) if ticket else None,
    }


STAFF_ONLY_KEYS = ("clerk",)  # who is logged in at a window: for staff and devices, not for the hall Wi-Fi


def public_copy(data):
    """`data` (a view, an event, a snapshot) without staff names, for anonymous readers."""
    if isinstance(data, dict):
        return {k: public_copy(v) for k, v in data.items() if k not in STAFF_ONLY_KEYS}
    if isinstance(data, list):
        return [public_copy(v) for v in data]
    return data


def call_view(event_id, at, ticket, window, tz, recall=False):
    return {"event_id": event_id, "at": iso(at, tz), "ticket": ticket_brief(ticket),
            "window": {"id": window.id, "number": window.number, "name": window.name},
            "recall": recall}


def window_numbers(hall):
    return {w.id: w.number for w in hall.windows}
