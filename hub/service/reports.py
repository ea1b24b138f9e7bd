"""Reports: pure functions from ticket and rating rows to figures.

Nothing here touches the database or Flask: `daily_report(hall, tickets,
ratings, day)` takes the rows (mappings with the tickets table's columns)
and a {ticket id: score} map and returns a JSON-ready dict. The hub's
routes read the rows with `svc.store.query` and hand them in; tests hand in
rows they wrote by hand.

Where a ticket counts (docs/reports.md has the reasoning):
- issued: in the queue and the hour it was issued (`first_queue`, `first_issued_at`);
- wait: from issue to its first call, in the queue and hour it was issued;
- served / no-show / service time / rating: in the queue, window, clerk and
  hour (of finishing) where it ended;
- one-window share: tickets finished at comprehensive windows ÷ tickets
  finished at business windows. A tidal window counts with the kind of window
  that serves the ticket's queue first (largest weight in the hall file):
  comprehensive for A, B, C in the demo hall, professional for D, E, else neither.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.rules.tickets import OUTCOMES

SCORES = (5, 4, 3, 2, 1)
RATING_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意", "unrated": "未评价"}
WITHIN_SECONDS = 15 * 60
BUSINESS_SCOPES = ("one_window", "professional")
MAX_RANGE_DAYS = 366


def _minutes(seconds):
    return None if seconds is None else round(seconds / 60.0, 1)


def _share(part, whole):
    return None if not whole else round(part / whole, 4)


class Tally:
    """The figures of one group of tickets (a queue, a window, a clerk, an hour, the day)."""

    def __init__(self):
        self.issued = self.called = self.served = self.no_shows = self.cancelled = self.expired = 0
        self.waits = []
        self.services = []
        self.ratings = dict.fromkeys(SCORES, 0)
        self.unrated = 0
        self.appealed = 0  # ratings with an upheld 申诉: out of a clerk's and window's figures, marked in totals
        self.defaulted = 0  # ratings given by the hall's default rule, not by the citizen
        self.outcomes = dict.fromkeys(OUTCOMES, 0)
        self.at_comprehensive = self.at_business = 0

    def add_issue(self):
        self.issued += 1

    def add_wait(self, seconds):
        self.called += 1
        self.waits.append(seconds)

    def add_end(self, row, score, window_class, mark=None):
        status = row["status"]
        if status == "no_show":
            self.no_shows += 1
        elif status == "cancelled":
            self.cancelled += 1
        elif status == "expired":
            self.expired += 1
        if status != "done":
            return
        self.served += 1
        if row["outcome"] in self.outcomes:
            self.outcomes[row["outcome"]] += 1
        if row["started_at"] is not None and row["finished_at"] is not None:
            self.services.append(max(0.0, row["finished_at"] - row["started_at"]))
        if mark in ("upheld", "upheld_out"):
            self.appealed += 1
        if mark == "defaulted":
            self.defaulted += 1
        if mark == "upheld_out":
            pass  # the appeal was upheld: this rating does not count for the clerk or the window
        elif score in self.ratings:
            self.ratings[score] += 1
        else:
            self.unrated += 1
        if window_class in ("comprehensive", "professional"):
            self.at_business += 1
            self.at_comprehensive += window_class == "comprehensive"

    def as_dict(self):
        rated = sum(self.ratings.values())
        return {
            "issued": self.issued, "called": self.called, "served": self.served, "no_shows": self.no_shows,
            "cancelled": self.cancelled, "expired": self.expired,
            "avg_wait_min": _minutes(sum(self.waits) / len(self.waits)) if self.waits else None,
            "max_wait_min": _minutes(max(self.waits)) if self.waits else None,
            "avg_service_min": _minutes(sum(self.services) / len(self.services)) if self.services else None,
            "served_within_15_min": _share(sum(1 for w in self.waits if w <= WITHIN_SECONDS), len(self.waits)),
            "ratings": {**{str(s): self.ratings[s] for s in SCORES}, "unrated": self.unrated},
            "appealed": self.appealed, "defaulted": self.defaulted,
            "avg_rating": round(sum(s * n for s, n in self.ratings.items()) / rated, 2) if rated else None,
            "satisfaction": _share(self.ratings[5] + self.ratings[4] + self.ratings[3], rated),
            "one_window_share": _share(self.at_comprehensive, self.at_business),
            "outcomes": dict(self.outcomes),
        }


# where a ticket counts ----------------------------------------------------------
KIND_ORDER = ("comprehensive", "professional", "output", "help", "consult", "complaint")


def queue_kinds(hall):
    """{queue id: the kind of window that serves it first}: the kind whose configured
    profiles give the queue the largest weight (a comprehensive window that also takes
    professional tickets at weight 0.1 does not make them comprehensive tickets)."""
    best = {}
    for w in hall.windows:
        if w.kind not in KIND_ORDER:
            continue
        for q, weight in w.profile.items():
            key = (weight, -KIND_ORDER.index(w.kind))
            if q not in best or key > best[q][0]:
                best[q] = (key, w.kind)
    return {q: kind for q, (_, kind) in best.items()}


def window_class(hall, window_id, queue_id, kinds=None):
    """'comprehensive', 'professional' or None: how a finish counts for the one-window share."""
    window = hall.window(window_id) if window_id else None
    if window is None:
        return None
    if window.kind in ("comprehensive", "professional"):
        return window.kind
    if window.kind == "tidal":
        home = (kinds or queue_kinds(hall)).get(queue_id)
        return home if home in ("comprehensive", "professional") else None
    return None


def one_window_matter_share(hall):
    """Matters in the one-window scope ÷ business matters (one-window or professional) of the catalog."""
    business = [m for m in hall.matters if m.scope in BUSINESS_SCOPES]
    return {"one_window": sum(1 for m in business if m.scope == "one_window"), "business": len(business),
            "share": _share(sum(1 for m in business if m.scope == "one_window"), len(business))}


def _hour(ts, tz):
    return None if ts is None else datetime.fromtimestamp(ts, tz).strftime("%H:00")


def _wait(row):
    if row["first_called_at"] is None:
        return None
    return max(0.0, row["first_called_at"] - row["first_issued_at"])


class Groups:
    """A Tally per key of each dimension, plus the total."""
    DIMENSIONS = ("queue", "window", "clerk", "hour")

    def __init__(self, hall):
        self.hall = hall
        self.tz = ZoneInfo(hall.timezone)
        self.kinds = queue_kinds(hall)
        self.total = Tally()
        self.comprehensive = Tally()  # tickets that count for the one-window share's numerator
        self.by = {d: defaultdict(Tally) for d in self.DIMENSIONS}

    def add(self, row, score=None, mark=None):
        issued_hour = _hour(row["first_issued_at"], self.tz)
        first_queue = row["first_queue"] or row["queue"]
        self.total.add_issue()
        self.by["queue"][first_queue].add_issue()
        self.by["hour"][issued_hour].add_issue()
        wait = _wait(row)
        if wait is not None:
            targets = [self.total, self.by["queue"][first_queue], self.by["hour"][issued_hour]]
            targets += [self.by[d][row[d]] for d in ("window", "clerk") if row[d]]
            for tally in targets:
                tally.add_wait(wait)
        if row["status"] in ("waiting", "called", "serving"):
            return
        cls = window_class(self.hall, row["window"], row["queue"], self.kinds)
        ended = [self.total, self.by["queue"][row["queue"]]]
        ended.append(self.by["hour"][_hour(row["finished_at"] or row["first_issued_at"], self.tz)])
        if cls == "comprehensive":
            ended.append(self.comprehensive)
        for tally in ended:
            tally.add_end(row, score, cls, mark)
        staff_mark = "upheld_out" if mark == "upheld" else mark
        for tally in [self.by[d][row[d]] for d in ("window", "clerk") if row[d]]:
            tally.add_end(row, score, cls, staff_mark)

    def rows(self, dimension):
        rows = [dict(self._label(dimension, key), **self.by[dimension][key].as_dict()) for key in self._order(dimension)]
        if dimension in ("window", "clerk"):  # tickets are issued to queues, not to windows or people
            for row in rows:
                row["issued"] = None
        return rows

    def _order(self, dimension):
        keys = set(self.by[dimension])
        if dimension == "queue":
            known = [q.id for q in self.hall.queues]
            return [q for q in known if q in keys] + sorted(keys - set(known))
        if dimension == "window":
            known = [w.id for w in self.hall.windows]
            return [w for w in known if w in keys] + sorted(keys - set(known))
        if dimension == "hour":
            return sorted(keys | set(office_hours(self.hall)))
        return sorted(keys)

    def _label(self, dimension, key):
        if dimension == "queue":
            q = self.hall.queue(key)
            return {"queue": key, "name": q.name if q else key}
        if dimension == "window":
            w = self.hall.window(key)
            return {"window": key, "number": w.number if w else None, "kind": w.kind if w else None,
                    "name": (w.name or f"{w.number}号窗口") if w else key}
        return {dimension: key}


def office_hours(hall):
    """'08:00' ... '16:00': every hour the hall's periods touch, so that charts keep their shape."""
    hours = set()
    for start, end in hall.hours.periods:
        h0, h1 = int(start[:2]), int(end[:2]) - (end[3:] == "00")
        hours.update(f"{h:02d}:00" for h in range(h0, h1 + 1))
    return hours


