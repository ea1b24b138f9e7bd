"""Working days on the hall's calendar: the hall's days of the week
(`[hours] workdays`, Monday = 0), minus its holidays, plus its make-up working
days (调休). Pure functions of dates and a Calendar (any object with
`weekdays`, `holidays` and `workdays`); `is_working_day` is the one test that
hours, case deadlines, follow-up deadlines and reports all use."""
from __future__ import annotations

from datetime import date, timedelta

# A run of more days off than this is a broken calendar, not a hall: stop
# instead of looping for ever (a hall with no weekday open and no make-up day).
MAX_DAYS_OFF = 366


def is_working_day(day, calendar):
    text = day.isoformat()
    if text in calendar.workdays:
        return True
    if text in calendar.holidays:
        return False
    return day.weekday() in calendar.weekdays


def next_working_day(day, calendar, step=1):
    """`day` if it is a working day, else the first working day after it
    (before it with step=-1)."""
    for _ in range(MAX_DAYS_OFF):
        if is_working_day(day, calendar):
            return day
        day += timedelta(days=step)
    raise ValueError(f"no working day within {MAX_DAYS_OFF} days of {day.isoformat()}")


def add_working_days(start, days, calendar):
    """The date `days` working days after `start` (a date). 0 -> `start` if it
    is a working day, else the next working day."""
    day = start
    if days <= 0:
        return next_working_day(day, calendar)
    for _ in range(days):
        day = next_working_day(day + timedelta(days=1), calendar)
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
    day = next_working_day(end, calendar, step=-1)
    for _ in range(days):
        day = next_working_day(day - timedelta(days=1), calendar, step=-1)
    return day


def parse(text):
    return date.fromisoformat(text)
