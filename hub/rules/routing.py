"""Which ticket a window calls next, and which queues a tidal window takes.

Pure functions of plain values and a clock (`now`, seconds). The live hub,
the ETA and the simulator all call these; none of them copies the policy.

Order at call-next, among the tickets the window may serve:
  0. tickets transferred to this very window
  1. green-channel tickets (绿色通道), oldest first
  2. appointments whose time has come, oldest first
  3. the ticket with the largest weighted wait: weight of its queue in the
     window's work profile x seconds since its first issue. Waits grow, so
     every ticket's score eventually passes any newer one's: nothing starves.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    id: int
    queue: str
    since: float  # first issue time
    priority: str = "normal"
    due_at: float | None = None  # appointment time
    target_window: str | None = None


def rank(candidate, now):
    """The class of a candidate: lower goes first."""
    if candidate.target_window is not None:
        return 0
    if candidate.priority == "green":
        return 1
    if candidate.priority == "appointment" and candidate.due_at is not None and candidate.due_at <= now:
        return 2
    return 3


def may_serve(profile, window_id, candidate):
    """A window serves only its profile's queues, and only its own transfers."""
    if candidate.target_window is not None:
        return candidate.target_window == window_id
    return profile.get(candidate.queue, 0) > 0


def score(profile, candidate, now):
    """Sort key: smaller is called first."""
    r = rank(candidate, now)
    if r < 3:
        return (r, candidate.since, candidate.id)
    weighted_wait = profile[candidate.queue] * max(0.0, now - candidate.since)
    return (3, -weighted_wait, candidate.since, candidate.id)


def next_ticket(profile, candidates, now, window_id=None):
    """The candidate this window calls next, or None."""
    best, best_key = None, None
    for c in candidates:
        if not may_serve(profile, window_id, c):
            continue
        key = score(profile, c, now)
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best


def queue_order_key(candidate, now):
    """Order inside one queue: the head of a queue is its first in this order."""
    r = rank(candidate, now)
    return (min(r, 3), candidate.since, candidate.id)


def main_queues(profile):
    """The queues a window is there for: weight at least half its largest. The
    rest it serves only as a backup (前台无差别受理), and guides do not send
    citizens to it for them."""
    if not profile:
        return set()
    top = max(profile.values())
    return {q for q, weight in profile.items() if weight >= top / 2}


def tidal_queues(hall):
    """Queues a tidal window may take: the business queues, those that some
    comprehensive or professional window is there for."""
    return {q for w in hall.windows if w.kind in ("comprehensive", "professional") for q in main_queues(w.profile)}


def pick_tidal_queues(load_minutes, count, allowed=None):
    """The queues under most load (minutes of work waiting), heaviest first."""
    loaded = [(minutes, q) for q, minutes in load_minutes.items()
              if minutes > 0 and (allowed is None or q in allowed)]
    loaded.sort(key=lambda item: (-item[0], item[1]))
    return [q for _, q in loaded[:count]]


def surge_queues(eta_minutes, thresholds):
    """Queues whose estimated wait for a new ticket passes their threshold."""
    return sorted(q for q, eta in eta_minutes.items()
                  if eta is not None and q in thresholds and eta > thresholds[q])