def _summary(hall, groups):
    total = groups.total.as_dict()
    matters = one_window_matter_share(hall)
    return {
        "totals": total,
        "one_window_share": total["one_window_share"],
        "one_window_counts": {"comprehensive": groups.total.at_comprehensive, "business": groups.total.at_business},
        "one_window_matter_share": matters["share"],
        "one_window_matters": {"one_window": matters["one_window"], "business": matters["business"]},
        "served_within_15_min": total["served_within_15_min"],
        "comprehensive_outcomes": dict(groups.comprehensive.outcomes),
    }


def build_groups(hall, tickets, ratings, marks=None):
    """`marks`: {ticket id: "upheld" | "defaulted"} for ratings with an upheld appeal or given by default."""
    groups = Groups(hall)
    marks = marks or {}
    for row in tickets:
        groups.add(row, ratings.get(row["id"]), marks.get(row["id"]))
    return groups


def daily_report(hall, tickets, ratings, day, generated_at=None, marks=None):
    """The day's report: totals, KPIs, and rows per queue, window, clerk and hour."""
    groups = build_groups(hall, tickets, ratings, marks)
    report = {"kind": "daily", "date": day, "hall": hall.name, "timezone": hall.timezone,
              "generated_at": generated_at}
    report.update(_summary(hall, groups))
    report.update({f"{d}s" if d != "clerk" else "clerks": groups.rows(d) for d in Groups.DIMENSIONS})
    return report


