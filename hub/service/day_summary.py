"""The summary of a hall day, written at closing and kept for good.

`summarize(day, tickets, ratings)` is pure: ticket rows (mappings with the
tickets table's columns) and a {ticket id: score} map in, a JSON-ready dict
out. The figures count like the reports (caller/reports.py) do:

- issued: the day's tickets (a transferred ticket is still one ticket);
- called: tickets that reached a window at least once;
- served / no_shows / expired / cancelled: tickets by their final status;
- wait: from issue to the first call, over the called tickets; mean and
  max in minutes (one decimal); within_15_min counts the waits of at most
  15 minutes, served_within_15_min is their share of the called tickets;
- ratings: the scores given to the day's tickets, by score, their number
  and mean. A rating given after the summary was written (a citizen rates
  on the phone a few minutes after closing) is in the reports, not here.

`record(conn, day, now)` writes the day's row inside the closing
transaction (hub/hall.py close_day), together with any day of the month
before that has tickets but no summary yet (the hub was off at its closing).
"""
from __future__ import annotations

import json
from datetime import date, timedelta

BACKFILL_DAYS = 31
WITHIN_S = 15 * 60
SCORES = (5, 4, 3, 2, 1)
COUNTS = ("issued", "called", "served", "no_shows", "expired", "cancelled")
COLUMNS = COUNTS + ("mean_wait_min", "max_wait_min", "within_15_min", "rated", "avg_rating")
FINAL = {"done": "served", "no_show": "no_shows", "expired": "expired", "cancelled": "cancelled"}


def _minutes(seconds):
    return round(seconds / 60.0, 1)


def summarize(day, tickets, ratings):
    """The figures of `day` from its ticket rows and the scores of its tickets."""
    out = dict.fromkeys(COUNTS, 0)
    waits = []
    for row in tickets:
        out["issued"] += 1
        if row["first_called_at"] is not None:
            waits.append(max(0.0, row["first_called_at"] - row["first_issued_at"]))
        if row["status"] in FINAL:
            out[FINAL[row["status"]]] += 1
    out["called"] = len(waits)
    within = sum(1 for w in waits if w <= WITHIN_S)
    scores = [ratings[row["id"]] for row in tickets if ratings.get(row["id"]) in SCORES]
    return {
        "day": day, **out,
        "mean_wait_min": _minutes(sum(waits) / len(waits)) if waits else None,
        "max_wait_min": _minutes(max(waits)) if waits else None,
        "within_15_min": within,
        "served_within_15_min": round(within / len(waits), 4) if waits else None,
        "ratings": {str(s): scores.count(s) for s in SCORES},
        "rated": len(scores),
        "avg_rating": round(sum(scores) / len(scores), 2) if scores else None,
    }


def counts(summary):
    """What the public day.closed event carries: the counts, no ratings."""
    return {key: summary[key] for key in COUNTS}


# the database ----------------------------------------------------------------

def day_rows(conn, day):
    tickets = conn.execute("SELECT * FROM tickets WHERE day=? ORDER BY id", (day,)).fetchall()
    ratings = dict(conn.execute(
        "SELECT r.ticket_id, r.score FROM ratings r JOIN tickets t ON t.id = r.ticket_id WHERE t.day=?",
        (day,)).fetchall())
    return tickets, ratings


def record(conn, day, now):
    """Write the summary of `day` (replacing one written before, e.g. by a
    second closing the same day) and of the unsummarised days of the
    BACKFILL_DAYS before it; returns `day`'s. (Older days stay to the
    reports: summarising a year of history after an upgrade would hold the
    closing transaction for seconds.)"""
    since = (date.fromisoformat(day) - timedelta(days=BACKFILL_DAYS)).isoformat()
    missing = [r[0] for r in conn.execute(
        "SELECT DISTINCT day FROM tickets WHERE day >= ? AND day < ? "
        "AND day NOT IN (SELECT day FROM day_summaries)", (since, day))]
    for earlier in missing:
        _write(conn, summarize(earlier, *day_rows(conn, earlier)), now)
    summary = summarize(day, *day_rows(conn, day))
    _write(conn, summary, now)
    return summary


def _write(conn, summary, now):
    conn.execute(
        f"INSERT OR REPLACE INTO day_summaries (day, closed_at, {', '.join(COLUMNS)}, ratings) "
        f"VALUES (?, ?, {', '.join('?' for _ in COLUMNS)}, ?)",
        [summary["day"], now] + [summary[c] for c in COLUMNS] + [json.dumps(summary["ratings"])])


def from_row(row):
    """A stored summary as summarize() returned it, plus closed_at (unix time)."""
    called, within = row["called"], row["within_15_min"]
    return {
        "day": row["day"], **{c: row[c] for c in COUNTS},
        "mean_wait_min": row["mean_wait_min"], "max_wait_min": row["max_wait_min"],
        "within_15_min": within, "served_within_15_min": round(within / called, 4) if called else None,
        "ratings": json.loads(row["ratings"]), "rated": row["rated"], "avg_rating": row["avg_rating"],
        "closed_at": row["closed_at"],
    }


def stored(conn, first, last):
    """The stored summaries of the days first..last (YYYY-MM-DD, inclusive), oldest first."""
    rows = conn.execute("SELECT * FROM day_summaries WHERE day BETWEEN ? AND ? ORDER BY day", (first, last))
    return [from_row(r) for r in rows.fetchall()]
