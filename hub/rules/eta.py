"""Estimated waits: run the routing policy forward over the waiting tickets.

Each open window becomes free at some time; when it does, it takes what
`routing.next_ticket` would give it, for as long as that matter's service
takes. The start time found for a ticket is its estimate. Pure: servers,
candidates, service times and `now` in, start times out.
"""
from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass

from hub.rules.routing import Candidate, next_ticket, queue_order_key, score

PHANTOM_ID = -1
FUTURE_ID = -1_000_000  # tickets still to come (arrivals, booked appointments) have ids at or below this
BOOKED_ID = -500_000_000  # booked appointments not yet checked in: ids at or below this
STEPS_BETWEEN = 64  # calls decided between two `between()` (a fraction of a millisecond on this machine)


def booked(candidate):
    """A booked appointment still to come: it waits in its queue's line of due appointments."""
    return candidate.id <= BOOKED_ID


@dataclass(frozen=True)
class Server:
    window_id: str
    profile: dict  # queue -> weight
    free_at: float  # when the window's current service ends (<= now: free)
    held_matter: str | None = None  # the matter of the ticket it holds, if any
    held_since: float | None = None  # when that ticket was first called
    paused_since: float | None = None  # a paused window: since when (free_at: when it is expected back)


def forecast(servers, candidates, service_seconds, now, between=None):
    """{ticket id: expected call time} for every candidate some window will serve.

    `service_seconds(candidate)` gives the expected service time of a ticket. `between()`
    (optional) is called after every STEPS_BETWEEN calls decided (see forecast_runs).
    """
    lines = _lines(candidates, now)  # queue, ("due", queue) or ("window", id) -> candidates in call order
    position = defaultdict(int)

    heap = [(max(s.free_at, now), i) for i, s in enumerate(servers)]
    heapq.heapify(heap)
    starts = {}
    steps = 0
    while heap:
        steps += 1
        if between is not None and steps % STEPS_BETWEEN == 0:
            between()
        t, i = heapq.heappop(heap)
        server = servers[i]
        keys = [q for q in server.profile] + [("due", q) for q in server.profile] + [("window", server.window_id)]
        heads, soonest = {}, None
        for key in keys:
            line = lines.get(key)
            if line and position[key] < len(line):
                head = line[position[key]]
                if head.id <= FUTURE_ID and head.since > t:  # a booked appointment still to come
                    soonest = head.since if soonest is None else min(soonest, head.since)
                    continue
                heads[head.id] = key
        by_id = {lines[k][position[k]].id: lines[k][position[k]] for k in heads.values()}
        chosen = next_ticket(server.profile, by_id.values(), t, server.window_id)
        if chosen is None:
            if soonest is not None:
                heapq.heappush(heap, (soonest, i))
            continue  # nothing left that this window may serve
        position[heads[chosen.id]] += 1
        starts[chosen.id] = t
        heapq.heappush(heap, (t + service_seconds(chosen), i))
    return starts


def _lines(candidates, now):
    """The candidates by line (queue, or ("window", id) for transfers), each in call order."""
    lines = defaultdict(list)
    for c in candidates:
        lines[("window", c.target_window) if c.target_window else ("due", c.queue) if booked(c) else c.queue].append(c)
    for line in lines.values():
        line.sort(key=lambda c: queue_order_key(c, now))
    return lines