def range_report(hall, tickets, ratings, first, last, generated_at=None, marks=None):
    """Like the daily report over several days (hours summed across days), plus one row per day."""
    tickets = list(tickets)
    groups = build_groups(hall, tickets, ratings, marks)
    per_day = defaultdict(list)
    for row in tickets:
        per_day[row["day"]].append(row)
    days = []
    for day in day_list(first, last):
        tally = build_groups(hall, per_day.get(day, ()), ratings, marks)
        days.append(dict({"date": day}, **tally.total.as_dict(),
                         one_window_share_counts=[tally.total.at_comprehensive, tally.total.at_business]))
    report = {"kind": "range", "from": first, "to": last, "hall": hall.name, "timezone": hall.timezone,
              "generated_at": generated_at}
    report.update(_summary(hall, groups))
    report.update({f"{d}s" if d != "clerk" else "clerks": groups.rows(d) for d in Groups.DIMENSIONS})
    report["days"] = days
    return report


def parse_day(text, field="date"):
    """A YYYY-MM-DD date as text, or ValueError with a message naming the field."""
    why = f"{field} 须为 YYYY-MM-DD 格式的日期"
    if not isinstance(text, str) or len(text) != 10:
        raise ValueError(why)
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(why) from None


def day_list(first, last):
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def clerk_today(tickets, ratings, clerk, marks=None):
    """A clerk's own figures over the day's rows: served, no-shows, average service, ratings."""
    tally = Tally()
    for row in tickets:
        if row["clerk"] != clerk:
            continue
        if row["first_called_at"] is not None:
            tally.add_wait(max(0.0, row["first_called_at"] - row["first_issued_at"]))
        if row["status"] in ("done", "no_show"):
            mark = (marks or {}).get(row["id"])
            tally.add_end(row, ratings.get(row["id"]), None, "upheld_out" if mark == "upheld" else mark)
    figures = tally.as_dict()
    return {key: figures[key] for key in ("served", "no_shows", "avg_service_min", "avg_wait_min", "ratings",
                                          "avg_rating", "satisfaction", "outcomes")}
