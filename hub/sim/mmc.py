"""`hallq simulate mmc`: one queue, Poisson arrivals, exponential service, c
windows; the validation of the simulator against Erlang C's exact mean wait.

The windows pick through `routing.next_ticket`, shown the head of the line
the way `eta.forecast` shows it the heads of its lines (the line is kept in
`routing.queue_order_key` order), so a million-ticket run stays fast.
"""
from __future__ import annotations

import random
from collections import deque

import simpy

from hub.rules import routing
from hub.sim.stats import wait_figures

QUEUE = "A"


def erlang_c(arrivals_per_hour, service_minutes, windows):
    """(probability of waiting, mean wait in minutes) of M/M/c, in closed form.

    Erlang B by its stable recursion B(k) = a B(k-1) / (k + a B(k-1)), then
    C = B / (1 - rho (1 - B)) and Wq = C / (c mu - lambda). None when rho >= 1.
    """
    if arrivals_per_hour <= 0:
        return 0.0, 0.0
    mu = 60.0 / service_minutes  # services per hour and window
    a = arrivals_per_hour / mu  # offered load in erlangs
    rho = a / windows
    if rho >= 1:
        return 1.0, None
    b = 1.0
    for k in range(1, windows + 1):
        b = a * b / (k + a * b)
    c = b / (1 - rho * (1 - b))
    return c, c / (windows * mu - arrivals_per_hour) * 60


class Line:
    """One queue and c windows on a SimPy clock; idle windows wait on their own event."""

    def __init__(self, env, rng, service_seconds, windows):
        self.env, self.rng = env, rng
        self.service_seconds = service_seconds
        self.profile = {QUEUE: 1.0}
        self.waiting = deque()  # Candidates in queue order (arrival order: all normal)
        self.idle = []  # events of idle windows
        self.waits = []
        for i in range(windows):
            env.process(self.window(f"w{i + 1}"))

    def arrivals(self, per_hour, until):
        env, rng, rate, n = self.env, self.rng, per_hour / 3600.0, 0
        while True:
            gap = rng.expovariate(rate)
            if env.now + gap > until:
                return
            yield env.timeout(gap)
            n += 1
            self.waiting.append(routing.Candidate(id=n, queue=QUEUE, since=env.now))
            if self.idle:
                self.idle.pop().succeed()

    def window(self, window_id):
        env, rng, mean = self.env, self.rng, self.service_seconds
        while True:
            if not self.waiting:
                woken = env.event()
                self.idle.append(woken)
                yield woken
                continue
            chosen = routing.next_ticket(self.profile, (self.waiting[0],), env.now, window_id)
            self.waiting.popleft()
            self.waits.append(env.now - chosen.since)
            yield env.timeout(rng.expovariate(1.0 / mean))


def mmc(arrivals_per_hour, service_minutes, windows, hours, seed=1):
    """One run from an empty hall: arrivals for `hours`, then the line is served out."""
    env = simpy.Environment()
    line = Line(env, random.Random(seed), service_minutes * 60.0, windows)
    env.process(line.arrivals(arrivals_per_hour, hours * 3600.0))
    env.run()
    figures = wait_figures([w / 60 for w in line.waits], digits=4)
    tickets = figures.pop("tickets")
    return {"windows": windows, "window_hours": round(windows * hours, 2), **figures,
            "tickets": tickets, "per_queue": {QUEUE: dict(figures, tickets=tickets)}}
