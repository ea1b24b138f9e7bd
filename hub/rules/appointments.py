"""Appointments (预约): the slots of a day, whether a booking may be made, and
whether a check-in is early, on time or late. Pure functions of dates, the
hall's settings and `now`; the service keeps the bookings.

A slot is a (start, end) pair of unix times inside one of the hall's opening
periods on a working day; its capacity is the matter's (or the default).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.rules.workdays import is_working_day

# why a booking is refused: the code of the error the citizen reads
PAST, TOO_FAR, CUT_OFF, NOT_A_SLOT, BLACKOUT, CLOSED_DAY, NOT_BOOKABLE, BLOCKED = (
    "slot_past", "slot_too_far", "slot_cut_off", "not_a_slot", "blackout", "closed_day", "not_bookable",
    "booking_blocked")
EARLY, ON_TIME, LATE = "early", "on_time", "late"


@dataclass(frozen=True)
class Blackout:
    """A manager's closure of booking: days `first` to `last` inclusive (YYYY-MM-DD)."""
    id: int
    first: str
    last: str
    reason: str

    def covers(self, day):
        return self.first <= day <= self.last


def day_slots(day, periods, slot_minutes, tz):
    """The slots of `day` (a date): each opening period cut into slot_minutes
    pieces; a piece that would run past the period's end is dropped."""
    zone = ZoneInfo(tz)
    step = timedelta(minutes=slot_minutes)
    slots = []
    for begin, end in periods:
        start = datetime.combine(day, _time(begin), zone)
        stop = datetime.combine(day, _time(end), zone)
        while start + step <= stop:
            slots.append((start.timestamp(), (start + step).timestamp()))
            start += step
    return slots


def open_day(day, calendar, blackouts=()):
    """None if slots may be booked on `day`, else why not (CLOSED_DAY or BLACKOUT)."""
    if not is_working_day(day, calendar):
        return CLOSED_DAY
    if any(b.covers(day.isoformat()) for b in blackouts):
        return BLACKOUT
    return None


def booking_refusal(start, now, settings, tz):
    """None if a slot starting at `start` may still be booked at `now`, else the reason."""
    if start <= now:
        return PAST
    if start - now < settings.cutoff_minutes * 60:
        return CUT_OFF
    today = datetime.fromtimestamp(now, ZoneInfo(tz)).date()
    slot_day = datetime.fromtimestamp(start, ZoneInfo(tz)).date()
    if (slot_day - today).days > settings.days_ahead:
        return TOO_FAR
    return None


def checkin_timing(start, now, settings):
    """EARLY, ON_TIME or LATE for a check-in at `now` to a slot starting at `start`."""
    if now < start - settings.checkin_before_minutes * 60:
        return EARLY
    if now > start + settings.checkin_after_minutes * 60:
        return LATE
    return ON_TIME


def checkin_opens_at(start, settings):
    return start - settings.checkin_before_minutes * 60


def missed(start, now, settings):
    """A booking not checked in by now is a no-show once its check-in window has closed."""
    return now > start + settings.checkin_after_minutes * 60


def blocked_until(no_show_times, now, settings):
    """The time until which a person with these no-shows may not book, or None.

    `no_show_limit` no-shows within the last `block_days` block new bookings
    until `block_days` after the latest of them."""
    if settings.no_show_limit <= 0:
        return None
    window = settings.block_days * 86400
    recent = sorted(t for t in no_show_times if now - t <= window)
    if len(recent) < settings.no_show_limit:
        return None
    return recent[-1] + window


def days_open_for_booking(today, settings, calendar, blackouts=()):
    """The dates from today to `days_ahead` days on on which slots may be booked."""
    days = []
    for offset in range(settings.days_ahead + 1):
        day = today + timedelta(days=offset)
        if open_day(day, calendar, blackouts) is None:
            days.append(day)
    return days


def mask_phone(phone):
    """138****5678: the first three and the last four digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "****"


def mask_name(name):
    """张*三 / 李*: the family name and the last character."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _time(text):
    hours, minutes = text.split(":")
    return datetime.min.replace(hour=int(hours), minute=int(minutes)).time()


def parse_day(text):
    return date.fromisoformat(text)
