"""Retention: old event rows are deleted, their daily counts are kept."""
from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from hub.store import retention
from hub.store.database import Store, append_event

TZ = "Asia/Shanghai"
DAY = 86400.0


def at(day, hour=10):
    return dt.datetime(2026, 11, day, hour, tzinfo=ZoneInfo(TZ)).timestamp()


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "hallq.db")
    with store.transaction() as conn:
        for day in range(1, 27):  # 1..26 November, three events a day
            for type_ in ("ticket.issued", "ticket.issued", "ticket.called"):
                event = append_event(conn, at(day), type_, {"day": day})
            conn.execute("INSERT INTO call_acks (event_id, device, at, shown, spoken) VALUES (?, 'board-1', ?, 1, 1)",
                         (event, at(day)))
    yield store
    store.close()


def days_left(store):
    return sorted({r[0] for r in store.query(
        "SELECT date(at, 'unixepoch', '+8 hours') FROM events")})


def test_prunes_old_events_and_keeps_daily_counts(store):
    now = at(26, 15)
    result = retention.prune_events(store.transaction, days=7, now=now, tz=TZ, batch=5)
    assert result["deleted"] == 18 * 3  # 1..18 November go, 19..26 stay
    assert days_left(store)[0] == "2026-11-19"
    assert result["before"] == at(19, 0)
    with store.reading() as conn:
        assert retention.daily_counts(conn, "2026-11-03") == {"ticket.issued": 2, "ticket.called": 1}
        assert retention.daily_counts(conn, "2026-11-20") == {}  # still in the log itself
        # the acknowledgements of deleted calls go with them
        assert conn.execute("SELECT count(*) FROM call_acks").fetchone()[0] == 8


def test_pruning_twice_adds_nothing_twice(store):
    retention.prune_events(store.transaction, days=7, now=at(26, 15), tz=TZ)
    retention.prune_events(store.transaction, days=7, now=at(26, 15), tz=TZ)
    retention.prune_events(store.transaction, days=5, now=at(26, 15), tz=TZ)
    with store.reading() as conn:
        total = conn.execute("SELECT sum(count) FROM events_daily").fetchone()[0]
        left = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert total + left == 26 * 3
    assert days_left(store)[0] == "2026-11-21"


def test_the_newest_event_always_stays(store):
    """After a long closure every row is old; ids must still grow, so one row stays."""
    newest = store.query_one("SELECT max(id) FROM events")[0]
    retention.prune_events(store.transaction, days=0, now=at(26) + 90 * DAY, tz=TZ)
    assert [r[0] for r in store.query("SELECT id FROM events")] == [newest]
    with store.transaction() as conn:
        assert append_event(conn, at(26) + 90 * DAY, "ticket.issued", {}) > newest


def test_pause_runs_between_batches(store):
    pauses = []
    retention.prune_events(store.transaction, days=7, now=at(26, 15), tz=TZ, batch=10,
                           pause=lambda: pauses.append(1))
    assert len(pauses) == 5  # 54 rows in batches of 10: 5 full batches, then the rest


def test_cutoff_is_the_halls_midnight():
    now = at(26, 1)  # 01:00 in Shanghai is still the 25th in UTC
    assert retention.cutoff(0, now, TZ) == at(26, 0)
    assert retention.cutoff(1, now, TZ) == at(25, 0)
    with pytest.raises(ValueError):
        retention.cutoff(-1, now, TZ)


def test_reclaim_space_only_with_incremental_auto_vacuum(tmp_path):
    conn = sqlite3.connect(tmp_path / "plain.db", isolation_level=None)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, at REAL, type TEXT, data TEXT)")
    conn.executemany("INSERT INTO events (at, type, data) VALUES (?, 't', ?)",
                     [(at(1), "x" * 2000) for _ in range(300)])
    retention.prune_events(retention.plain_transaction(conn), days=1, now=at(26), tz=TZ)
    space = retention.reclaim_space(conn)
    assert space["auto_vacuum"] == "none" and space["freed_pages"] == 0 and space["free_pages"] > 0
    space = retention.vacuum(conn)  # what `hallq prune --vacuum` does with the hub stopped
    assert space["auto_vacuum"] == "incremental" and space["free_pages"] == 0
    conn.executemany("INSERT INTO events (at, type, data) VALUES (?, 't', ?)",
                     [(at(2), "x" * 2000) for _ in range(300)])
    retention.prune_events(retention.plain_transaction(conn), days=1, now=at(26), tz=TZ)
    space = retention.reclaim_space(conn)
    assert space["freed_pages"] > 0 and space["free_pages"] == 0
