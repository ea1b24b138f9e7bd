"""A hall day on SimPy's clock, driven by the hub's own rules.

The simulated hall keeps its state the way the hub does (hub.rules.tickets.Ticket
values moved by hub.rules.tickets' state machine, windows with a state and a work
profile) so that the hub's own rules run on it: `routing.next_ticket` picks
each call, `eta.forecast` gives each ticket the ETA its slip would show, and
`rhythm.SurgeWatch` (the hub's class itself) opens tidal windows. What is
simulated is only the world around them: citizens arriving, walking up, not
turning up, and clerks serving and taking breaks.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

import simpy

from hub.rules import eta

from hub.rules import routing

from hub.rules import tickets as rules
from hub.service.auth import Actor
from hub.service.service_times import RATE_SECONDS, ServiceTimes, open_servers, paused_servers, ticket_range
from hub.service.rhythm import SurgeWatch
from hub.service.windows import candidate

RECALL_SECONDS = 60.0  # a clerk waits this long before recalling a ticket nobody answers


@dataclass(frozen=True)
class Visit:
    """One citizen of the day: what they come for and how they behave.

    Drawn once per day and shared by every policy (common random numbers),
    so that policies differ only in how windows pick tickets."""
    at: float  # arrival (issue) time
    matter: str
    queue: str  # the hall's queue, for reports
    priority: str  # normal | green | help
    service: float  # seconds at the window
    walk: float  # seconds from the call to the window
    late: bool  # answers only the first recall
    absent: bool  # never comes: recalled to the limit, then no-show


@dataclass(frozen=True)
class Seat:
    """A window as a policy staffs it."""
    id: str
    kind: str
    profile: dict
    breaks: tuple = ()  # (start, seconds) of the clerk's breaks


@dataclass
class Outcome:
    visit: Visit
    printed_eta: int | None = None  # minutes, as the slip shows it
    printed_range: list | None = None  # [low, high] minutes, as the slip shows it
    called_at: float | None = None
    window: str | None = None
    no_show: bool = False

    @property
    def wait(self):
        return None if self.called_at is None else self.called_at - self.visit.at


@dataclass
class TidalLog:
    opened: list = field(default_factory=list)  # (window id, opened at, closed at or None, queues)

    def seconds(self, end):
        return sum((closed if closed is not None else end) - opened for _, opened, closed, _ in self.opened)


class SimEstimates(ServiceTimes):
    """What hub.service.estimates.Estimates gives the hub (a ticket's ETA, each queue's
    wait for a new ticket, the load a tidal window looks at), computed the same
    way from the simulated state: one eta.forecast over the waiting tickets
    plus one phantom ticket per queue, fresh after every change, with service
    times that start at each matter's typical minutes and follow the
    services measured so far (eta.rolling_mean of the last SAMPLES)."""

    def __init__(self, sim):
        super().__init__(sim.hall)
        self.sim = sim
        self.cache = None
        self.rng = random.Random(0)  # the runs behind the ranges: the same day gives the same ranges

    def invalidate(self):
        self.cache = None

    def _servers(self, now):
        """(the open windows as eta.Servers, the paused ones)."""
        held = {t.window: t for t in self.sim.held()}
        windows = {wid: (row["state"], row["profile"]) for wid, row in self.sim.rows.items()}
        return open_servers(windows, held, self.service_seconds, now), paused_servers(windows, self.paused_since(), now)

    def current(self):
        if self.cache is None:
            now = self.sim.now()
            waiting = self.sim.waiting()
            matter_of = {t.id: t.matter for t in waiting}
            phantoms = {-(i + 1): q.id for i, q in enumerate(self.hall.queues)}
            candidates = [candidate(t) for t in waiting]
            candidates += [routing.Candidate(id=pid, queue=q, since=now + 1e-6) for pid, q in phantoms.items()]

            def service(c):
                m = matter_of.get(c.id)
                return self.service_seconds(m) if m else self.queue_service_seconds(c.queue)

            servers, paused = self._servers(now)
            starts = eta.forecast(servers, candidates, service, now)
            minutes = lambda i: _minutes(eta.wait_minutes(starts, i, now))  # noqa: E731
            counts = defaultdict(int)
            for t in waiting:
                counts[t.queue] += 1
            horizon = max(starts.values(), default=now) - now
            self.cache = {"waits": {t.id: minutes(t.id) for t in waiting}, "counts": counts,
                          "new_ticket": {q: minutes(pid) for pid, q in phantoms.items()}, "phantoms": phantoms,
                          "range_of": lambda: self.ranges(servers + paused, candidates, matter_of, now,
                                                          self._rates(now), horizon, green=self.green_shares(),
                                                          pauses=self.pauses(now))}
        return self.cache

    def _rates(self, now):
        """Tickets a second per queue over the last RATE_SECONDS, as the hub counts them."""
        counts = defaultdict(int)
        for o in self.sim.outcomes.values():
            if o.visit.at >= now - RATE_SECONDS:
                counts[self.sim.line_of(o.visit)] += 1
        return {q: n / RATE_SECONDS for q, n in counts.items()}

    def for_ticket(self, t):
        """(0, minutes, [low, high]) as the hub's Estimates.for_ticket gives them (people ahead: not simulated)."""
        forecast = self.current()
        if "ranges" not in forecast:
            forecast["ranges"] = forecast.pop("range_of")()
        found = ticket_range(forecast["ranges"], forecast["phantoms"], t)
        if found is not None:
            return 0, found[0], found[1]
        return 0, forecast["waits"].get(t.id), None

    def queue_views(self):
        c = self.current()
        return [{"id": q.id, "waiting": c["counts"][q.id], "eta_minutes": c["new_ticket"][q.id]}
                for q in self.hall.queues]

    def load_minutes(self):
        counts = self.current()["counts"]
        return {q.id: counts[q.id] * self.queue_service_seconds(q.id) / 60 for q in self.hall.queues}


