"""The uplink: the hall's event log shipped to the county, store and forward.

The hub keeps every event in its own database first; the uplink reads them
through the store's reader and sends them in batches to the county's
`POST /api/uplink/events` (docs/api.md "County"), at least once: an event
counts as delivered only when the county's answer `acked_through` covers it,
and that position is kept in the database (settings `county.acked_through`),
so a restarted hub, or a restarted county, resumes where the county stands.

The uplink never writes or reads the network inside a transaction and runs
in its own greenlet (hub/web/server.py), so a slow or dead county never
slows a ticket: the hall runs for days without it, and retention keeps the
events the county has not acknowledged (hub/store/retention.py).

`Uplink.round()` is one turn of the loop and returns how long to wait before
the next one; the county client (hub/service/county_link.py) is passed in,
and so is the clock and the random source of the back-off's jitter.
"""
from __future__ import annotations

import json
import logging
import random

from hub.store.retention import HOLD_KEY, MEMBER_KEY

log = logging.getLogger("hallq.uplink")

HEARTBEAT_S = 300.0  # nothing to send for this long: an empty batch, so the county sees the hall is there
IDLE_S = 5.0  # nothing to send: look again after this (a commit wakes the loop earlier)
LINGER_S = 0.5  # after a wake-up: let a few more events gather into the batch
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0  # a county down for days is asked every five minutes or so
BEHIND_S = 120  # events older than this not acknowledged: "behind"
WARN_S = 3600  # ... older than an hour: a problem on the health report (the county flags the hall too)


class CountyError(Exception):
    """The county could not be reached or refused a request; the message says why (Chinese)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def backoff_delay(failures, unit):
    """Seconds to wait after `failures` failures in a row: doubling from 1 s to
    5 minutes, times a jitter in [0.5, 1.5) from `unit` (a number in [0, 1)),
    so that thirty halls coming back after a county outage do not all knock at once."""
    base = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, failures - 1))
    return base * (0.5 + unit)


def encode_batch(hall_id, after, rows, facts=None):
    """The POST body, built from the rows as stored: `data` is already JSON in
    the database and goes out as it is (no parse and re-dump of every event).
    `facts`: what the county cannot learn from events (hub/service/county_facts.py)."""
    events = ",".join(
        '{"event_id":%d,"at":%r,"type":%s,"data":%s}' % (r["id"], float(r["at"]), json.dumps(r["type"]), r["data"])
        for r in rows)
    extra = ',"facts":%s' % json.dumps(facts, ensure_ascii=False) if facts is not None else ""
    return '{"hall":%s,"after":%d%s,"events":[%s]}' % (json.dumps(hall_id), after, extra, events)


class Uplink:
    def __init__(self, store, clock, county, link, facts=lambda: None, rand=random.random):
        self.store, self.clock, self.county, self.link, self.rand = store, clock, county, link, rand
        self.facts = facts  # () -> the facts sent with each batch
        self.last_sent_at = None
        self.acked = None  # the county's position; None until asked (at start, after a failure)
        self.failures = 0
        self.last_ok_at = None
        self.last_error = None
        self.last_attempt_at = None
        self.sent = 0  # events sent since start (repeats included)
        self.limit = county.batch  # halved while the county refuses a batch as too large (413)
        self.notes = []  # what the technician should know (a restored database moved past the county)
        self._join()

    def _join(self):
        """Mark the database as a county member (retention holds its events from now on)."""
        with self.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (MEMBER_KEY, self.county.hall))
            conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, '0')", (HOLD_KEY,))

    # the loop ------------------------------------------------------------------------
    def round(self):
        """Send one batch if there is one; the delay before the next round."""
        self.last_attempt_at = self.clock.now()
        try:
            if self.acked is None:
                self._resume(self.link.state(self.county.hall))
            rows = self._batch()
            if rows or self._heartbeat_due():
                body = encode_batch(self.county.hall, self.acked, rows, self.facts())
                self._accept(self.link.send(body), rows)
                self.last_sent_at = self.clock.now()
        except CountyError as exc:
            if exc.status == 413 and self.limit > 1:
                self.limit = max(1, self.limit // 2)  # a proxy with a smaller body limit: smaller batches
            self.failures += 1
            self.acked = None  # ask the county where it stands before sending again
            if self.last_error != str(exc):
                log.warning("county uplink: %s", exc)
            self.last_error = str(exc)
            return backoff_delay(self.failures, self.rand())
        self.failures, self.last_error, self.last_ok_at = 0, None, self.clock.now()
        return 0.0 if len(rows) == self.limit else IDLE_S

    def _heartbeat_due(self):
        return self.last_sent_at is None or self.clock.now() - self.last_sent_at >= HEARTBEAT_S

    def _batch(self):
        return self.store.query("SELECT id, at, type, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
                                (self.acked, self.limit))

    def _resume(self, acked):
        newest = self.store.query_one("SELECT max(id) FROM events")[0] or 0
        if acked > newest:
            self._skip_past(acked, newest)
        self._save(acked)

    def _skip_past(self, acked, newest):
        """The county has ids this database never wrote (restored from an older
        backup): new events must not reuse them, or the county would take them for repeats."""
        with self.store.transaction() as conn:
            if conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'events'", (acked,)).rowcount == 0:
                conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", (acked,))
        note = (f"县平台已确认到第 {acked} 条事件, 本机数据库只有到第 {newest} 条 (可能从旧备份恢复过): "
                f"新事件从第 {acked + 1} 条编号")
        log.warning("county uplink: %s", note)
        self.notes.append(note)

    def _accept(self, acked, rows):
        self.sent += len(rows)
        if rows and acked == self.acked:
            raise CountyError(f"县平台收到了第 {rows[0]['id']}–{rows[-1]['id']} 条事件, 却没有确认任何一条")
        if acked < self.acked:
            log.warning("county uplink: the county went back from %s to %s; sending again from there", self.acked, acked)
        self._save(acked)

    def _save(self, acked):
        if acked != self.acked:
            with self.store.transaction() as conn:
                conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (HOLD_KEY, str(acked)))
        self.acked = acked

    # what health and the 运维 tab show ---------------------------------------------------
    def position(self):
        """The last acknowledged id as stored (survives restarts)."""
        row = self.store.query_one("SELECT value FROM settings WHERE key = ?", (HOLD_KEY,))
        return int(row[0]) if row else 0

    def status(self):
        """`{"state": "ok"|"behind"|"unreachable", "pending_events", "acked_through", "lag_s", ...}`."""
        now = self.clock.now()
        acked = self.position()
        pending = self.store.query_one("SELECT count(*) FROM events WHERE id > ?", (acked,))[0]
        oldest = self.store.query_one("SELECT at FROM events WHERE id > ? ORDER BY id LIMIT 1", (acked,))
        lag = max(0, round(now - oldest[0])) if oldest else 0
        if self.last_error is not None:
            state = "unreachable"
        elif lag > BEHIND_S:
            state = "behind"
        else:
            state = "ok"
        return {"state": state, "pending_events": pending, "acked_through": acked, "lag_s": lag,
                "url": self.county.url, "hall": self.county.hall, "last_ok_at": self.last_ok_at,
                "error": self.last_error, "failures": self.failures, "notes": list(self.notes)}
