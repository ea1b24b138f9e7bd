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
from collections import defaultdict

from hub.rules import eta, pauses as pause_rules
from hub.rules.routing import Candidate, queue_order_key
from hub.service import ticket_rows
from hub.service.service_times import (PAUSE_DAYS, RATE_SECONDS, ServiceTimes, open_servers, paused_servers,
                                       ticket_range)
from hub.service.windows import WAITING_SQL, candidate_of

RANGE_DUTY = 0.05  # in a burst, ranges take at most this share of the hub's time
BOOKED_HORIZON_S = 3 * 3600  # booked appointments this far ahead count in the waits
FRESH_LIMIT = 150  # up to this many waiting tickets, every change gets a fresh forecast
FORECAST_INTERVAL = 0.5  # otherwise at most one forecast per this many seconds
SLICE_S = 0.002  # a computation that yields (the ranges, a forecast aside) does so after this long
# routing.rank() in SQL, with the time as its one parameter
RANK_SQL = ("(CASE WHEN target_window IS NOT NULL THEN 0 WHEN priority = 'green' THEN 1 "
            "WHEN priority = 'appointment' AND due_at IS NOT NULL AND due_at <= ? THEN 2 ELSE 3 END)")


class Estimates(ServiceTimes):
    """The hub's estimates, read from the store (the hub's, or a read-only one for a reprint).
    `cooperate()`: called after every SLICE_S of work on a range, or on a forecast redone by
    `refresh` (the hub yields one turn of its event loop there, so that calls and tickets go on
    meanwhile); both run outside any change, never between its COMMIT and its publication."""

    def __init__(self, hall, store, clock, cooperate=None):
        super().__init__(hall)
        self.store, self.clock, self.cooperate = store, clock, cooperate
        self._computing = False
        self._cache = None
        self._version, self._cache_version = 1, 0  # changes counted; the change the forecast was made after
        self._computed_at = 0.0
        self._refreshed_aside = self._refreshing = False
        self._ranges, self._ranges_at, self._ranges_cost = None, 0.0, 0.0
        self._window_history_loaded = False
        self._pauses = None  # (what it was measured on, the Pauses)
        self._load_samples()

    def _load_samples(self):
        rows = self.store.query(
            "SELECT matter, queue, priority, finished_at - started_at AS seconds, finished_at - first_called_at AS held "
            "FROM tickets WHERE status IN ('done', 'no_show') AND finished_at IS NOT NULL ORDER BY finished_at DESC "
            "LIMIT 2000")
        for r in reversed(rows):
            if r["seconds"] is not None and r["seconds"] >= 0:
                self._samples[r["matter"]].append(r["seconds"])
            if r["held"] is not None and r["held"] >= 0:
                self._held[r["matter"]].append(r["held"])
            self._priorities.append((r["queue"], r["priority"] == "green"))

    # the windows' history, read once the windows' rows exist (compose() makes them after the estimates)
    def record_window(self, at, window_id, state):
        if self._window_history_loaded:
            super().record_window(at, window_id, state)
        else:
            self._load_window_history()  # its audit row is already written

    def pauses(self, now):
        """Measured again after a window's change, else at most once a minute (about 1 ms over 28 days)."""
        self._load_window_history()
        changes = self._window_changes
        key = (len(changes), changes[-1] if changes else None, now // 60)
        if self._pauses is None or self._pauses[0] != key:
            self._pauses = (key, super().pauses(now))
        return self._pauses[1]

    def paused_since(self):
        self._load_window_history()
        return super().paused_since()

    def _load_window_history(self):
        """The windows' pauses, resumes, openings and closings of the last PAUSE_DAYS (or since the hub's
        first audit row), from the audit rows, and each window's state before them."""
        if self._window_history_loaded:
            return
        self._window_history_loaded = True
        now = self.clock.now()
        first = self.store.query_one("SELECT at FROM audit ORDER BY id LIMIT 1")
        since = max(now - PAUSE_DAYS * 86400, min(first[0], now) if first else now)
        actions = [(r["at"], r["target"], r["action"].removeprefix("window.")) for r in self.store.query(
            "SELECT at, target, action FROM audit WHERE action IN ('window.pause', 'window.resume', 'window.open', "
            "'window.close') AND at >= ? ORDER BY at, id", (since,))]
        current = {r["id"]: r["state"] for r in self.store.query("SELECT id, state FROM windows")}
        self._window_changes = pause_rules.changes_of(actions, current, since)

    def invalidate(self):
        self._version += 1

    # the forecast ------------------------------------------------------------------------
    def _waiting_rows(self):
        return self.store.query(WAITING_SQL)

    def _servers(self, now, per_matter):
        with self.store.reading() as conn:
            held = {t.window: t for t in ticket_rows.held(conn)}
            rows = ticket_rows.window_rows(conn)
        windows = {wid: (row["state"], json.loads(row["profile"]))
                   for wid, row in rows.items() if self.hall.window(wid) is not None}
        return (open_servers(windows, held, lambda m: per_matter.get(m) or self.service_seconds(m), now),
                paused_servers(windows, self.paused_since(), now))

    def _compute(self, rows, between=None):
        now = self.clock.now()
        per_matter = {m.id: self.service_seconds(m.id) for m in self.hall.matters}
        per_queue = {q.id: self.queue_service_seconds(q.id) for q in self.hall.queues}
        phantoms = {-(i + 1): q.id for i, q in enumerate(self.hall.queues)}
        matter_of = {r["id"]: r["matter"] for r in rows}
        candidates = [candidate_of(r) for r in rows]
        candidates += [Candidate(id=pid, queue=q, since=now + 1e-6) for pid, q in phantoms.items()]
        candidates += self._booked(now, matter_of)

        def service(c):
            m = matter_of.get(c.id)
            return per_matter.get(m, per_queue[c.queue]) if m else per_queue[c.queue]

        servers, paused = self._servers(now, per_matter)
        starts = eta.forecast(servers, candidates, service, now, between)
        waits = {c.id: _minutes(eta.wait_minutes(starts, c.id, now)) for c in candidates if c.id > 0}
        new_ticket = {q: _minutes(eta.wait_minutes(starts, pid, now)) for pid, q in phantoms.items()}
        horizon = max(starts.values(), default=now) - now
        return {"waits": waits, "new_ticket": new_ticket, "per_queue": per_queue, "phantoms": phantoms,
                "range_of": lambda between: self.ranges(servers + paused, candidates, matter_of, now, self._rates(now),
                                                        horizon, green=self.green_shares(), pauses=self.pauses(now),
                                                        between=between)}

    def _booked(self, now, matter_of):
        """Booked appointments not yet checked in whose slots begin within BOOKED_HORIZON_S: they will be
        called at their slot, ahead of normal tickets, so the waits of those count them."""
        out = []
        for r in self.store.query("SELECT id, matter, start FROM bookings WHERE state='booked' AND start < ?"
                                  " AND end > ?", (now + BOOKED_HORIZON_S, now)):
            matter = self.hall.matter(r["matter"])
            if matter is None:
                continue
            cid = eta.BOOKED_ID - r["id"]
            matter_of[cid] = matter.id
            out.append(Candidate(id=cid, queue=matter.queue, since=max(now, r["start"]), priority="appointment",
                                 due_at=r["start"]))
        return out

    def _rates(self, now):
        """Tickets a second per queue over the last RATE_SECONDS."""
        rows = self.store.query("SELECT queue, COUNT(*) AS n FROM tickets WHERE issued_at >= ? GROUP BY queue",
                                        (now - RATE_SECONDS,))
        return {r["queue"]: r["n"] / RATE_SECONDS for r in rows}

    def _current(self):
        """The forecast, redone after a change: at once in a hall of ordinary size; when very
        many are waiting, at most every FORECAST_INTERVAL seconds, or, once `refresh` runs, only
        by `refresh` (a change, its publication included, then never waits for a forecast)."""
        if self._cache is not None and self._cache_version == self._version:
            return self._cache
        if self._cache is not None and (self._refreshed_aside
                                        or time.monotonic() - self._computed_at < FORECAST_INTERVAL):
            waiting = self.store.query_one("SELECT COUNT(*) FROM tickets WHERE status='waiting'")[0]
            if waiting > FRESH_LIMIT:
                return self._cache
        self._install(self._version, self._compute(self._waiting_rows()))
        return self._cache

    def refresh(self):
        """The forecast redone if a change came since, in steps that yield (`cooperate`): the hub's
        own greenlet calls this every FORECAST_INTERVAL seconds, outside any change."""
        self._refreshed_aside = True
        if self._cache is None or self._cache_version == self._version or self._refreshing:
            return
        version, self._refreshing = self._version, True
        try:
            forecast = self._compute(self._waiting_rows(), _OwnTime(self.cooperate).between)
        finally:
            self._refreshing = False
        self._install(version, forecast)

    def _install(self, version, forecast):
        """A forecast made after change `version`, unless one made after a later change is there."""
        if self._cache is None or version >= self._cache_version:
            self._cache, self._cache_version, self._computed_at = forecast, version, time.monotonic()

    # views ------------------------------------------------------------------------------
    def _counts(self):
        return dict(self.store.query(
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
        """(people ahead in its queue, estimated minutes, [low, high] minutes) for a waiting ticket,
        else (0, 0, None). The minutes and the range come from the runs of `ranges` (computed
        once per forecast, when a ticket first asks); without them, from the forecast."""
        if t.status != "waiting":
            return 0, 0, None
        now = self.clock.now()
        mine = Candidate(id=t.id, queue=t.queue, since=t.first_issued_at, priority=t.priority, due_at=t.due_at,
                         target_window=t.target_window)
        rank, since, _ = queue_order_key(mine, now)
        # the same order as routing.queue_order_key, counted by SQLite rather than in Python
        ahead = self.store.query_one(
            f"SELECT COUNT(*) FROM tickets WHERE status='waiting' AND queue=? AND id != ? AND "
            f"({RANK_SQL} < ? OR ({RANK_SQL} = ? AND (first_issued_at < ? OR (first_issued_at = ? AND id < ?))))",
            (t.queue, t.id, now, rank, now, rank, since, since, t.id))[0]
        forecast = self._current()
        ranges = self._fresh_ranges(forecast)
        found = None if ranges is None else ticket_range(ranges, forecast["phantoms"], t)
        if found is not None:
            return ahead, found[0], found[1]
        wait = forecast["waits"].get(t.id)
        if wait is None and t.id not in forecast["waits"]:
            wait = forecast["new_ticket"].get(t.queue)
        return ahead, wait, None


    def _fresh_ranges(self, forecast):
        """The forecast's ranges, computed when a ticket first asks; but at most one computation
        every FORECAST_INTERVAL seconds, and no more than RANGE_DUTY of the time: in a burst of
        tickets the ranges of the last one serve (a ticket they do not know gets its queue's new
        ticket's). While one computation runs (it yields, see `cooperate`), others get the last
        ranges (None before the first: the forecast's minutes, without a range)."""
        if "ranges" in forecast:
            return forecast["ranges"]
        wait = max(FORECAST_INTERVAL, self._ranges_cost / RANGE_DUTY)
        if self._computing or (self._ranges is not None and time.monotonic() - self._ranges_at < wait):
            return self._ranges
        self._computing, work = True, _OwnTime(self.cooperate)
        try:
            ranges = forecast["range_of"](work.between)
        finally:
            self._computing = False
        forecast["ranges"] = self._ranges = ranges
        self._ranges_at, self._ranges_cost = time.monotonic(), work.stop()
        return ranges


class _OwnTime:
    """A computation in slices: `between()`, called between its steps, yields through `cooperate`
    once SLICE_S has passed since the last yield; and the time it spent, without the time it gave
    away."""

    def __init__(self, cooperate):
        self.cooperate, self.spent, self.since = cooperate, 0.0, time.monotonic()

    def between(self):
        if self.cooperate is not None and time.monotonic() - self.since >= SLICE_S:
            self.spent += time.monotonic() - self.since
            self.cooperate()
            self.since = time.monotonic()

    def stop(self):
        return self.spent + time.monotonic() - self.since


def _minutes(value):
    return None if value is None else int(round(value))
