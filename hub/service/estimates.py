"""Live estimates for the hub: waiting counts, each ticket's people ahead and
estimated wait, each queue's wait for a new ticket.

Counts and people ahead are read fresh on every change. The waits come from
one eta.forecast over all waiting tickets plus one "phantom" ticket per queue
(the ticket someone would get now), cached until the next change. A real hall
has tens of waiting tickets and gets a fresh forecast on every change; with
hundreds waiting (a burst, a benchmark) the forecast is redone at most every
FORECAST_INTERVAL seconds and a ticket newer than the forecast gets its queue's
phantom wait, which is what it would have been told at the counter.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict, deque

from hub.rules import eta
from hub.rules.routing import Candidate, queue_order_key
from hub.service.windows import WAITING_SQL, candidate_of

SAMPLES = 20  # measured services kept per matter
MIN_REMAINING = 30.0  # seconds a held ticket is assumed to still take at least
FRESH_LIMIT = 150  # up to this many waiting tickets, every change gets a fresh forecast
FORECAST_INTERVAL = 0.5  # otherwise at most one forecast per this many seconds
# routing.rank() in SQL, with the time as its one parameter
RANK_SQL = ("(CASE WHEN target_window IS NOT NULL THEN 0 WHEN priority = 'green' THEN 1 "
            "WHEN priority = 'appointment' AND due_at IS NOT NULL AND due_at <= ? THEN 2 ELSE 3 END)")


class ServiceTimes:
    """Expected service times: each matter's typical minutes at first, then the
    rolling mean of the services measured (eta.rolling_mean of the last SAMPLES).
    Shared by the hub's Estimates and the simulator's."""

    def __init__(self, hall):
        self.hall = hall
        self._samples = defaultdict(lambda: deque(maxlen=SAMPLES))

    def record(self, t):
        if t.started_at is not None and t.finished_at is not None:
            self._samples[t.matter].append(max(0.0, t.finished_at - t.started_at))

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
        servers.append(eta.Server(window_id, profile, free_at))
    return servers


class Estimates(ServiceTimes):
    def __init__(self, service):
        super().__init__(service.hall)
        self.service = service
        self._cache = None
        self._dirty = True
        self._computed_at = 0.0
        self._load_samples()

    def _load_samples(self):
        rows = self.service.store.query(
            "SELECT matter, finished_at - started_at AS seconds FROM tickets WHERE status='done' "
            "AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT 2000")
        for r in reversed(rows):
            if r["seconds"] is not None and r["seconds"] >= 0:
                self._samples[r["matter"]].append(r["seconds"])

    def invalidate(self):
        self._dirty = True

    # the forecast ------------------------------------------------------------------------
    def _waiting_rows(self):
        return self.service.store.query(WAITING_SQL)

    def _servers(self, now, per_matter):
        held = {t.window: t for t in self.service.held()}
        windows = {wid: (row["state"], json.loads(row["profile"]))
                   for wid, row in self.service.window_rows().items() if self.hall.window(wid) is not None}
        return open_servers(windows, held, lambda m: per_matter.get(m) or self.service_seconds(m), now)

    def _compute(self, rows):
        now = self.service.clock.now()
        per_matter = {m.id: self.service_seconds(m.id) for m in self.hall.matters}
        per_queue = {q.id: self.queue_service_seconds(q.id) for q in self.hall.queues}
        phantoms = {-(i + 1): q.id for i, q in enumerate(self.hall.queues)}
        matter_of = {r["id"]: r["matter"] for r in rows}
        candidates = [candidate_of(r) for r in rows]
        candidates += [Candidate(id=pid, queue=q, since=now + 1e-6) for pid, q in phantoms.items()]

        def service(c):
            m = matter_of.get(c.id)
            return per_matter.get(m, per_queue[c.queue]) if m else per_queue[c.queue]

        starts = eta.forecast(self._servers(now, per_matter), candidates, service, now)
        waits = {c.id: _minutes(eta.wait_minutes(starts, c.id, now)) for c in candidates if c.id > 0}
        new_ticket = {q: _minutes(eta.wait_minutes(starts, pid, now)) for pid, q in phantoms.items()}
        return {"waits": waits, "new_ticket": new_ticket, "per_queue": per_queue}

    def _current(self):
        """The forecast, redone after a change: at once in a hall of ordinary size,
        at most every FORECAST_INTERVAL seconds when very many are waiting."""
        if self._cache is not None and not self._dirty:
            return self._cache
        if self._cache is not None and time.monotonic() - self._computed_at < FORECAST_INTERVAL:
            waiting = self.service.store.query_one("SELECT COUNT(*) FROM tickets WHERE status='waiting'")[0]
            if waiting > FRESH_LIMIT:
                return self._cache
        self._cache = self._compute(self._waiting_rows())
        self._computed_at = time.monotonic()
        self._dirty = False
        return self._cache

    # views ------------------------------------------------------------------------------
    def _counts(self):
        return dict(self.service.store.query(
            "SELECT queue, COUNT(*) FROM tickets WHERE status='waiting' GROUP BY queue"))

    def queue_views(self):
        counts = defaultdict(int, self._counts())
        forecast = self._current()
        return [{"id": q.id, "prefix": q.id, "name": q.name, "name_en": q.name_en, "waiting": counts[q.id],
                 "eta_minutes": forecast["new_ticket"].get(q.id), "surge_minutes": q.surge_minutes}
                for q in self.hall.queues]

    def load_minutes(self):
        per_queue = self._current()["per_queue"]
        counts = defaultdict(int, self._counts())
        return {q: counts[q] * seconds / 60 for q, seconds in per_queue.items()}

    def for_ticket(self, t):
        """(people ahead in its queue, estimated minutes) for a waiting ticket, else (0, 0)."""
        if t.status != "waiting":
            return 0, 0
        now = self.service.clock.now()
        mine = Candidate(id=t.id, queue=t.queue, since=t.first_issued_at, priority=t.priority, due_at=t.due_at,
                         target_window=t.target_window)
        rank, since, _ = queue_order_key(mine, now)
        # the same order as routing.queue_order_key, counted by SQLite rather than in Python
        ahead = self.service.store.query_one(
            f"SELECT COUNT(*) FROM tickets WHERE status='waiting' AND queue=? AND id != ? AND "
            f"({RANK_SQL} < ? OR ({RANK_SQL} = ? AND (first_issued_at < ? OR (first_issued_at = ? AND id < ?))))",
            (t.queue, t.id, now, rank, now, rank, since, since, t.id))[0]
        forecast = self._current()
        wait = forecast["waits"].get(t.id)
        if wait is None and t.id not in forecast["waits"]:
            wait = forecast["new_ticket"].get(t.queue)
        return ahead, wait


def _minutes(value):
    return None if value is None else int(round(value))
