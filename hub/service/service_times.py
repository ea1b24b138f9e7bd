"""Service times and the ETA range, shared by the hub's Estimates and the simulator's:
each matter's expected service (its typical minutes, then the rolling mean of those measured),
the holds, breaks and green-channel shares the hall has measured, and the range
(eta.forecast_runs drawn from them)."""
from __future__ import annotations

import math
import random
from collections import defaultdict, deque

from hub.rules import eta, pauses as pause_rules
from hub.rules.routing import Candidate

SAMPLES = 20  # measured services kept per matter
HELD_SAMPLES = 200  # measured holds (first call to finish or no-show) kept per matter, for the range
PRIORITY_SAMPLES = 2000  # tickets whose priority is kept, for the share of green-channel tickets per queue
PAUSE_DAYS = 28  # the windows' pauses of this many days are the history the runs draw breaks from
PRIOR_SPREAD = 0.5  # log-sd of a matter's hold before it has measurements (as the simulator's world)
PRIOR_WEIGHT = 3  # the prior counts as this many measurements
RANGE = (0.1, 0.9)  # the quantiles shown as "约 LOW–HIGH 分钟" (calibrated on the simulated day)
RANGE_WORK = 9000  # runs × tickets called of one range estimate (about 18 ms on this 2-core machine)
RANGE_RUNS = (50, 300)  # fewest and most runs
RATE_SECONDS = 1800.0  # arrivals still to come are drawn at each queue's rate over this last half hour,
HORIZON_SECONDS = 1800.0  # for at most this long ahead,
FUTURE_LIMIT = 100  # and at most about this many a run (a burst's rate would otherwise swamp the runs)
MIN_REMAINING = 30.0  # seconds a held ticket is assumed to still take at least


