"""What the county's pages and reports read: a few grouped queries over the
stored sums and state rows (never over the events). `halls` is a list of hall
ids the reader may see, or None for all."""
from __future__ import annotations

from collections import defaultdict

from hub.county.schema import FIGURE_FIELDS

OPEN_CASE = ("accepted", "in_review", "returned")
_SUMS = ", ".join(f"sum({f}) AS {f}" for f in FIGURE_FIELDS)


def _scope(halls, column="hall"):
    return ("", ()) if halls is None else (f" AND {column} = ANY(%s)", (list(halls),))


def halls(conn, scope):
    where, params = _scope(scope, "id")
    return conn.execute(f"SELECT id, name, acked_through, last_event_at, last_batch_at, facts, catalog_version, "
                        f"events FROM halls WHERE true{where} ORDER BY id", params).fetchall()


def sums(conn, scope, first, last, dimension="day"):
    """{hall: {field: sum}} over the days first..last of one dimension's '' key (the day totals)."""
    where, params = _scope(scope)
    rows = conn.execute(f"SELECT hall, {_SUMS} FROM figures WHERE day BETWEEN %s AND %s AND dimension=%s{where} "
                        f"GROUP BY hall", (first, last, dimension) + params).fetchall()
    return {r["hall"]: {f: r[f] or 0 for f in FIGURE_FIELDS} for r in rows}


def p90_buckets(conn, scope, first, last, by_hall=True):
    """{hall: the wait bucket holding the 90th percentile (nearest rank)} over first..last, found by
    PostgreSQL from the running sums of the histogram (a busy year has many buckets); with
    by_hall=False one entry "total" for all the halls together."""
    where, params = _scope(scope)
    group = "hall" if by_hall else "'total'::text"
    rows = conn.execute(
        f"SELECT hall, min(bucket) FILTER (WHERE seen >= ceil(0.9 * total)) AS bucket FROM ("
        f"  SELECT hall, bucket, sum(n) OVER (PARTITION BY hall ORDER BY bucket) AS seen,"
        f"         sum(n) OVER (PARTITION BY hall) AS total FROM ("
        f"    SELECT {group} AS hall, bucket, sum(n) AS n FROM waits WHERE day BETWEEN %s AND %s AND n > 0{where}"
        f"    GROUP BY 1, bucket) g) w GROUP BY hall", (first, last) + params).fetchall()
    return {r["hall"]: r["bucket"] for r in rows if r["bucket"] is not None}


def halls_today(conn, scope, day, today):
    """Every hall with its sums of `day` (the figures' day row), its p90 bucket, open and overdue
    follow-ups and cases (as of `today`) and devices offline: one statement, one row per hall."""
    fields = ", ".join(f"f.{f}" for f in FIGURE_FIELDS)
    return conn.execute(
        f"SELECT h.id, h.name, h.acked_through, h.last_event_at, h.last_batch_at, h.catalog_version, h.events, "
        f"{fields}, p.bucket AS p90_bucket, coalesce(fo.n, 0) AS followups_open, "
        f"coalesce(fo.late, 0) AS followups_overdue, coalesce(c.n, 0) AS cases_open, "
        f"coalesce(c.late, 0) AS cases_overdue, coalesce(d.n, 0) AS devices_offline FROM halls h "
        f"LEFT JOIN figures f ON f.hall = h.id AND f.day = %(day)s AND f.dimension = 'day' AND f.key = '' "
        f"LEFT JOIN day_p90 p ON p.hall = h.id AND p.day = %(day)s "
        f"LEFT JOIN (SELECT hall, count(*) AS n, count(*) FILTER (WHERE deadline < %(today)s) AS late "
        f"  FROM followups WHERE state IS DISTINCT FROM 'closed' GROUP BY hall) fo ON fo.hall = h.id "
        f"LEFT JOIN (SELECT hall, count(*) AS n, count(*) FILTER (WHERE deadline < %(today)s) AS late "
        f"  FROM cases WHERE state IN {OPEN_CASE} GROUP BY hall) c ON c.hall = h.id "
        f"LEFT JOIN (SELECT hall, count(*) AS n FROM devices WHERE NOT online GROUP BY hall) d ON d.hall = h.id "
        f"WHERE %(scope)s::text[] IS NULL OR h.id = ANY(%(scope)s::text[]) ORDER BY h.id",
        {"day": day, "today": today, "scope": None if scope is None else list(scope)}).fetchall()


def breakdown(conn, hall, day, dimension):
    """The rows of one hall day by hour, queue or window: [(key, {field: value})]."""
    rows = conn.execute(f"SELECT key, {', '.join(FIGURE_FIELDS)} FROM figures WHERE hall=%s AND day=%s "
                        f"AND dimension=%s ORDER BY key", (hall, day, dimension)).fetchall()
    return [(r["key"], {f: r[f] for f in FIGURE_FIELDS}) for r in rows]


def devices(conn, hall):
    return conn.execute("SELECT device_id, kind, online, fault, window_id FROM devices WHERE hall=%s "
                        "ORDER BY device_id", (hall,)).fetchall()


def overdue(conn, scope, today):
    """Every overdue case and follow-up (统一督办), oldest deadline first."""
    where, params = _scope(scope)
    cases = conn.execute(f"SELECT hall, case_id, number, matter, department, state, deadline, accepted_on "
                         f"FROM cases WHERE state IN ('accepted', 'in_review', 'returned') AND deadline < %s{where} "
                         f"ORDER BY deadline, hall, case_id", (today,) + params).fetchall()
    followups = conn.execute(f"SELECT hall, followup_id, ticket_id, score, state, deadline, opened_on FROM followups "
                             f"WHERE state IS DISTINCT FROM 'closed' AND deadline < %s{where} "
                             f"ORDER BY deadline, hall, followup_id", (today,) + params).fetchall()
    return cases, followups


def open_items(conn, hall, today):
    cases = conn.execute("SELECT case_id, number, matter, department, state, deadline FROM cases WHERE hall=%s "
                         "AND state IN ('accepted', 'in_review', 'returned') ORDER BY deadline, case_id",
                         (hall,)).fetchall()
    followups = conn.execute("SELECT followup_id, ticket_id, score, state, deadline FROM followups WHERE hall=%s "
                             "AND state IS DISTINCT FROM 'closed' ORDER BY deadline, followup_id", (hall,)).fetchall()
    return cases, followups


def deadlines_met(conn, scope, first, last, today):
    """{hall: {"followups_due", "followups_on_time", "cases_due", "cases_on_time"}}: the follow-ups and cases whose
    deadline fell in first..last (and has passed), and how many of them were done by it."""
    where, params = _scope(scope)
    upto = min(last, today)
    out = defaultdict(lambda: dict.fromkeys(("followups_due", "followups_on_time", "cases_due", "cases_on_time"), 0))
    for r in conn.execute(f"SELECT hall, count(*) AS n, count(*) FILTER (WHERE done_on IS NOT NULL AND done_on <= "
                          f"deadline) AS ok FROM followups WHERE deadline BETWEEN %s AND %s{where} GROUP BY hall",
                          (first, upto) + params):
        out[r["hall"]].update(followups_due=r["n"], followups_on_time=r["ok"])
    for r in conn.execute(f"SELECT hall, count(*) AS n, count(*) FILTER (WHERE decided_on IS NOT NULL AND decided_on <= "
                          f"deadline) AS ok FROM cases WHERE deadline BETWEEN %s AND %s{where} GROUP BY hall",
                          (first, upto) + params):
        out[r["hall"]].update(cases_due=r["n"], cases_on_time=r["ok"])
    return out
