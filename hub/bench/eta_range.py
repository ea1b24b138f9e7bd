"""How long the ETA range takes: ServiceTimes.ranges (the routing run forward with drawn holds)
over N waiting tickets of the demo hall's matters, its staffed windows open, some of them busy,
one of them paused, the arrivals of a loaded hour still to come (3 % of them green-channel) and
the clerks' breaks (one of 10 minutes a window a day). Reported by `hallq bench` as `eta_range_ms`."""
from __future__ import annotations

import random
import time

from hub.rules import eta
from hub.rules.pauses import Pauses
from hub.rules.routing import Candidate
from hub.service.service_times import ServiceTimes, future_horizon
from hub.rules.stats import percentile

NOW = 1_800_000_000.0


def range_timing(hall, waiting=150, repeats=15, seed=1):
    """{"waiting", "runs", "p50", "max"}: milliseconds of one range estimate (process CPU, one core)."""
    rng = random.Random(seed)
    times = ServiceTimes(hall)
    matters = [m for m in hall.matters if m.share > 0]
    servers = []
    for w in hall.windows:
        if w.kind == "tidal":
            continue
        busy = rng.random() < 0.7
        servers.append(eta.Server(w.id, w.profile, NOW + (rng.uniform(30, 600) if busy else 0),
                                  rng.choice(matters).id if busy else None, NOW - rng.uniform(0, 600) if busy else None))
    chosen = rng.choices(matters, weights=[m.share for m in matters], k=waiting)
    candidates = [Candidate(i + 1, m.queue, since=NOW - rng.uniform(0, 3600)) for i, m in enumerate(chosen)]
    matter_of = {c.id: m.id for c, m in zip(candidates, chosen)}
    rates = {}
    for m in matters:  # a 260-ticket day's peak hour: 20 % of the day
        rates[m.queue] = rates.get(m.queue, 0.0) + 0.2 * 260 * m.share / 3600
    green = {q: 0.03 for q in rates}
    pauses = Pauses(1 / (7 * 3600), tuple(rng.uniform(300, 900) for _ in range(40)))
    paused = [eta.Server(servers[0].window_id, servers[0].profile, NOW, paused_since=NOW - 120)]
    horizon = max(eta.forecast(servers, candidates, lambda c: times.service_seconds(matter_of[c.id]), NOW).values()) - NOW
    samples = []
    for _ in range(repeats):
        began = time.process_time()
        times.ranges(servers[1:] + paused, candidates, matter_of, NOW, rates, horizon, rng, green, pauses)
        samples.append((time.process_time() - began) * 1000)
    expected = len(candidates) + sum(rates.values()) * future_horizon(rates, horizon)
    return {"waiting": waiting, "runs": times.runs_for(expected), "p50": round(percentile(samples, 50), 2),
            "max": round(max(samples), 2)}