class ServiceTimes:
    """Expected service times: each matter's typical minutes at first, then the
    rolling mean of the services measured (eta.rolling_mean of the last SAMPLES).
    Shared by the hub's Estimates and the simulator's."""

    def __init__(self, hall):
        self.hall = hall
        self._samples = defaultdict(lambda: deque(maxlen=SAMPLES))
        self._held = defaultdict(lambda: deque(maxlen=HELD_SAMPLES))
        self._priorities = deque(maxlen=PRIORITY_SAMPLES)  # (queue, green?) of the tickets that left
        self._window_changes = []  # (at, window id, state): the history pauses are measured from
        self.rng = random.Random()

    def record(self, t):
        """A ticket left its window (finished or no-show): its service, its hold and its priority."""
        if t.started_at is not None and t.finished_at is not None:
            self._samples[t.matter].append(max(0.0, t.finished_at - t.started_at))
        if t.first_called_at is not None and t.finished_at is not None:
            self._held[t.matter].append(max(0.0, t.finished_at - t.first_called_at))
        self._priorities.append((t.queue, t.priority == "green"))

    def record_window(self, at, window_id, state):
        """A window's state changed (open, paused, closed): the history its pauses are measured
        from. Changes older than PAUSE_DAYS fold into each window's state at the cut."""
        changes = self._window_changes
        last = next((c[2] for c in reversed(changes) if c[1] == window_id), None)
        if last == state:  # no change (or one already read from the audit rows)
            return
        changes.append((at, window_id, state))
        cut = at - PAUSE_DAYS * 86400
        if changes[0][0] < cut:
            kept, state_at_cut = [], {}
            for c in changes:
                if c[0] < cut:
                    state_at_cut[c[1]] = c[2]
                else:
                    kept.append(c)
            self._window_changes = [(cut, w, s) for w, s in state_at_cut.items()] + kept

    def green_shares(self):
        """{queue: share of green-channel tickets} among the last PRIORITY_SAMPLES that left a window."""
        counts = defaultdict(lambda: [0, 0])
        for queue, green in self._priorities:
            counts[queue][0] += green
            counts[queue][1] += 1
        return {q: g / n for q, (g, n) in counts.items() if g}

    def paused_since(self):
        """{window id: when it last paused}."""
        return {window_id: at for at, window_id, state in self._window_changes if state == "paused"}

    def pauses(self, now):
        """rules.pauses.Pauses over the last PAUSE_DAYS of window changes, in the hall's opening hours."""
        since = now - PAUSE_DAYS * 86400
        if self._window_changes:
            since = max(since, self._window_changes[0][0])
        spans = pause_rules.opening_spans(since, now, self.hall.timezone, self.hall.hours.periods)
        return pause_rules.measure(self._window_changes, spans)

    def draw_hold(self, matter_id, queue_id, rng):
        """How long a ticket of this matter holds its window, from the first call to finish or no-show
        (walk, recalls and no-shows included): one of the measured holds, or, with the weight of
        PRIOR_WEIGHT measurements, a lognormal draw around the typical minutes."""
        return self._hold_drawer()(matter_id, queue_id, rng)

    def _hold_drawer(self):
        """draw_hold with the holds and the prior's parameters looked up once (one range draws
        tens of thousands)."""
        mus, pools = {}, {}
        shift = PRIOR_SPREAD * PRIOR_SPREAD / 2

        def draw(matter_id, queue_id, rng):
            key = matter_id or queue_id
            if key not in mus:
                mean = self.service_seconds(matter_id) if matter_id else self.queue_service_seconds(queue_id)
                mus[key] = math.log(mean) - shift
                pools[key] = list(self._held.get(matter_id) or ()) if matter_id else []
            held = pools[key]
            if held and rng.random() * (len(held) + PRIOR_WEIGHT) < len(held):
                return held[int(rng.random() * len(held))]
            return rng.lognormvariate(mus[key], PRIOR_SPREAD)
        return draw

    def draw_free(self, server, now, rng, draw=None, pause_lengths=()):
        """When a window becomes free: now, or when the hold of its ticket ends, drawn among the
        holds longer than it has lasted (a long service is likely to go on longer); a paused
        window, when its pause ends, drawn the same way among `pause_lengths`."""
        if server.paused_since is not None:
            lasted = now - server.paused_since
            longer = [x for x in pause_lengths if x > lasted]
            if longer:
                return server.paused_since + longer[int(rng.random() * len(longer))]
            return now + MIN_REMAINING * 2 * rng.random()
        if server.held_since is None:
            return now
        lasted = now - server.held_since
        draw = draw or self.draw_hold
        for _ in range(8):
            hold = draw(server.held_matter, None, rng)
            if hold > lasted:
                return server.held_since + hold
        return now + MIN_REMAINING * 2 * rng.random()

    @staticmethod
    def runs_for(tickets):
        """Runs of one range: RANGE_WORK ÷ the tickets each run calls, within RANGE_RUNS."""
        return max(RANGE_RUNS[0], min(RANGE_RUNS[1], int(RANGE_WORK // max(1, tickets))))

    def future(self, rates, now, horizon, matter_of, green=None):
        """`arrivals` for eta.forecast_runs: Poisson arrivals per queue at `rates` (tickets a second)
        over `horizon` seconds, each with a matter of its queue drawn by share (written into
        `matter_of` for the draws), and green-channel with its queue's measured share `green`."""
        pools = {}
        for q, rate in rates.items():
            matters = [m for m in self.hall.matters if m.queue == q and m.share > 0]
            if rate > 0 and matters:
                pools[q] = (rate, [m.id for m in matters], [m.share for m in matters], (green or {}).get(q, 0.0))

        def arrivals(rng):
            out, n = [], 0
            for q, (rate, ids, shares, green_share) in pools.items():
                t = now + rng.expovariate(rate)
                while t < now + horizon:
                    n += 1
                    cid = eta.FUTURE_ID - n
                    matter_of[cid] = rng.choices(ids, shares)[0]
                    priority = "green" if green_share and rng.random() < green_share else "normal"
                    out.append(Candidate(id=cid, queue=q, since=t, priority=priority))
                    t += rng.expovariate(rate)
            out.sort(key=lambda c: c.since)
            return out
        return arrivals

    def ranges(self, servers, candidates, matter_of, now, rates=None, horizon=0.0, rng=None, green=None,
               pauses=None, between=None):
        """{ticket id: (point, low, high) minutes} by eta.forecast_runs: the median and the RANGE
        quantiles of the ticket's wait over runs with holds drawn by draw_hold and draw_free,
        tickets arriving at `rates` (per queue, a second) over `horizon` seconds, green-channel
        at the shares `green` (per queue), and windows pausing as `pauses` (rules.pauses.Pauses)
        says; a paused server (eta.Server.paused_since) comes back after one of its lengths.
        `between()`: called between steps (eta.forecast_runs)."""
        rng = rng or self.rng
        matter_of = dict(matter_of)
        horizon = future_horizon(rates, horizon)
        runs = self.runs_for(len(candidates) + sum((rates or {}).values()) * horizon)
        arrivals = self.future(rates, now, horizon, matter_of, green) if rates and horizon > 0 else None
        draw = self._hold_drawer()
        lengths = pauses.lengths if pauses is not None else ()
        if not lengths:  # nothing measured says when a paused window comes back
            servers = [s for s in servers if s.paused_since is None]
        starts = eta.forecast_runs(servers, candidates, lambda c, r: draw(matter_of.get(c.id), c.queue, r),
                                   lambda s, r: self.draw_free(s, now, r, draw, lengths), now, runs, rng, arrivals,
                                   pauses, between)
        out = {}
        for k, c in enumerate(candidates):
            if between is not None and k % eta.STEPS_BETWEEN == 0:
                between()
            found = eta.wait_range(starts.get(c.id, ()), runs, now, *RANGE)
            if found is not None:
                out[c.id] = found
        return out

    def service_seconds(self, matter_id):
        matter = self.hall.matter(matter_id)
        typical = (matter.typical_minutes if matter else 8.0) * 60
        return eta.rolling_mean(self._samples[matter_id], typical)

    def queue_service_seconds(self, queue_id):
        """Expected service of a new ticket in a queue: its matters weighted by share."""
        matters = [m for m in self.hall.matters if m.queue == queue_id]
        total = sum(m.share for m in matters)
        if not matters or total <= 0:
            return 8 * 60.0
        return sum(self.service_seconds(m.id) * m.share for m in matters) / total


def paused_servers(windows, paused_since, now):
    """An eta.Server for each paused window, for the runs: `windows` {id: (state, profile)},
    `paused_since` {id: when it paused}."""
    return [eta.Server(window_id, profile, now, paused_since=paused_since.get(window_id, now))
            for window_id, (state, profile) in windows.items() if state == "paused"]


def open_servers(windows, held, service_seconds, now):
    """An eta.Server for each open window. `windows`: {id: (state, profile)};
    `held`: {window id: the ticket it holds}; a held service is assumed to end
    after its expected time, and not sooner than MIN_REMAINING from now."""
    servers = []
    for window_id, (state, profile) in windows.items():
        if state != "open":
            continue
        free_at, t = now, held.get(window_id)
        if t is not None:
            begun = t.started_at or t.called_at or now
            free_at = max(now + MIN_REMAINING, begun + service_seconds(t.matter))
            servers.append(eta.Server(window_id, profile, free_at, t.matter, t.first_called_at or t.called_at or now))
        else:
            servers.append(eta.Server(window_id, profile, free_at))
    return servers


def future_horizon(rates, horizon):
    """How far ahead arrivals are drawn: `horizon`, at most HORIZON_SECONDS and FUTURE_LIMIT arrivals."""
    total = sum((rates or {}).values())
    return min(horizon, HORIZON_SECONDS, FUTURE_LIMIT / total if total > 0 else HORIZON_SECONDS)


def ticket_range(ranges, phantoms, t):
    """(minutes, [low, high]) of a ticket from a forecast's ranges (its queue's new ticket's, by the
    forecast's `phantoms` {id: queue}, when the ticket is newer than the ranges), or None."""
    found = ranges.get(t.id)
    if found is None:
        found = next((ranges.get(pid) for pid, q in phantoms.items() if q == t.queue), None)
    if found is None:
        return None
    point, low, high = found
    minutes = int(round(point))
    return minutes, [min(minutes, math.floor(low)), None if high is None else max(minutes, math.ceil(high))]
