"""What the hall prints besides tickets, as data: the 一次性告知单 (materials list)."""
from __future__ import annotations

from hub.rules.clock import local


def materials_slip(hall, matter, situation, now):
    """The 一次性告知单 of a matter (and one of its situations) from the hall file."""
    return {
        "kind": "materials", "hall": hall.name, "matter_name": matter.name,
        "situation_name": situation.name if situation else None,
        "department": matter.department, "mode": matter.mode, "promised_days": matter.promised_days,
        "conditions": matter.conditions,
        "materials": list(situation.materials if situation else matter.materials),
        "printed_at": local(now, hall.timezone).isoformat(timespec="seconds"),
    }