def forecast_runs(servers, candidates, draw, free_draw, now, runs, rng, arrivals=None, pauses=None, between=None):
    """The forecast run `runs` times with random service times: {ticket id: [start, ...]} (one
    start per run in which some window serves it). `draw(candidate, rng)` gives one service,
    `free_draw(server, rng)` when a server becomes free, `arrivals(rng)` (optional) the tickets
    still to come in that run (each `since` its arrival, in arrival order): they join the end of
    their lines and may be called once they are there, so that later tickets a window weighs more
    can overtake; green-channel ones join their queue's line of green tickets still to come, and
    go first once they are there. Each call is decided by routing.score among the heads of the
    lines the window may serve (routing.may_serve, worked out once): each run is what `forecast`
    does, with drawn instead of expected times. `pauses` (optional, rules.pauses.Pauses): each
    window pauses at that rate (a second open), between two tickets, for one of the measured
    lengths, as clerks' breaks do. `between()` (optional) is called after every STEPS_BETWEEN
    calls decided: the hub passes a yield to its event loop there (after every few milliseconds),
    so that a call or a ticket does not wait behind all the runs."""
    lines = _lines(candidates, now)
    queues = {q for s in servers for q in s.profile}
    for q in queues:
        lines.setdefault(q, [])
        lines[("green", q)] = []  # green-channel tickets still to come
    keys = list(lines)
    index = {k: j for j, k in enumerate(keys)}
    base = [lines[k] for k in keys]
    served_by = []
    for s in servers:
        mine = [index[k] for q, w in s.profile.items() if w > 0 for k in (q, ("due", q), ("green", q)) if k in index]
        if ("window", s.window_id) in index:
            mine.append(index[("window", s.window_id)])
        served_by.append(mine)
    starts = defaultdict(list)
    steps = 0
    pausing = pauses is not None and pauses.rate > 0 and bool(pauses.lengths)
    pause_lengths = pauses.lengths if pausing else ()
    for _ in range(runs):
        ordered = base
        if arrivals is not None:
            ordered = [list(line) for line in base]
            for c in arrivals(rng):
                j = index.get(("green", c.queue) if c.priority == "green" else c.queue)
                if j is not None:  # else no window may serve it
                    ordered[j].append(c)
        lengths = [len(line) for line in ordered]
        position = [0] * len(ordered)
        heap = [(free_draw(s, rng), i) for i, s in enumerate(servers)]
        if pausing:
            next_pause = [t + rng.expovariate(pauses.rate) for t, _ in heap]
        heapq.heapify(heap)
        while heap:
            steps += 1
            if between is not None and steps % STEPS_BETWEEN == 0:
                between()
            t, i = heapq.heappop(heap)
            if pausing and t > next_pause[i]:  # the clerk takes a break before the next call
                back = t + pause_lengths[int(rng.random() * len(pause_lengths))]
                next_pause[i] = back + rng.expovariate(pauses.rate)  # back, the clerk calls before any new break
                heapq.heappush(heap, (back, i))
                continue
            profile, best, best_line, soonest = servers[i].profile, None, None, None
            for j in served_by[i]:
                p = position[j]
                if p < lengths[j]:
                    head = ordered[j][p]
                    if head.id <= FUTURE_ID and head.since > t:  # still to come
                        soonest = head.since if soonest is None else min(soonest, head.since)
                        continue
                    key = score(profile, head, t)
                    if best is None or key < best:
                        best, best_line = key, j
            if best_line is None:
                if soonest is not None:
                    heapq.heappush(heap, (soonest, i))
                continue
            chosen = ordered[best_line][position[best_line]]
            position[best_line] += 1
            if chosen.id > FUTURE_ID:
                starts[chosen.id].append(t)
            heapq.heappush(heap, (t + draw(chosen, rng), i))
    return starts


def quantile(values, p):
    """Of sorted values, linear between closest ranks."""
    if not values:
        return None
    k = (len(values) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi or math.isinf(values[hi]):
        return values[hi] if k > lo else values[lo]
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def wait_range(starts, runs, now, low, high):
    """(point, low, high) minutes from one ticket's starts over `runs` runs: the median and the
    `low` and `high` quantiles; a run in which no window served it counts as never (None)."""
    if len(starts) * 2 <= runs:
        return None
    waits = sorted(max(0.0, (t - now) / 60.0) for t in starts) + [math.inf] * (runs - len(starts))
    point, lo, hi = (quantile(waits, p) for p in (0.5, low, high))
    return point, lo, (hi if math.isfinite(hi) else None)


def wait_minutes(starts, ticket_id, now):
    start = starts.get(ticket_id)
    return None if start is None else max(0.0, (start - now) / 60.0)


def new_ticket_eta(servers, candidates, service_seconds, now, queue):
    """Minutes a ticket taken now in `queue` would wait, or None if no open window serves it."""
    phantom = Candidate(id=PHANTOM_ID, queue=queue, since=now)
    starts = forecast(servers, list(candidates) + [phantom], service_seconds, now)
    return wait_minutes(starts, PHANTOM_ID, now)


def lognormal_draw(rng, mean, sigma):
    """One service time of the given mean, lognormal with log-sd `sigma` (the simulator's
    world, and the prior of the hub's draws before a matter has measured services)."""
    if sigma <= 0:
        return mean
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def rolling_mean(samples, typical, weight_of_typical=3):
    """Mean service time, starting from the configured typical value until
    measurements exist, then following them (the typical value counts as a
    few samples so that one odd service does not swing the estimate)."""
    samples = list(samples)
    return (typical * weight_of_typical + sum(samples)) / (weight_of_typical + len(samples))
