"""The appliance as the manager console shows it (manager and admin only).

- GET /api/ops: health, the daily backup (settings from the hall file's
  [backup], the last one from the note `hallq backup` leaves beside the
  database, the next one planned), today's closing, event retention, disk.
- GET /api/days?from=&to=: the day summaries written at closing
  (hub/day_summary.py), plus today's running figures while it is open.

Everything here is read-only and reads only the database and local files:
the backup directory itself (a USB stick, a network share that may hang)
is never touched by the hub.
"""
from __future__ import annotations

import os
import shutil
from datetime import date, timedelta

from flask import Blueprint, jsonify

from hub.rules.backup_plan import TICK_S, backup_dir, backup_due, next_backup_at
from hub.rules.clock import closing_time, hall_date, iso
from hub.rules.workdays import is_working_day
from hub.web.field_errors import check_range
from hub.web.http import require_manager, service
from hub.web.models.ops import DaysAnswer, DaysQuery, OpsAnswer
from hub.web.typed import typed

api = Blueprint("ops_api", __name__, url_prefix="/api")
DEFAULT_DAYS = 30  # /api/days without `from`: the last 30 days
MAX_DAYS = 366


@api.get("/ops")
@typed(answers={200: OpsAnswer})
def ops():
    require_manager()
    svc = service()
    now = svc.clock.now()
    return jsonify({
        "at": iso(now, svc.hall.timezone),
        "health": svc.ops.health(svc.catalog),
        "day": day_state(svc, now),
        "backup": backup_state(svc, now),
        "retention": svc.ops.retention(),
        "disk": disk_state(svc.store.path),
        "county": svc.ops.county(now, svc.catalog),
        "platform": svc.ops.platform(),
    })


@api.get("/days")
@typed(answers={200: DaysAnswer})
def days(query: DaysQuery):
    require_manager()
    svc = service()
    now = svc.clock.now()
    today = hall_date(now, svc.hall.timezone)
    last = query.last or today
    first = query.first or (date.fromisoformat(last) - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    check_range(date.fromisoformat(first), date.fromisoformat(last), MAX_DAYS)
    return jsonify({"from": first, "to": last, "days": svc.reports.days(first, last)})


# the parts of /api/ops -------------------------------------------------------------

def day_state(svc, now):
    hall, today = svc.hall, hall_date(now, svc.hall.timezone)
    closes = closing_time(now, hall.timezone, hall.hours.periods)
    closed = svc.ops.closed_day()
    return {
        "today": today,
        "working_day": is_working_day(date.fromisoformat(today), hall.calendar),
        "periods": [list(p) for p in hall.hours.periods],
        "closing_at": iso(closes, hall.timezone),
        "expire_at_closing": hall.hours.expire_at_closing,
        "closed": closed == today,
        "last_closed_day": closed,
    }


def backup_state(svc, now):
    settings, tz, db = svc.hall.backup, svc.hall.timezone, svc.store.path
    status = svc.ops.backup_status()
    last = None
    if status:
        last = {"ok": bool(status.get("last_ok")), "at": iso(status.get("last_attempt_at"), tz),
                "success_at": iso(status.get("last_success_at"), tz),
                "target": status.get("target"), "detail": status.get("detail")}
    return {
        "dir": settings.dir, "path": backup_dir(settings.dir, db), "keep": settings.keep, "at": settings.at,
        "last": last,
        "due": backup_due(now, settings.at, tz, status),
        "next_at": iso(next_backup_at(now, settings.at, tz, status), tz),
        "check_every_minutes": TICK_S // 60,
    }


def disk_state(db_path):
    directory = os.path.dirname(os.path.abspath(db_path))
    try:
        free_mb = shutil.disk_usage(directory).free // (1024 * 1024)
    except OSError:
        free_mb = None
    size = 0
    for path in (db_path, f"{db_path}-wal"):
        try:
            size += os.path.getsize(path)
        except OSError:
            pass
    return {"path": directory, "free_mb": free_mb, "database_mb": round(size / (1024 * 1024), 1)}
