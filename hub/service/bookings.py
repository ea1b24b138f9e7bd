"""Appointments (预约): slots with their places left, booking and cancelling,
the guide desk's list, blackouts, check-in at the kiosk, no-shows and the
deletion of old bookings.

A booking's code is what the citizen types at the kiosk or carries as a QR;
only its SHA-256 is stored, and so is the phone's (the masked number is kept
for display). Places are counted inside the booking's own BEGIN IMMEDIATE
transaction, so two phones taking the last place get one 201 and one 409.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.rules import appointments as slots_
from hub.rules.clock import hall_date, iso
from hub.service.booking_errors import BookingError
from hub.service import ticket_rows as rows_
from hub.service.views import ticket_public, window_numbers

CODE_DIGITS = 8
TAKEN = ("booked", "checked_in", "no_show")  # states that hold their place
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def code_hash(code):
    return hashlib.sha256(("booking:" + code).encode()).hexdigest()


def phone_hash(phone):
    return hashlib.sha256(("phone:" + phone).encode()).hexdigest()


def normal_code(code):
    """The code as typed or scanned: digits only (spaces and dashes dropped)."""
    return re.sub(r"[\s-]", "", code) if isinstance(code, str) else ""


def normal_phone(phone):
    digits = re.sub(r"[\s-]", "", phone)
    return digits[3:] if digits.startswith("+86") else digits


class Bookings:
    def __init__(self, hall, store, clock, changes, tickets):
        self.hall, self.store, self.clock, self.changes, self.tickets = hall, store, clock, changes, tickets
        self.numbers = window_numbers(hall)

    @property
    def settings(self):
        return self.hall.appointments

    # reading ----------------------------------------------------------------------
    def bookable(self, matter_id):
        matter = self.hall.matter(matter_id) if isinstance(matter_id, str) else None
        if matter is None:
            raise BookingError(404, "unknown_matter", id=matter_id)
        if matter.id not in self.settings.matters:
            raise BookingError(422, "not_bookable", matter=matter.name)
        return matter

    def matters(self):
        """The matters that take bookings, with the days open for booking."""
        today = self._today()
        days = slots_.days_open_for_booking(today, self.settings, self.hall.calendar, self.blackout_rules())
        out = []
        for matter_id in self.settings.matters:
            m = self.hall.matter(matter_id)
            out.append({"id": m.id, "name": m.name, "name_en": m.name_en, "department": m.department,
                        "capacity": self.settings.capacity_of(m.id)})
        return {"matters": out, "days": [d.isoformat() for d in days], "slot_minutes": self.settings.slot_minutes,
                "days_ahead": self.settings.days_ahead}

    def slots(self, matter_id, day_text):
        matter = self.bookable(matter_id)
        day = _day(day_text, "date")
        if slots_.open_day(day, self.hall.calendar, self.blackout_rules()) is not None:
            return {"slots": [], "closed": True}
        now = self.clock.now()
        capacity = self.settings.capacity_of(matter.id)
        taken = self._taken(matter.id, day.isoformat())
        out = []
        for start, end in slots_.day_slots(day, self.hall.hours.periods, self.settings.slot_minutes,
                                           self.hall.timezone):
            left = max(0, capacity - taken.get(start, 0))
            refusal = slots_.booking_refusal(start, now, self.settings, self.hall.timezone)
            out.append({"start": iso(start, self.hall.timezone), "end": iso(end, self.hall.timezone),
                        "capacity": capacity, "left": 0 if refusal else left, "open": refusal is None})
        return {"slots": out, "closed": False}

    def by_code(self, code):
        row = self.store.query_one("SELECT * FROM bookings WHERE code_hash=?", (code_hash(normal_code(code)),))
        if row is None:
            raise BookingError(404, "unknown_booking")
        return self._view(row)

    def day_list(self, day_text):
        """The guide desk's list of a day's bookings: names and phones masked."""
        day = _day(day_text, "date")
        if not self.store.read_only:
            self.mark_no_shows()
        rows = self.store.query("SELECT * FROM bookings WHERE day=? ORDER BY start, id", (day.isoformat(),))
        return {"date": day.isoformat(), "appointments": [self._view(r, staff=True) for r in rows]}

    def blackout_rules(self):
        rows = self.store.query("SELECT id, first, last, reason FROM blackouts WHERE removed_at IS NULL")
        return [slots_.Blackout(r["id"], r["first"], r["last"], r["reason"]) for r in rows]

    def blackouts(self):
        return {"blackouts": [{"id": b.id, "from": b.first, "to": b.last, "reason": b.reason}
                              for b in self.blackout_rules()]}

    def due_within(self, now, horizon_s):
        """(matter, slot start) of the bookings not yet checked in whose slots start
        before now + horizon_s: the ETA counts them as they will be called first."""
        rows = self.store.query("SELECT matter, start FROM bookings WHERE state='booked' AND start < ? AND end > ?",
                                (now + horizon_s, now))
        return [(r["matter"], r["start"]) for r in rows]

    # changing ---------------------------------------------------------------------
    def book(self, matter_id, start_text, name, phone):
        matter = self.bookable(matter_id)
        name, phone = (name or "").strip(), normal_phone(phone or "")
        if not name or len(name) > 32:
            raise BookingError(422, "bad_field", field="name", why=("须为 1 到 32 个字", "must be 1 to 32 characters"))
        if not _PHONE.match(phone):
            raise BookingError(422, "bad_phone")
        start = self._slot_start(start_text, matter)

        def work(c):
            self._mark_missed(c)
            self._check_not_blocked(c, phone)
            taken = c.execute("SELECT COUNT(*) FROM bookings WHERE matter=? AND start=? AND state IN (?,?,?)",
                              (matter.id, start, *TAKEN)).fetchone()[0]
            if taken >= self.settings.capacity_of(matter.id):
                raise BookingError(409, "slot_full")
            code = self._new_code(c)
            end = start + self.settings.slot_minutes * 60
            cur = c.execute(
                "INSERT INTO bookings (code_hash, matter, day, start, end, name, phone_hash, phone_masked, state,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?, 'booked', ?, ?)",
                (code_hash(code), matter.id, hall_date(start, self.hall.timezone), start, end, name,
                 phone_hash(phone), slots_.mask_phone(phone), c.now, c.now))
            c.emit("appointment.booked", {"appointment": {"id": cur.lastrowid, "matter": matter.id,
                                                          "start": iso(start, self.hall.timezone)}}, public=False)
            return cur.lastrowid, code

        booking_id, code = self.changes.run(work)
        return {"id": booking_id, "code": code, "matter": matter.id, "matter_name": matter.name,
                "start": iso(start, self.hall.timezone),
                "end": iso(start + self.settings.slot_minutes * 60, self.hall.timezone),
                "phone": slots_.mask_phone(phone), "manage_url": self.manage_url(code),
                "checkin_from": iso(slots_.checkin_opens_at(start, self.settings), self.hall.timezone)}

    def cancel(self, booking_id, code, actor=None):
        def work(c):
            row = c.execute("SELECT * FROM bookings WHERE id=?", (booking_id,)).fetchone()
            staff = actor is not None and actor.is_staff
            if row is None or not (staff or row["code_hash"] == code_hash(normal_code(code))):
                raise BookingError(404, "unknown_booking")
            if row["state"] != "booked":
                raise BookingError(409, "booking_state", state=row["state"])
            c.execute("UPDATE bookings SET state='cancelled', updated_at=? WHERE id=?", (c.now, booking_id))
            c.emit("appointment.cancelled", {"appointment": {"id": booking_id, "matter": row["matter"]}},
                   public=False)
            if staff:
                c.audit(actor, "appointment.cancel", str(booking_id))
            return dict(row, state="cancelled")

        return self._view(self.changes.run(work))

    def add_blackout(self, first_text, last_text, reason, actor):
        first, last = _day(first_text, "from"), _day(last_text, "to")
        if last < first:
            raise BookingError(422, "bad_field", field="to", why=("不能早于开始日期", "must not be before the first day"))
        reason = (reason or "").strip()
        if not reason or len(reason) > 200:
            raise BookingError(422, "bad_field", field="reason", why=("须写明原因 (200 字以内)", "give the reason (at most 200 characters)"))

        def work(c):
            cur = c.execute("INSERT INTO blackouts (first, last, reason, user, created_at) VALUES (?,?,?,?,?)",
                            (first.isoformat(), last.isoformat(), reason, actor.audit_name, c.now))
            affected = c.execute("SELECT * FROM bookings WHERE state='booked' AND day BETWEEN ? AND ?"
                                 " ORDER BY start", (first.isoformat(), last.isoformat())).fetchall()
            c.emit("appointment.blackout", {"blackout": {"id": cur.lastrowid, "from": first.isoformat(),
                                                         "to": last.isoformat(), "reason": reason},
                                            "affected": len(affected)}, public=False)
            c.audit(actor, "appointment.blackout", f"{first.isoformat()}..{last.isoformat()}", reason)
            return cur.lastrowid, affected

        blackout_id, affected = self.changes.run(work)
        return {"id": blackout_id, "from": first.isoformat(), "to": last.isoformat(), "reason": reason,
                "affected": [self._view(r, staff=True) for r in affected]}

    def remove_blackout(self, blackout_id, actor):
        def work(c):
            done = c.execute("UPDATE blackouts SET removed_at=? WHERE id=? AND removed_at IS NULL",
                             (c.now, blackout_id)).rowcount
            if not done:
                raise BookingError(404, "unknown_blackout", id=blackout_id)
            c.emit("appointment.blackout_removed", {"blackout": {"id": blackout_id}}, public=False)
            c.audit(actor, "appointment.blackout_remove", str(blackout_id))

        self.changes.run(work)
        return self.blackouts()

    def check_in(self, code, actor=None, printer=None):
        """The kiosk's check-in: a ticket with priority `appointment`, due at the slot's start."""
        self.tickets.check_open()
        wanted = code_hash(normal_code(code))

        def work(c):
            row = c.execute("SELECT * FROM bookings WHERE code_hash=?", (wanted,)).fetchone()
            if row is None:
                raise BookingError(404, "unknown_booking")
            if row["state"] == "checked_in":
                raise BookingError(409, "already_checked_in")
            if row["state"] != "booked":
                raise BookingError(409, "booking_state", state=row["state"])
            timing = slots_.checkin_timing(row["start"], c.now, self.settings)
            if timing == slots_.EARLY:
                raise BookingError(422, "checkin_early",
                                at=_clock(slots_.checkin_opens_at(row["start"], self.settings), self.hall.timezone))
            late = timing == slots_.LATE
            if late and self.settings.late != "normal":
                raise BookingError(422, "checkin_late", start=_clock(row["start"], self.hall.timezone))
            matter = self.hall.matter(row["matter"])
            priority, due = ("normal", None) if late else ("appointment", row["start"])
            t = rows_.insert(c, c.now, self.hall.timezone, matter.queue, matter.id, None, priority, due)
            c.execute("UPDATE bookings SET state=?, ticket_id=?, checked_in_at=?, updated_at=? WHERE id=?",
                      ("late" if late else "checked_in", t.id, c.now, c.now, row["id"]))
            c.emit("ticket.issued", {"ticket": ticket_public(self.hall, t, self.numbers), "printer": printer,
                                     "appointment": row["id"]}, ticket_id=t.id, public=False)
            c.emit("appointment.checked_in", {"appointment": {"id": row["id"], "matter": matter.id,
                                                              "late": late, "ticket": t.number}}, public=False)
            if actor is not None and actor.is_staff:
                c.audit(actor, "appointment.checkin", t.number, str(row["id"]))
            return t, late

        t, late = self.changes.run(work)
        view = self.tickets.issued_view(t)
        view["appointment_late"] = late
        return view

    def mark_no_shows(self):
        """Bookings whose check-in window has closed unused become no-shows (every 30 s, and
        before a booking or the day's list is read, so both always see them)."""
        return self.changes.run(self._mark_missed)

    def _mark_missed(self, c):
        closed_before = c.now - self.settings.checkin_after_minutes * 60
        rows = c.execute("SELECT id, matter FROM bookings WHERE state='booked' AND start < ?",
                         (closed_before,)).fetchall()
        for r in rows:
            c.execute("UPDATE bookings SET state='no_show', updated_at=? WHERE id=?", (c.now, r["id"]))
            c.emit("appointment.no_show", {"appointment": {"id": r["id"], "matter": r["matter"]}}, public=False)
        return len(rows)

    def purge(self):
        """Bookings (names, phone hashes) past the hall's retention are deleted."""
        last_day = (self._today() - timedelta(days=self.settings.retention_days)).isoformat()

        def work(c):
            return c.execute("DELETE FROM bookings WHERE day < ? AND state != 'booked'", (last_day,)).rowcount

        return self.changes.run(work)

    # helpers ----------------------------------------------------------------------
    def manage_url(self, code):
        return f"{self.hall.public_url.rstrip('/')}/b/{code}"

    def today(self):
        return self._today().isoformat()

    def _today(self):
        return date.fromisoformat(hall_date(self.clock.now(), self.hall.timezone))

    def _taken(self, matter_id, day):
        rows = self.store.query("SELECT start, COUNT(*) AS n FROM bookings WHERE matter=? AND day=?"
                                " AND state IN (?,?,?) GROUP BY start", (matter_id, day, *TAKEN))
        return {r["start"]: r["n"] for r in rows}

    def _slot_start(self, start_text, matter):
        try:
            start_dt = datetime.fromisoformat(start_text) if isinstance(start_text, str) else None
        except ValueError:
            start_dt = None
        if start_dt is None:
            raise BookingError(422, "bad_field", field="start", why=("须为时段开始时间, 如 2026-12-08T09:00:00+08:00", "must be a slot's start, e.g. 2026-12-08T09:00:00+08:00"))
        if start_dt.tzinfo is None:
            start_dt = start_dt.replace(tzinfo=ZoneInfo(self.hall.timezone))
        start = start_dt.timestamp()
        day = datetime.fromtimestamp(start, ZoneInfo(self.hall.timezone)).date()
        closed = slots_.open_day(day, self.hall.calendar, self.blackout_rules())
        if closed is not None:
            raise BookingError(422, closed, date=day.isoformat())
        starts = {s for s, _ in slots_.day_slots(day, self.hall.hours.periods, self.settings.slot_minutes,
                                                 self.hall.timezone)}
        if start not in starts:
            raise BookingError(422, slots_.NOT_A_SLOT, start=start_text)
        refusal = slots_.booking_refusal(start, self.clock.now(), self.settings, self.hall.timezone)
        if refusal is not None:
            raise BookingError(422, refusal, days=self.settings.days_ahead, minutes=self.settings.cutoff_minutes)
        return start

    def _check_not_blocked(self, c, phone):
        rows = c.execute("SELECT start FROM bookings WHERE phone_hash=? AND state='no_show'",
                         (phone_hash(phone),)).fetchall()
        until = slots_.blocked_until([r["start"] for r in rows], c.now, self.settings)
        if until is not None:
            raise BookingError(403, slots_.BLOCKED, until=hall_date(until, self.hall.timezone),
                            limit=self.settings.no_show_limit)
        active = c.execute("SELECT COUNT(*) FROM bookings WHERE phone_hash=? AND state='booked'",
                           (phone_hash(phone),)).fetchone()[0]
        limit = max(3, len(self.settings.matters))
        if active >= limit:
            raise BookingError(409, "too_many_bookings", limit=limit)

    def _new_code(self, c):
        for _ in range(20):
            code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
            if c.execute("SELECT 1 FROM bookings WHERE code_hash=?", (code_hash(code),)).fetchone() is None:
                return code
        raise BookingError(503, "busy")

    def _view(self, row, staff=False):
        m = self.hall.matter(row["matter"])
        view = {"id": row["id"], "matter": row["matter"], "matter_name": m.name if m else row["matter"],
                "start": iso(row["start"], self.hall.timezone), "end": iso(row["end"], self.hall.timezone),
                "state": row["state"], "phone": row["phone_masked"],
                "name": row["name"] if staff else slots_.mask_name(row["name"])}
        if staff:
            view["checked_in_at"] = iso(row["checked_in_at"], self.hall.timezone)
            view["ticket_id"] = row["ticket_id"]
        return view


def _day(text, field):
    try:
        if isinstance(text, str) and len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BookingError(422, "bad_field", field=field, why=("须为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"))


def _clock(ts, tz):
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%H:%M")
