"""Clocks. The rules take `now` as a number; these decide where it comes from.

`FileClock` reads the time from a file (a unix time), so that training runs
and tests can move the hall through a day without touching the system clock.
"""
from __future__ import annotations

import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.rules.workdays import is_working_day


class SystemClock:
    def now(self):
        return time.time()


class FixedClock:
    def __init__(self, at):
        self.at = float(at)

    def now(self):
        return self.at

    def advance(self, seconds):
        self.at += seconds


class FileClock:
    """The time written in a file; re-read when the file changes."""

    def __init__(self, path):
        self.path = path
        self._mtime = None
        self._value = time.time()

    def now(self):
        try:
            mtime = os.stat(self.path).st_mtime_ns
            if mtime != self._mtime:
                with open(self.path) as f:
                    self._value = float(f.read().strip())
                self._mtime = mtime
        except (OSError, ValueError):
            pass
        return self._value


def local(now, tz):
    return datetime.fromtimestamp(now, ZoneInfo(tz))


def hall_date(now, tz):
    """The hall's calendar date at `now`, as YYYY-MM-DD."""
    return local(now, tz).strftime("%Y-%m-%d")


def iso(now, tz):
    return None if now is None else local(now, tz).isoformat(timespec="seconds")


def within_hours(now, tz, periods, calendar=None):
    """Whether `now` falls in the hall's opening periods, on one of its working
    days when a calendar is given (hub/rules/workdays.py)."""
    t = local(now, tz)
    if calendar is not None and not is_working_day(t.date(), calendar):
        return False
    hhmm = t.strftime("%H:%M")
    return any(start <= hhmm < end for start, end in periods)


def closing_time(now, tz, periods):
    """Unix time of today's last closing (end of the last period)."""
    t = local(now, tz)
    hh, mm = (int(x) for x in periods[-1][1].split(":"))
    return t.replace(hour=hh, minute=mm, second=0, microsecond=0).timestamp()
