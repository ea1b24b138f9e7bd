"""`hallq simulate town-day`: the demo hall's day under four policies.

Every policy has the same staffed windows (the hall's windows other than
tidal ones) and sees the same citizens (arrival times, matters, service
times, no-shows: drawn once per run from one seed); only the work profiles
of the windows differ. See docs/performance.md for the method.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hub.rules import eta
from hub.sim.hall import Seat, Visit, run_day
from hub.sim.stats import average, eta_errors, policy_summary, utilization, wait_series

POLICIES = ("dedicated", "hallq", "hallq_tidal", "pooled")
SIM_DATE = (2026, 11, 26)  # a Thursday; only the time of day matters


@dataclass(frozen=True)
class World:
    """How citizens and clerks behave; the defaults are the documented ones."""
    spread: float = 0.5  # sigma of the lognormal service time around each matter's typical minutes
    green: float = 0.03  # share of green-channel tickets (绿色通道)
    help: float = 0.02  # share of assisted-service tickets (帮办代办), issued into the help queue
    late: float = 0.05  # answers only after one recall
    absent: float = 0.03  # never comes: recalled to the limit, then no-show
    walk: tuple = (10.0, 40.0)  # seconds from the call to the window (uniform)
    breaks: int = 1  # breaks per clerk and day
    break_minutes: float = 10.0


def profile_path():
    """config/hall-day.csv: the share of a day's tickets in each period."""
    import config

    return Path(config.__file__).parent / "hall-day.csv"


def load_profile(path=None):
    """[(start "HH:MM", end "HH:MM", share)]; ValueError names the bad line."""
    path = Path(path) if path else profile_path()
    periods = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                start, end = row["hour_start"].strip(), row["hour_end"].strip()
                share = float(row["share_of_daily_arrivals"])
                if _minutes(end) <= _minutes(start) or share < 0:
                    raise ValueError
            except (KeyError, ValueError, AttributeError):
                raise ValueError(f"{path} 第 {n} 行: 须为 hour_start,hour_end,share_of_daily_arrivals") from None
            periods.append((start, end, share))
    if not periods or sum(p[2] for p in periods) <= 0:
        raise ValueError(f"{path}: 没有到达时段")
    return periods


def _minutes(hhmm):
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def day_start(hall):
    y, mo, d = SIM_DATE
    return datetime(y, mo, d, tzinfo=ZoneInfo(hall.timezone)).timestamp()


def draw_visits(hall, periods, tickets, rng, world):
    """The day's citizens: arrival by period share, matter by share, behaviour by the World."""
    midnight = day_start(hall)
    matters = [m for m in hall.matters if m.share > 0]
    shares = [m.share for m in matters]
    chosen_periods = rng.choices(periods, weights=[p[2] for p in periods], k=tickets)
    help_queue = next((q for w in hall.windows if w.kind == "help" for q in w.profile), None)
    visits = []
    for start, end, _ in chosen_periods:
        at = midnight + 60 * rng.uniform(_minutes(start), _minutes(end))
        matter = rng.choices(matters, weights=shares)[0]
        u = rng.random()
        priority = "green" if u < world.green else "help" if help_queue and u < world.green + world.help else "normal"
        service = eta.lognormal_draw(rng, matter.typical_minutes * 60, world.spread)
        u = rng.random()
        visits.append(Visit(at=at, matter=matter.id, queue=help_queue if priority == "help" else matter.queue,
                            priority=priority, service=service, walk=rng.uniform(*world.walk),
                            late=world.absent <= u < world.absent + world.late, absent=u < world.absent))
    visits.sort(key=lambda v: v.at)
    return visits


def draw_breaks(hall, periods, windows, rng, world):
    """Each staffed window's breaks: spread over the day, never in the first half hour."""
    midnight = day_start(hall)
    first = min(_minutes(p[0]) for p in periods) + 30
    last = max(_minutes(p[1]) for p in periods) - 30
    out = []
    for _ in range(windows):
        starts = sorted(rng.uniform(first, last) for _ in range(world.breaks))
        out.append(tuple((midnight + 60 * s, world.break_minutes * 60) for s in starts))
    return out


# policies -----------------------------------------------------------------------
def staffed(hall):
    return [w for w in hall.windows if w.kind != "tidal"]


def dedicated_lines(hall, world):
    """Each department is one line; consult, output, complaint and help keep theirs.
    {line: load in minutes of work per ticket of the day}."""
    load = {}
    for m in hall.matters:
        line = m.department if m.scope in ("one_window", "professional") else m.scope
        load[line] = load.get(line, 0.0) + m.share * m.typical_minutes * (1 - world.help - world.green)
    mean_minutes = sum(m.share * m.typical_minutes for m in hall.matters)
    if any(w.kind == "help" for w in hall.windows):
        load["help"] = load.get("help", 0.0) + world.help * mean_minutes
    return load


def dedicated_groups(load, windows):
    """The old hall: windows divided among departments by load, at least one
    each where there are enough, the smallest departments sharing one.
    [(lines, window count)], found by merging the two lightest groups while
    that lowers the busiest window's load (or while groups outnumber windows)."""
    groups = [((line,), w) for line, w in sorted(load.items(), key=lambda item: -item[1])]

    def allocate(groups):
        counts = [1] * len(groups)
        for _ in range(windows - len(groups)):
            i = max(range(len(groups)), key=lambda i: groups[i][1] / counts[i])
            counts[i] += 1
        return counts, max(g[1] / c for g, c in zip(groups, counts))

    def merged(groups):
        groups = sorted(groups, key=lambda g: g[1])
        (a, la), (b, lb) = groups[0], groups[1]
        return sorted(groups[2:] + [(a + b, la + lb)], key=lambda g: -g[1])

    while len(groups) > windows:
        groups = merged(groups)
    counts, worst = allocate(groups)
    while len(groups) > 1:
        trial = merged(groups)
        trial_counts, trial_worst = allocate(trial)
        if trial_worst >= worst:
            break
        groups, counts, worst = trial, trial_counts, trial_worst
    return [(g[0], c) for g, c in zip(groups, counts)]


