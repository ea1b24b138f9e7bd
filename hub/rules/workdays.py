"""Working days on the hall's calendar: weekends off, public holidays off,
make-up working days (调休) on. Pure functions of dates and a Calendar."""
from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day, calendar):
    text = day.isoformat()
    if text in calendar.workdays:
        return True
    if text in calendar.holidays:
        return False
    return day.weekday() < 5


def add_working_days(start, days, calendar):
    """The date `days` working days after `start` (a date). 0 -> `start` if it
    is a working day, else the next working day."""
    day = start
    if days <= 0:
        while not is_working_day(day, calendar):
            day += timedelta(days=1)
        return day
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            remaining -= 1
    return day


def working_days_between(start, end, calendar):
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            count += 1
    return count


def working_days_before(end, days, calendar):
    """The working day that has exactly `days` working days after it up to and
    including `end`: 0 -> `end` itself (or the last working day before it)."""
    day = end
    while not is_working_day(day, calendar):
        day -= timedelta(days=1)
    remaining = days
    while remaining > 0:
        day -= timedelta(days=1)
        if is_working_day(day, calendar):
            remaining -= 1
    return day


def parse(text):
    return date.fromisoformat(text)
