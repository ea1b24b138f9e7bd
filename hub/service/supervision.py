"""统一督办: cases due within one working day and overdue ones, per
department; alerts at the hall's configured points, each fired once.

`Supervision.check_alerts()` is what the hub's background rhythm calls (and a
manager can trigger through POST /api/cases/check-alerts). A fired alert is
remembered per (case, point, deadline): a case whose deadline moved because
it was returned for correction gets its reminders again for the new date.
"""
from __future__ import annotations

import logging

from hub.rules import cases as rules
from hub.service.cases import case_from_row

log = logging.getLogger("hallq.cases")
OPEN_STATES = ("accepted", "in_review", "returned", "approved", "rejected", "ready")


class Supervision:
    def __init__(self, hall, store, changes, cases):
        self.hall, self.store, self.changes, self.cases = hall, store, changes, cases

    def _open_rows(self):
        marks = ",".join("?" * len(OPEN_STATES))
        return self.store.query(f"SELECT * FROM cases WHERE state IN ({marks}) ORDER BY deadline, id", OPEN_STATES)

    def summary(self):
        """Per department: open cases by where they stand, with the due and overdue lists."""
        today = self.cases.today()
        departments = {}
        for row in self._open_rows():
            v = self.cases.view(row, today)
            d = departments.setdefault(row["department"], {
                "department": row["department"], "open": 0, "on_track": 0, "due_soon": 0, "overdue": 0,
                "returned": 0, "decided": 0, "ready": 0, "due_soon_cases": [], "overdue_cases": []})
            d["open"] += 1
            standing = v["standing"]
            if standing == "stopped":
                d["returned"] += 1
            elif standing == "decided":
                d["ready" if row["state"] == "ready" else "decided"] += 1
            else:
                d[standing] += 1
            if standing in ("due_soon", "overdue"):
                d[f"{standing}_cases"].append(v)
        for d in departments.values():
            d["overdue_cases"].sort(key=lambda v: (v["days_left"], v["id"]))
        ordered = sorted(departments.values(), key=lambda d: (-d["overdue"], -d["due_soon"], d["department"]))
        keys = ("open", "on_track", "due_soon", "overdue", "returned", "decided", "ready")
        return {"today": today.isoformat(), "alert_days": list(self.hall.rules.case_alert_days),
                "totals": {k: sum(d[k] for d in ordered) for k in keys}, "departments": ordered}

    def overdue(self, department=None):
        today = self.cases.today()
        out = []
        for row in self._open_rows():
            if department and row["department"] != department:
                continue
            v = self.cases.view(row, today)
            if v["standing"] == "overdue":
                out.append(v)
        out.sort(key=lambda v: (v["department"], v["days_left"], v["id"]))
        return out

    def check_alerts(self):
        """Fire the supervision alerts that have come due; returns what fired."""
        fired = self.changes.run(self._fire)
        if fired:
            log.info("case alerts: %s", ", ".join(f"{f['number']}:{f['point']}" for f in fired))
        return fired

    def _fire(self, c):
        hall, cases = self.hall, self.cases
        today = cases.today(c.now)
        fired = []
        marks = ",".join("?" * len(rules.RUNNING))
        for row in c.execute(f"SELECT * FROM cases WHERE state IN ({marks})", tuple(rules.RUNNING)).fetchall():
            case = case_from_row(row)
            fire, passed = rules.alert_due(case, hall.calendar, today, hall.rules.case_alert_days)
            if not passed:
                continue
            due = rules.deadline(case, hall.calendar).isoformat()
            known = {r["point"] for r in c.execute(
                "SELECT point FROM case_alerts WHERE case_id=? AND deadline=?", (row["id"], due))}
            new = [p for p in passed if p not in known]
            if not new:
                continue
            for point in new:
                c.execute("INSERT INTO case_alerts (case_id, point, deadline, at, fired) VALUES (?,?,?,?,?)",
                          (row["id"], point, due, c.now, 1 if point == fire else 0))
            if fire not in new:
                continue
            v = cases.view(row, today)
            message = alert_message(v, fire)
            kind = "case_overdue" if fire == "overdue" else "case_due"
            cases.note_in(c, row["id"], None, "alert", row["state"], message)
            c.emit("alert", {"kind": kind, "message": message, "point": fire, "department": row["department"],
                             "case": cases.summary(row, today)}, ticket_id=row["ticket_id"], public=False)
            fired.append({"case": row["id"], "number": row["number"], "point": fire, "message": message})
        return fired


def alert_message(v, point):
    what = f"办件 {v['number']} ({v['matter_name']}, {v['department']})"
    if point == "overdue":
        return f"超期督办: {what} 已超过承诺期限 {v['deadline']}, 超期 {-v['days_left']} 个工作日"
    days = int(point[1:])
    if days == 0:
        return f"督办提醒: {what} 今天 ({v['deadline']}) 到期"
    return f"督办提醒: {what} 距承诺期限 {v['deadline']} 还有 {v['days_left']} 个工作日"
