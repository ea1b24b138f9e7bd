"""Estimated waits: run the routing policy forward over the waiting tickets.

Each open window becomes free at some time; when it does, it takes what
`routing.next_ticket` would give it, for as long as that matter's service
takes. The start time found for a ticket is its estimate. Pure: servers,
candidates, service times and `now` in, start times out.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from hub.rules.routing import Candidate, next_ticket, queue_order_key

PHANTOM_ID = -1


@dataclass(frozen=True)
class Server:
    window_id: str
    profile: dict  # queue -> weight
    free_at: float  # when the window's current service ends (<= now: free)


def forecast(servers, candidates, service_seconds, now):
    """{ticket id: expected call time} for every candidate some window will serve.

    `service_seconds(candidate)` gives the expected service time of a ticket.
    """
    lines = defaultdict(list)  # queue or ("window", id) -> candidates in call order
    for c in candidates:
        lines[("window", c.target_window) if c.target_window else c.queue].append(c)
    for line in lines.values():
        line.sort(key=lambda c: queue_order_key(c, now))
    position = defaultdict(int)

    heap = [(max(s.free_at, now), i) for i, s in enumerate(servers)]
    heapq.heapify(heap)
    starts = {}
    while heap:
        t, i = heapq.heappop(heap)
        server = servers[i]
        keys = [q for q in server.profile] + [("window", server.window_id)]
        heads = {}
        for key in keys:
            line = lines.get(key)
            if line and position[key] < len(line):
                heads[line[position[key]].id] = key
        by_id = {lines[k][position[k]].id: lines[k][position[k]] for k in heads.values()}
        chosen = next_ticket(server.profile, by_id.values(), t, server.window_id)
        if chosen is None:
            continue  # nothing left that this window may serve
        position[heads[chosen.id]] += 1
        starts[chosen.id] = t
        heapq.heappush(heap, (t + service_seconds(chosen), i))
    return starts


def wait_minutes(starts, ticket_id, now):
    start = starts.get(ticket_id)
    return None if start is None else max(0.0, (start - now) / 60.0)


def new_ticket_eta(servers, candidates, service_seconds, now, queue):
    """Minutes a ticket taken now in `queue` would wait, or None if no open window serves it."""
    phantom = Candidate(id=PHANTOM_ID, queue=queue, since=now)
    starts = forecast(servers, list(candidates) + [phantom], service_seconds, now)
    return wait_minutes(starts, PHANTOM_ID, now)


def rolling_mean(samples, typical, weight_of_typical=3):
    """Mean service time, starting from the configured typical value until
    measurements exist, then following them (the typical value counts as a
    few samples so that one odd service does not swing the estimate)."""
    samples = list(samples)
    return (typical * weight_of_typical + sum(samples)) / (weight_of_typical + len(samples))
