"""Retention: old event rows go, their daily counts stay.

The event log (`events(id, at REAL, type, ...)`) is what grows without
bound on a hall's SD card. `prune_events()` deletes the rows older than N
days, in small batches (each its own transaction, so the hub keeps
serving between them), after adding them up into `events_daily(day, type,
count)`: how many of each event type each hall day had. The tickets,
ratings and cases themselves are not touched, so the daily reports, which
are computed from those rows, stay whole. The newest event row always
stays, so event ids keep growing even after a long closure.

Space: SQLite reuses the pages freed by a delete, so once retention runs
the file stops growing; it shrinks only by vacuuming. A database created
with `PRAGMA auto_vacuum=INCREMENTAL` (set before the first table) can give
pages back in small steps with `reclaim_space()`; an older one needs one
full `VACUUM` with the hub stopped (`hallq prune --vacuum`).

A hall that ships its log to the county (hub/service/uplink.py) keeps every
event the county has not acknowledged: `held_through(conn)` is the county's
`acked_through` as the uplink last stored it, and nothing above it is
deleted, however old (a county down for weeks holds the log back; the
manager's 运维 tab says so).
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

# settings rows the uplink writes: the county's position, and that this database ships to one
HOLD_KEY = "county.acked_through"
MEMBER_KEY = "county.hall"
AGGREGATE_TABLE = """CREATE TABLE IF NOT EXISTS events_daily (
    day TEXT NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, type))"""


def cutoff(days, now, tz):
    """Unix time of the hall's midnight `days` days before today: rows before it go.

    days=0 keeps only today; days=90 keeps today and the 90 days before."""
    if days < 0:
        raise ValueError("保留天数不能为负数")
    zone = ZoneInfo(tz)
    today = dt.datetime.fromtimestamp(now, zone).date()
    first_kept = today - dt.timedelta(days=days)
    return dt.datetime.combine(first_kept, dt.time(0), zone).timestamp()


def prune_batch(conn, *, before, tz, limit=2000, through=None):
    """Aggregate and delete up to `limit` event rows with at < `before` (and id
    <= `through`, when given: the county's acknowledged position).

    Runs inside the caller's transaction (the hub's `store.transaction()`);
    returns the number of rows deleted (0: nothing left to do)."""
    zone = ZoneInfo(tz)
    conn.create_function("hallq_day", 1,
                         lambda at: dt.datetime.fromtimestamp(at, zone).date().isoformat(),
                         deterministic=True)
    conn.execute(AGGREGATE_TABLE)
    newest = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    if newest is None:
        return 0
    if through is not None:
        newest = min(newest, through + 1)
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM events WHERE at < ? AND id < ? ORDER BY id LIMIT ?", (before, newest, limit))]
    if not ids:
        return 0
    low, high = ids[0], ids[-1]
    conn.execute(
        "INSERT INTO events_daily (day, type, count) "
        "SELECT hallq_day(at), type, count(*) FROM events WHERE id BETWEEN ? AND ? AND at < ? "
        "GROUP BY 1, 2 "
        "ON CONFLICT (day, type) DO UPDATE SET count = count + excluded.count",
        (low, high, before))
    if _has_table(conn, "call_acks"):  # acknowledgements of calls die with their call events
        conn.execute("DELETE FROM call_acks WHERE event_id IN "
                     "(SELECT id FROM events WHERE id BETWEEN ? AND ? AND at < ?)", (low, high, before))
    return conn.execute("DELETE FROM events WHERE id BETWEEN ? AND ? AND at < ?",
                        (low, high, before)).rowcount


def prune_events(transaction, *, days, now, tz="Asia/Shanghai", batch=2000, pause=None, through=None):
    """Delete events older than `days` days, keeping their daily counts.

    `transaction`: a callable returning a context manager that yields a
    connection inside one write transaction — the hub passes
    `store.transaction`; for a bare sqlite3 connection use
    `plain_transaction(conn)`. `pause()` runs between batches (the hub passes
    gevent.sleep so calls and tickets go on meanwhile).
    `through`: keep every event with a higher id (what the county has not acknowledged).
    Returns {"deleted": N, "before": cutoff}."""
    before = cutoff(days, now, tz)
    deleted = 0
    while True:
        with transaction() as conn:
            n = prune_batch(conn, before=before, tz=tz, limit=batch, through=through)
        deleted += n
        if n < batch:
            return {"deleted": deleted, "before": before}
        if pause is not None:
            pause()


def plain_transaction(conn):
    """A `transaction` factory for a bare connection in autocommit mode."""
    @contextmanager
    def transaction():
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return transaction


def reclaim_space(conn, max_pages=2000):
    """Give free pages back to the file system when the database allows it.

    Call it outside any transaction. Returns
    {"auto_vacuum": "none"|"full"|"incremental", "freed_pages", "free_pages"}.
    With auto_vacuum NONE nothing is done (the pages are reused by later
    writes); convert once with `hallq prune --vacuum` while the hub is stopped."""
    mode = {0: "none", 1: "full", 2: "incremental"}.get(conn.execute("PRAGMA auto_vacuum").fetchone()[0])
    before = conn.execute("PRAGMA freelist_count").fetchone()[0]
    if mode == "incremental" and before:
        # executescript steps the pragma to the end; execute() would free one page
        conn.executescript(f"PRAGMA incremental_vacuum({int(max_pages)});")
    after = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return {"auto_vacuum": mode, "freed_pages": before - after, "free_pages": after}


def vacuum(conn, incremental=True):
    """A full VACUUM (hub stopped: it needs the whole file), switching to
    incremental auto-vacuum on the way so later reclaim_space() works."""
    if incremental:
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    conn.execute("VACUUM")
    return reclaim_space(conn, max_pages=0)


def held_through(conn):
    """The county's acknowledged event id when this database ships to a county, else None."""
    if not _has_table(conn, "settings"):
        return None
    member = conn.execute("SELECT value FROM settings WHERE key = ?", (MEMBER_KEY,)).fetchone()
    if member is None:
        return None
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (HOLD_KEY,)).fetchone()
    return int(row[0]) if row else 0


def held_back(conn, before):
    """Events older than `before` kept only because the county has not acknowledged them."""
    through = held_through(conn)
    if through is None:
        return 0
    return conn.execute("SELECT count(*) FROM events WHERE id > ? AND at < ?", (through, before)).fetchone()[0]


def daily_counts(conn, day):
    """{type: count} of one hall day from the aggregates (pruned days)."""
    if not _has_table(conn, "events_daily"):
        return {}
    return dict(conn.execute("SELECT type, count FROM events_daily WHERE day = ?", (day,)).fetchall())


def _has_table(conn, name):
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None
