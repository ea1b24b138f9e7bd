"""The rows behind the reports: tickets and ratings of a range of days, the
cases of a range, the stored day summaries, the audit log. The figures
themselves are pure functions (hub.service.reports, case_reports, day_summary)."""
from __future__ import annotations

from hub.rules.clock import hall_date, iso
from hub.service import day_summary, reports
from hub.service.booking_report import booking_figures
from hub.service.case_reports import case_report

TICKET_COLUMNS = ("id, day, queue, first_queue, matter, status, priority, first_issued_at, first_called_at, "
                  "started_at, finished_at, window, clerk, outcome")


def ticket_rows(db, first, last):
    """Tickets of the days first..last with their scores: ({...rows}, {ticket id: score})."""
    tickets = db.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE day BETWEEN ? AND ? ORDER BY id",
                         (first, last)).fetchall()
    ratings = {r[0]: r[1] for r in db.execute(
        "SELECT r.ticket_id, r.score FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
        "WHERE t.day BETWEEN ? AND ?", (first, last))}
    return tickets, ratings


def rating_marks(db, first, last):
    """{ticket id: "upheld" | "defaulted"}: ratings whose 申诉 was upheld, or given by the default rule."""
    return {r[0]: "upheld" if r[1] == "upheld" else "defaulted" for r in db.execute(
        "SELECT r.ticket_id, r.appeal, r.defaulted FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
        "WHERE t.day BETWEEN ? AND ? AND (r.appeal = 'upheld' OR r.defaulted = 1)", (first, last))}


class Reports:
    def __init__(self, hall, store, clock, closed_day):
        self.hall, self.store, self.clock = hall, store, clock
        self.closed_day = closed_day  # () -> the last day closed, from the hall's operations

    def _rows(self, first, last):
        with self.store.reading() as conn:
            return ticket_rows(conn, first, last)

    def _marks(self, first, last):
        with self.store.reading() as conn:
            return rating_marks(conn, first, last)

    def _appointments(self, first, last):
        """The bookings of the days first..last in figures (hub/service/booking_report.py)."""
        with self.store.reading() as conn:
            bookings = conn.execute("SELECT state, start, checked_in_at, ticket_id FROM bookings"
                                    " WHERE day BETWEEN ? AND ?", (first, last)).fetchall()
            called = {r[0]: r[1] for r in conn.execute(
                "SELECT t.id, t.first_called_at FROM tickets t JOIN bookings b ON b.ticket_id = t.id"
                " WHERE b.day BETWEEN ? AND ?", (first, last))}
        return booking_figures(bookings, called)

    def _now(self):
        now = self.clock.now()
        return now, iso(now, self.hall.timezone)

    def today(self):
        return hall_date(self.clock.now(), self.hall.timezone)

    def daily(self, day):
        _, generated = self._now()
        report = reports.daily_report(self.hall, *self._rows(day, day), day, generated_at=generated,
                                      marks=self._marks(day, day))
        report["appointments"] = self._appointments(day, day)
        return report

    def range(self, first, last):
        _, generated = self._now()
        report = reports.range_report(self.hall, *self._rows(first, last), first, last, generated_at=generated,
                                      marks=self._marks(first, last))
        report["appointments"] = self._appointments(first, last)
        return report

    def clerk_today(self, name):
        day = self.today()
        return dict({"user": name, "date": day}, **reports.clerk_today(*self._rows(day, day), name,
                                                                        marks=self._marks(day, day)))

    def cases(self, first, last, today):
        """The case report (办件统计) of cases accepted first..last (dates)."""
        first, last = first.isoformat(), last.isoformat()
        rows = self.store.query("SELECT * FROM cases WHERE accepted_on BETWEEN ? AND ? ORDER BY id", (first, last))
        corrections = {r["case_id"]: r["n"] for r in self.store.query(
            "SELECT h.case_id, COUNT(*) AS n FROM case_history h JOIN cases c ON c.id = h.case_id "
            "WHERE h.action='return' AND c.accepted_on BETWEEN ? AND ? GROUP BY h.case_id", (first, last))}
        _, generated = self._now()
        return case_report(self.hall, rows, corrections, first, last, today, generated_at=generated)

    def days(self, first, last):
        """The day summaries written at closing, plus today's running figures while it is open."""
        tz = self.hall.timezone
        today = self.today()
        with self.store.reading() as conn:
            found = [dict(s, closed_at=iso(s["closed_at"], tz), final=True)
                     for s in day_summary.stored(conn, first, last)]
            if first <= today <= last and self.closed_day() != today and today not in {s["day"] for s in found}:
                live = day_summary.summarize(today, *day_summary.day_rows(conn, today))
                found.append(dict(live, closed_at=None, final=False))
        return found

    def audit(self, limit):
        rows = self.store.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [{"at": iso(r["at"], self.hall.timezone), "user": r["user"], "action": r["action"],
                 "target": r["target"], "ip": r["ip"], "detail": r["detail"]} for r in rows]
