"""Live estimates for the hub: waiting counts, each ticket's people ahead and
estimated wait, each queue's wait for a new ticket. Computed with eta.forecast
over the current state, once per change (cached until the next event)."""
from __future__ import annotations

import json
from collections import defaultdict, deque

from . import eta
from .routing import Candidate, queue_order_key
from .window_ops import candidate

SAMPLES = 20  # measured services kept per matter
MIN_REMAINING = 30.0  # seconds a held ticket is assumed to still take at least


class Estimates:
    def __init__(self, service):
        self.service = service
        self.hall = service.hall
        self._cache = None
        self._samples = defaultdict(lambda: deque(maxlen=SAMPLES))
        self._load_samples()

    def _load_samples(self):
        rows = self.service.store.query(
            "SELECT matter, finished_at - started_at AS seconds FROM tickets WHERE status='done' "
            "AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT 2000")
        for r in reversed(rows):
            if r["seconds"] is not None and r["seconds"] >= 0:
                self._samples[r["matter"]].append(r["seconds"])

    def record(self, t):
        if t.started_at is not None and t.finished_at is not None:
            self._samples[t.matter].append(max(0.0, t.finished_at - t.started_at))

    def invalidate(self):
        self._cache = None

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

    def _compute(self):
        now = self.service.clock.now()
        waiting = self.service.waiting()
        held = {t.window: t for t in self.service.held()}
        servers = []
        for window_id, row in self.service.window_rows().items():
            if row["state"] != "open" or self.hall.window(window_id) is None:
                continue
            free_at = now
            t = held.get(window_id)
            if t is not None:
                begun = t.started_at or t.called_at or now
                free_at = max(now + MIN_REMAINING, begun + self.service_seconds(t.matter))
            servers.append(eta.Server(window_id, json.loads(row["profile"]), free_at))
        phantoms = {-(i + 1): q.id for i, q in enumerate(self.hall.queues)}
        candidates = [candidate(t) for t in waiting]
        candidates += [Candidate(id=pid, queue=q, since=now + 1e-6) for pid, q in phantoms.items()]
        matter_of = {t.id: t.matter for t in waiting}

        def service(c):
            if c.id in matter_of:
                return self.service_seconds(matter_of[c.id])
            return self.queue_service_seconds(c.queue)

        starts = eta.forecast(servers, candidates, service, now)
        by_queue = defaultdict(list)
        for c in candidates:
            if c.id > 0:
                by_queue[c.queue].append(c)
        ahead = {}
        for line in by_queue.values():
            line.sort(key=lambda c: queue_order_key(c, now))
            for position, c in enumerate(line):
                ahead[c.id] = position
        tickets = {c.id: (ahead[c.id], _minutes(eta.wait_minutes(starts, c.id, now))) for c in candidates if c.id > 0}
        queues = []
        for pid, q in phantoms.items():
            queue = self.hall.queue(q)
            queues.append({"id": q, "prefix": q, "name": queue.name, "name_en": queue.name_en,
                           "waiting": len(by_queue[q]), "eta_minutes": _minutes(eta.wait_minutes(starts, pid, now)),
                           "surge_minutes": queue.surge_minutes})
        load = {q: len(by_queue[q]) * self.queue_service_seconds(q) / 60 for q in phantoms.values()}
        return {"tickets": tickets, "queues": queues, "load": load}

    def _current(self):
        if self._cache is None:
            self._cache = self._compute()
        return self._cache

    def queue_views(self):
        return [dict(q) for q in self._current()["queues"]]

    def load_minutes(self):
        return dict(self._current()["load"])

    def for_ticket(self, t):
        """(people ahead, estimated minutes) for a waiting ticket, else (0, 0)."""
        if t.status != "waiting":
            return 0, 0
        return self._current()["tickets"].get(t.id, (0, None))


def _minutes(value):
    return None if value is None else int(round(value))