def _minutes(value):
    return None if value is None else int(round(value))


class SimHall:
    """The hall's state on a SimPy clock, in the shapes the hub's rules read."""

    SYSTEM = Actor(name="system", role="admin")

    def __init__(self, env, hall, seats, line_of, tidal=None, estimate=True, tidal_min_open=1800.0):
        self.env = env
        self.hall = hall
        self.clock = self
        self.line_of = line_of  # Visit -> the queue the policy files it under
        self.seats = {s.id: s for s in seats}
        self.rows = {s.id: {"state": "open", "profile": dict(s.profile), "ticket_id": None} for s in seats}
        self.tidal_ids = []
        for w in (tidal or ()):
            self.tidal_ids.append(w.id)
            self.rows[w.id] = {"state": "closed", "profile": {}, "ticket_id": None}
        self.tidal_min_open = tidal_min_open
        self.tidal_log = TidalLog()
        self.busy = []  # (window id, from, to): a window holding a ticket, call to finish or no-show
        self.tickets = {}  # id -> Ticket, waiting or held
        self.outcomes = {}
        self.wake = env.event()
        self.estimates = SimEstimates(self) if estimate else None
        for wid, row in self.rows.items():
            self.record_window(wid, row["state"])
        self.tidal_queues = frozenset(routing.tidal_queues(hall))
        # the hub's surge watch, given the simulated hall as its windows and its notices
        self.surge = SurgeWatch(hall, self.estimates, self, self) if tidal else None
        self.alerts = []

    # what the hub's estimates and surge watch read ------------------------------
    def now(self):
        return self.env.now

    def waiting(self):
        return [t for t in self.tickets.values() if t.status == "waiting"]

    def held(self):
        return [t for t in self.tickets.values() if t.status in rules.HELD]

    def list(self):
        """The windows as hub.service.windows.Windows.list() gives them, as far as the surge watch reads."""
        return [{"id": wid, "kind": self.hall.window(wid).kind, "state": r["state"],
                 "number": self.hall.window(wid).number} for wid, r in self.rows.items()]

    def alert(self, kind, message, **details):
        self.alerts.append((self.env.now, kind, details))

    def open(self, window_id, actor, queues):
        row = self.rows[window_id]
        row["profile"] = {q: 1.0 for q in queues}
        self.record_window(window_id, "open")
        self.tidal_log.opened.append([window_id, self.env.now, None, tuple(queues)])
        self.changed()
        self.env.process(self.clerk(window_id, tidal=True))
        return {"id": window_id, "number": self.hall.window(window_id).number}

    # the one path for change -------------------------------------------------------
    def record_window(self, window_id, state):
        """A window's state, as the hub's audit rows keep it (the pauses the estimates measure)."""
        self.rows[window_id]["state"] = state
        if self.estimates is not None:
            self.estimates.record_window(self.env.now, window_id, state)

    def changed(self, event_type=None):
        if self.estimates is not None:
            self.estimates.invalidate()
        if self.surge is not None and event_type is not None:
            self.surge([{"type": event_type}])

    def notify(self):
        wake, self.wake = self.wake, self.env.event()
        wake.succeed()

    # citizens -----------------------------------------------------------------------
    def arrivals(self, visits):
        for number, visit in enumerate(visits, start=1):
            yield self.env.timeout(max(0.0, visit.at - self.env.now))
            self.issue(number, visit)

    def issue(self, ticket_id, visit):
        queue = self.line_of(visit)
        t = rules.Ticket(id=ticket_id, number=f"{queue}{ticket_id:03d}", queue=queue, matter=visit.matter,
                         priority=visit.priority, issued_at=self.env.now, first_issued_at=self.env.now)
        self.tickets[t.id] = t
        outcome = self.outcomes[t.id] = Outcome(visit)
        self.changed("ticket.issued")
        if self.estimates is not None:
            _, outcome.printed_eta, outcome.printed_range = self.estimates.for_ticket(t)
        self.notify()

    # clerks ---------------------------------------------------------------------------
    def clerk(self, window_id, tidal=False):
        breaks = list(self.seats[window_id].breaks) if window_id in self.seats else []
        opened_at = self.env.now
        while True:
            if breaks and self.env.now >= breaks[0][0]:
                yield from self.take_break(window_id, breaks.pop(0)[1])
                continue
            row = self.rows[window_id]
            chosen = routing.next_ticket(row["profile"], [candidate(t) for t in self.waiting()],
                                         self.env.now, window_id)
            if chosen is None:
                if tidal and self.env.now - opened_at >= self.tidal_min_open:
                    self.close_tidal(window_id)
                    return
                timers = [self.wake]
                if breaks:
                    timers.append(self.env.timeout(breaks[0][0] - self.env.now))
                if tidal:
                    timers.append(self.env.timeout(max(1.0, opened_at + self.tidal_min_open - self.env.now)))
                yield self.env.any_of(timers)
                continue
            yield from self.serve(window_id, chosen.id)

    def take_break(self, window_id, seconds):
        self.record_window(window_id, "paused")
        self.changed("window.changed")
        yield self.env.timeout(seconds)
        self.record_window(window_id, "open")
        self.changed("window.changed")

    def close_tidal(self, window_id):
        self.rows[window_id]["profile"] = {}
        self.record_window(window_id, "closed")
        for entry in self.tidal_log.opened:
            if entry[0] == window_id and entry[2] is None:
                entry[2] = self.env.now
        self.changed("window.changed")

    def serve(self, window_id, ticket_id):
        env, limit = self.env, self.hall.rules.recall_limit
        t = rules.call(self.tickets[ticket_id], env.now, window=window_id)
        self.tickets[t.id] = t
        outcome = self.outcomes[t.id]
        outcome.called_at, outcome.window = env.now, window_id
        visit = outcome.visit
        self.changed("ticket.called")
        if visit.absent:
            while t.status == "called":
                yield env.timeout(RECALL_SECONDS)
                t = self.tickets[t.id] = rules.recall(t, env.now, limit)
                self.changed()
            outcome.no_show = True
            del self.tickets[t.id]
            if self.estimates is not None:
                self.estimates.record(t)
            self.busy.append((window_id, outcome.called_at, env.now))
            return
        if visit.late and limit > 0:
            yield env.timeout(RECALL_SECONDS)
            t = self.tickets[t.id] = rules.recall(t, env.now, limit)
            self.changed()
        yield env.timeout(visit.walk)
        t = self.tickets[t.id] = rules.start(t, env.now)
        self.changed()
        yield env.timeout(visit.service)
        t = rules.finish(t, env.now)
        del self.tickets[t.id]
        self.busy.append((window_id, outcome.called_at, env.now))
        if self.estimates is not None:
            self.estimates.record(t)
        self.changed()


def run_day(hall, seats, visits, line_of, start, tidal=None, estimate=True):
    """Play one day; returns (outcomes by ticket id, the SimHall)."""
    env = simpy.Environment(initial_time=start)
    sim = SimHall(env, hall, seats, line_of, tidal=tidal, estimate=estimate)
    env.process(sim.arrivals(sorted(visits, key=lambda v: v.at)))
    for seat in seats:
        env.process(sim.clerk(seat.id))
    env.run()
    return sim.outcomes, sim