def with_backups(profile, queues, weight):
    """What-if: a window also serves every other queue, at a low weight (help when its own are quiet)."""
    if not weight:
        return dict(profile)
    return {**{q: weight for q in queues}, **profile}


def policy(hall, name, world, breaks, backup_weight=None):
    """(seats, line_of, tidal windows, estimate?) of one policy."""
    windows = staffed(hall)
    seat = lambda i, w, profile: Seat(w.id, w.kind, profile, breaks[i])  # noqa: E731
    by_queue = lambda v: v.queue  # noqa: E731
    if name in ("hallq", "hallq_tidal"):
        queues = [q.id for q in hall.queues]
        seats = [seat(i, w, with_backups(w.profile, queues, backup_weight)) for i, w in enumerate(windows)]
        tidal = [w for w in hall.windows if w.kind == "tidal"] if name == "hallq_tidal" else None
        return seats, by_queue, tidal, name == "hallq_tidal" or name == eta_policy(hall)
    if name == "pooled":
        everything = {q.id: 1.0 for q in hall.queues}
        return [seat(i, w, everything) for i, w in enumerate(windows)], by_queue, None, False
    if name == "dedicated":
        groups = dedicated_groups(dedicated_lines(hall, world), len(windows))
        profiles = [{line: 1.0 for line in lines} for lines, count in groups for _ in range(count)]
        seats = [seat(i, w, profiles[i]) for i, w in enumerate(windows)]
        matters = {m.id: m for m in hall.matters}

        def line_of(v):
            if v.priority == "help":
                return "help"
            m = matters[v.matter]
            return m.department if m.scope in ("one_window", "professional") else m.scope
        return seats, line_of, None, False
    raise ValueError(name)


# one run and several ------------------------------------------------------------
def opening(hall, periods):
    """(first opening, last closing) of the day, as clock times."""
    midnight = day_start(hall)
    return (midnight + 60 * min(_minutes(p[0]) for p in periods),
            midnight + 60 * max(_minutes(p[1]) for p in periods))


def town_day(hall, tickets=300, seed=1, world=None, periods=None, policies=POLICIES, backup_weight=None):
    """One day under each policy: {"policies": {name: summary}, "outcomes": {name: [Outcome]}}."""
    world = world or World()
    periods = periods or load_profile()
    rng = random.Random(seed)
    visits = draw_visits(hall, periods, tickets, rng, world)
    breaks = draw_breaks(hall, periods, len(staffed(hall)), rng, world)
    start = opening(hall, periods)[0]
    hours = sum(_minutes(p[1]) - _minutes(p[0]) for p in periods) / 60
    midnight = day_start(hall)
    spans = [(midnight + 60 * _minutes(a), midnight + 60 * _minutes(b)) for a, b, _ in periods]
    kind_of = {w.id: w.kind for w in hall.windows}
    counts = {}
    for w in staffed(hall):
        counts[w.kind] = counts.get(w.kind, 0) + 1
    result = {"policies": {}, "outcomes": {}}
    for name in policies:
        seats, line_of, tidal, estimate = policy(hall, name, world, breaks, backup_weight)
        outcomes, sim = run_day(hall, seats, visits, line_of, start, tidal=tidal, estimate=estimate)
        added = sim.tidal_log.seconds(sim.env.now) / 3600
        summary = policy_summary(outcomes.values(), len(seats), len(seats) * hours + added, added if tidal else None)
        used = utilization(sim.busy, kind_of, counts, spans, len(seats) * hours + added)
        summary["utilization"] = used["all"]
        summary["utilization_by_kind"] = {
            kind: dict(u, peak_from=_clock(hall, u["peak_from"])) for kind, u in used["by_kind"].items()}
        result["policies"][name] = summary
        result["outcomes"][name] = list(outcomes.values())
    return result


def _clock(hall, at):
    return None if at is None else datetime.fromtimestamp(at, ZoneInfo(hall.timezone)).strftime("%H:%M")


def eta_policy(hall):
    """The policy the hall runs, whose printed ETAs are judged: with tidal windows if it opens them itself."""
    return "hallq_tidal" if hall.rules.auto_open_tidal else "hallq"


def town_day_report(hall, tickets=300, seed=1, runs=1, world=None, periods=None, backup_weight=None):
    """The JSON document of `hallq simulate town-day`, and the wait-over-the-day series for the chart."""
    periods = periods or load_profile()
    start, end = opening(hall, periods)
    docs, series = [], {name: [] for name in POLICIES}
    for run in range(runs):
        day = town_day(hall, tickets, seed + run, world, periods, backup_weight=backup_weight)
        docs.append({"policies": day["policies"], "eta": eta_errors(day["outcomes"][eta_policy(hall)])})
        for name, outcomes in day["outcomes"].items():
            series[name].append(wait_series(outcomes, start, end))
    doc = {"scenario": "town-day", "hall": hall.name, "tickets": tickets, "seed": seed, "runs": runs}
    if backup_weight:
        doc["backup_weight"] = backup_weight
    doc.update(average(docs))
    doc["eta"] = dict(doc["eta"], policy=eta_policy(hall))
    return doc, {name: _mean_series(runs_) for name, runs_ in series.items()}


def _mean_series(runs):
    out = []
    for points in zip(*runs):
        values = [v for _, v in points if v is not None]
        out.append((points[0][0], sum(values) / len(values) if values else None))
    return out
