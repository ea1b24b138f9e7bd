"""Case figures for a period (by acceptance date), per department and matter:
accepted, decided, on time (按时办结率), average working days taken, overdue.

Definitions (docs/cases.md):
- decided: approved or rejected (办结 is the department's decision; handing
  the result out comes after and does not move the figure).
- on time: decided on or before the deadline, the deadline counting the days
  stopped for correction. `on_time_rate` = on time / decided (None if none).
- working days taken: from acceptance to decision on the hall's calendar,
  minus the days stopped for correction; averaged over the decided cases.
- overdue: not decided, clock running, and today past the deadline.
"""
from __future__ import annotations

from hub.rules import cases as rules
from hub.service.cases import case_from_row

FIGURES = ("accepted", "decided", "approved", "rejected", "on_time", "late", "on_time_rate",
           "avg_working_days", "open", "overdue", "returned", "delivered")


class Tally:
    def __init__(self):
        self.n = dict.fromkeys(("accepted", "decided", "approved", "rejected", "on_time", "late", "open",
                                "overdue", "returned", "delivered"), 0)
        self.days = []

    def add(self, case, row, corrections, calendar, today):
        n = self.n
        n["accepted"] += 1
        if corrections:
            n["returned"] += 1
        if row["state"] in rules.CLOSED:
            n["delivered"] += 1
        if case.decided_on is None:
            n["open"] += 1
            if rules.standing(case, calendar, today) == "overdue":
                n["overdue"] += 1
            return
        n["decided"] += 1
        n["rejected" if case.reason else "approved"] += 1
        n["on_time" if rules.on_time(case, calendar) else "late"] += 1
        self.days.append(rules.working_days_taken(case, calendar, case.decided_on))

    def as_dict(self):
        out = dict(self.n)
        out["on_time_rate"] = round(self.n["on_time"] / self.n["decided"], 4) if self.n["decided"] else None
        out["avg_working_days"] = round(sum(self.days) / len(self.days), 2) if self.days else None
        return out


def case_report(hall, rows, corrections, first, last, today, generated_at=None):
    """`rows`: case rows accepted from `first` to `last` (dates as text);
    `corrections`: case id -> how many times it was returned."""
    total, departments, matters = Tally(), {}, {}
    for row in rows:
        case = case_from_row(row)
        times = corrections.get(row["id"], 0)
        total.add(case, row, times, hall.calendar, today)
        departments.setdefault(row["department"], Tally()).add(case, row, times, hall.calendar, today)
        matters.setdefault(row["matter"], Tally()).add(case, row, times, hall.calendar, today)
    matter_rows = []
    for matter_id, tally in matters.items():
        m = hall.matter(matter_id)
        matter_rows.append({"matter": matter_id, "name": m.name if m else matter_id,
                            "department": m.department if m else "", **tally.as_dict()})
    return {
        "kind": "cases", "hall": hall.name, "from": first, "to": last, "today": today.isoformat(),
        "generated_at": generated_at, "totals": total.as_dict(),
        "departments": [{"department": d, **t.as_dict()} for d, t in sorted(departments.items())],
        "matters": sorted(matter_rows, key=lambda r: (r["department"], r["matter"])),
    }
