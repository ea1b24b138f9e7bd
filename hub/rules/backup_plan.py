"""When and where the daily backup goes: the hall file's [backup] table.

`hallq-backup.timer` starts `hallq backup --if-due` every quarter of an hour;
the command asks `backup_due()` whether the day's backup is owed and does
nothing otherwise. So the time of day lives in the hall file (`at`), not in
the timer, and a Pi that was off at `at` catches up at the next tick after
boot. The backup runs in its own short process rather than inside the hub:
a USB stick or a network share that hangs cannot stall the hub, and the
network-facing hub needs no write access outside its state directory.

Pure functions over unix times and the note `hub.ops.backup.record_status`
leaves beside the database (None when there is none yet).
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

RETRY_S = 30 * 60  # after a failed daily backup (stick not mounted), try again this much later
TICK_S = 15 * 60  # hallq-backup.timer's period: a due backup starts within this


def backup_dir(setting, db_path):
    """The directory named by [backup] dir; a relative path is beside the database."""
    setting = os.path.expanduser(str(setting))
    if os.path.isabs(setting):
        return os.path.normpath(setting)
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(str(db_path))), setting))


def _slot_on(day, at, zone):
    hh, mm = (int(x) for x in at.split(":"))
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone).timestamp()


def last_slot(now, at, tz):
    """The latest time of day `at` ("HH:MM" in zone `tz`) at or before `now`."""
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now, zone).date()
    slot = _slot_on(today, at, zone)
    return slot if slot <= now else _slot_on(today - timedelta(days=1), at, zone)


def next_slot(now, at, tz):
    """The first time of day `at` after `now`."""
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now, zone).date()
    slot = _slot_on(today, at, zone)
    return slot if slot > now else _slot_on(today + timedelta(days=1), at, zone)


def _daily(status, key):
    # notes written before daily backups were told apart held only last_*
    status = status or {}
    return status.get(f"daily_{key}_at", status.get(f"last_{key}_at"))


def backup_due(now, at, tz, status):
    """True when the day's backup is owed: none has succeeded since the latest
    `at`, and none was tried since then, or the last try failed RETRY_S ago."""
    slot = last_slot(now, at, tz)
    done, tried = _daily(status, "success"), _daily(status, "attempt")
    if done is not None and done >= slot:
        return False
    return tried is None or tried < slot or now - tried >= RETRY_S


def next_backup_at(now, at, tz, status):
    """When the next daily backup is planned: `now` when it is owed (the
    timer starts it within TICK_S), the retry after a failure, else the next `at`."""
    if backup_due(now, at, tz, status):
        return now
    slot, done, tried = last_slot(now, at, tz), _daily(status, "success"), _daily(status, "attempt")
    if (done is None or done < slot) and tried is not None:
        return tried + RETRY_S
    return next_slot(now, at, tz)
