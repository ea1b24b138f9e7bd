"""What the county cannot learn from a hall's events, sent with its batches
(docs/api.md "County server: what it adds"): how the hall counts a finish in
`one_window_share` (the kind of window each queue belongs to), its catalogue's
counts (一次性告知 coverage, the one-window matter share), its time zone, the
follow-up deadline and the catalogue version it runs."""
from __future__ import annotations

from hub.service.reports import one_window_matter_share, queue_kinds


def hall_facts(hall, catalog_version=None):
    from hub import __version__
    shares = one_window_matter_share(hall)
    return {
        "catalog_version": catalog_version,
        "timezone": hall.timezone,
        "queue_kinds": queue_kinds(hall),
        "matters": {"total": len(hall.matters), "complete": sum(1 for m in hall.matters if complete(m)),
                    "one_window": shares["one_window"], "business": shares["business"]},
        "followup_working_days": hall.ratings.contact_working_days,
        "hub_version": __version__,
    }


def complete(matter):
    """一次性告知: the matter's material list, and every situation's, is written down."""
    return bool(matter.materials) and all(s.materials for s in matter.situations)
