"""The health report behind GET /api/health.

`health_report()` takes what the hub knows (its device rows, the bridge's
last contact, the newest event time) plus two small probes of the machine
(free disk space, whether the database can be written) and returns

    {"status": "ok" | "degraded", "version": "...", "at": ISO,
     "checks": {name: {"ok": bool, ...}}, "problems": ["中文说明", ...]}

The probes are parameters so tests (and the simulator) inject them; the
defaults look at the real machine. No check raises: a probe that fails is a
failed check with its reason.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil

MIN_FREE_MB = 200  # below this, SQLite and journald start failing on a small SD card
BRIDGE_MAX_AGE_S = 90  # the bridge reports at least every 30 s; three missed reports
MIN_YEAR = 2024  # a Pi without RTC battery or network boots with a clock years behind
CLOCK_BACKWARDS_S = 120  # tolerated jump back behind the newest event
BACKUP_MAX_AGE_S = 50 * 3600  # a daily backup, with a few hours of slack


def disk_free_bytes(path):
    """Free bytes for an unprivileged writer on the file system holding `path`."""
    probe = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)) or "."
    return shutil.disk_usage(probe).free


def database_writable(db_path):
    """None when the database file and its directory are writable (WAL needs
    both: -wal and -shm live beside the file), else the reason in Chinese."""
    if db_path in (None, "", ":memory:"):
        return None
    directory = os.path.dirname(os.path.abspath(db_path))
    if not os.path.isdir(directory):
        return f"数据库目录不存在：{directory}"
    if not os.access(directory, os.W_OK):
        return f"数据库目录不可写：{directory}"
    if os.path.exists(db_path) and not os.access(db_path, os.W_OK):
        return f"数据库文件不可写：{db_path}"
    return None


def health_report(*, version, now, db_path=None, db_error=None, devices=(),
                  bridge_seen_at=None, last_event_at=None, backup=None, county=None, catalog=None,
                  platform=None, free_bytes=disk_free_bytes, writable=database_writable,
                  min_free_mb=MIN_FREE_MB, bridge_max_age_s=BRIDGE_MAX_AGE_S):
    """Build the report. `now` and the *_at arguments are unix times.

    devices: dicts like GET /api/devices rows: {"id", "kind", "online",
    "last_seen", "fault"?}. A device of kind "printer" also feeds the printer
    check, one of kind "bridge" the bridge check (or pass bridge_seen_at).
    db_error: the store's last write error, if the hub keeps one.
    backup: hub.ops.backup.read_status(db_path) — the note `hallq backup` leaves
    beside the database; None (no backup ever made) leaves the check out.
    county: the uplink's status (hub.service.uplink.Uplink.status) when the hall
    ships to a county: it becomes the top-level "county" and a check that fails
    when the county has not acknowledged events for an hour.
    catalog: the county catalogue's status (hub.service.catalog.CountyCatalog.status):
    its version goes into "county", a refused newer version is a problem."""
    devices = list(devices)
    checks = {
        "database": _database(db_path, db_error, writable),
        "disk": _disk(db_path, free_bytes, min_free_mb),
        "clock": _clock(now, last_event_at),
        "devices": _devices(devices),
    }
    bridge = _bridge(devices, bridge_seen_at, now, bridge_max_age_s)
    if bridge is not None:
        checks["bridge"] = bridge
    printer = _printer(devices)
    if printer is not None:
        checks["printer"] = printer
    if backup is not None:
        checks["backup"] = _backup(backup, now)
    if county is not None:
        checks["county"] = _county(county)
    if catalog is not None:
        checks["catalog"] = _catalog(catalog)
    if platform is not None and platform["state"] != "off":
        checks["platform"] = _platform(platform, now)
    problems = [c["problem"] for c in checks.values() if not c["ok"]]
    report = {
        "status": "ok" if not problems else "degraded",
        "version": version,
        "at": _iso(now),
        "checks": checks,
        "problems": problems,
    }
    if platform is not None:
        report["platform"] = {"state": platform["state"], "pending": platform["pending"]}
    if county is not None:
        report["county"] = {k: county[k] for k in ("state", "pending_events", "acked_through", "lag_s")}
        if catalog is not None:
            report["county"]["catalog_version"] = catalog["version"]
    return report


PLATFORM_LATE_S = 86400  # ratings not delivered after a day make the hall's health degraded


def _platform(status, now):
    """The 好差评 outbox: a backlog is normal while the platform is briefly away; a day is not."""
    oldest = status.get("oldest_pending_at")
    if status["pending"] and oldest is not None and now - oldest > PLATFORM_LATE_S:
        return {"ok": False, "problem": f"{status['pending']} 条评价超过 24 小时未送达省好差评系统"
                                        f" ({status.get('last_error') or '平台无应答'})"}
    return {"ok": True}


def _database(db_path, db_error, writable):
    reason = db_error
    if reason is None:
        try:
            reason = writable(db_path)
        except OSError as exc:
            reason = f"无法检查数据库：{exc}"
    if reason:
        return {"ok": False, "problem": f"数据库不可写：{reason}"}
    return {"ok": True}


def _disk(db_path, free_bytes, min_free_mb):
    try:
        free_mb = int(free_bytes(db_path or ".") // (1024 * 1024))
    except OSError as exc:
        return {"ok": False, "problem": f"无法读取磁盘剩余空间：{exc}"}
    check = {"ok": free_mb >= min_free_mb, "free_mb": free_mb, "min_free_mb": min_free_mb}
    if not check["ok"]:
        check["problem"] = f"存储卡剩余空间不足：{free_mb} MB（至少需要 {min_free_mb} MB）"
    return check


def _clock(now, last_event_at):
    year = dt.datetime.fromtimestamp(now, dt.timezone.utc).year
    check = {"ok": True, "now": _iso(now)}
    if year < MIN_YEAR:
        check.update(ok=False, problem=f"系统时间不对（{year} 年）：请检查网络校时（NTP）")
    elif last_event_at is not None and now < last_event_at - CLOCK_BACKWARDS_S:
        check.update(ok=False, problem="系统时间比最后一条记录早：时钟回拨了，请检查网络校时（NTP）")
    return check


def _devices(devices):
    # the bridge and the printer have checks of their own
    watched = [d for d in devices if d.get("kind") not in ("bridge", "printer")]
    offline = sorted(d["id"] for d in watched if not d.get("online"))
    check = {"ok": not offline, "total": len(watched), "offline": offline,
             "items": {d["id"]: {"kind": d.get("kind"), "online": bool(d.get("online")),
                                 "last_seen": d.get("last_seen")} for d in watched}}
    if offline:
        shown = "、".join(offline[:8]) + ("等" if len(offline) > 8 else "")
        check["problem"] = f"{len(offline)} 台设备离线：{shown}"
    return check


def _bridge(devices, seen_at, now, max_age):
    bridges = [d for d in devices if d.get("kind") == "bridge"]
    if seen_at is None and bridges:
        seen = [d.get("last_seen") for d in bridges if d.get("last_seen") is not None]
        seen_at = max(seen) if seen else None
        if seen_at is None:
            return {"ok": False, "last_seen": None, "problem": "串口桥接程序（bridge）从未连接"}
    if seen_at is None:
        return None  # no bridge in this hall
    age = now - seen_at
    check = {"ok": age <= max_age, "last_seen": _iso(seen_at), "age_s": round(age)}
    if not check["ok"]:
        check["problem"] = f"串口桥接程序（bridge）已 {round(age)} 秒没有消息"
    return check


def _printer(devices):
    printers = [d for d in devices if d.get("kind") == "printer"]
    if not printers:
        return None
    bad = [p for p in printers if not p.get("online") or p.get("fault")]
    check = {"ok": not bad, "items": {p["id"]: {"online": bool(p.get("online")), "fault": p.get("fault")}
                                      for p in printers}}
    if bad:
        from hub.service.devices import FAULT_TEXT
        reasons = [f"{p['id']}（{FAULT_TEXT.get(p.get('fault'), p.get('fault')) or '离线'}）" for p in bad]
        check["problem"] = "打印机故障：" + "、".join(reasons)
    return check


def _backup(status, now):
    last = status.get("last_success_at")
    check = {"ok": True, "last_success": _iso(last) if last else None, "target": status.get("target")}
    if not status.get("last_ok", True):
        check.update(ok=False, problem=f"最近一次备份失败：{status.get('detail') or '原因不明'}")
    elif last is None or now - last > BACKUP_MAX_AGE_S:
        days = "从未成功备份" if last is None else f"已 {int((now - last) // 86400)} 天没有成功备份"
        check.update(ok=False, problem=f"{days}：请检查 U 盘和 hallq-backup 服务")
    return check


def _county(status):
    """The hall runs on without the county; it is a problem only once the county has
    gone an hour without acknowledging what the hall sent (the county flags the hall then too)."""
    from hub.service.uplink import WARN_S
    check = dict(status, ok=status["lag_s"] <= WARN_S)
    if not check["ok"]:
        hours = status["lag_s"] / 3600
        why = f"（{status['error']}）" if status.get("error") else ""
        check["problem"] = (f"县平台已 {hours:.1f} 小时未确认本厅的事件, 待上报 {status['pending_events']} 条{why}; "
                            "大厅照常运行, 事件保存在本机, 恢复连接后自动补报")
    return check


def _catalog(status):
    refused, version = status["refused"], status["version"]
    check = {"ok": True, "version": version, "pending": status["pending"], "refused": refused}
    if refused and (version is None or (refused["version"] or 0) > version):
        shown = "；".join(refused["errors"][:3]) + ("……" if len(refused["errors"]) > 3 else "")
        running = f"v{version}" if version else "本厅自己的事项"
        check.update(ok=False, problem=f"县平台事项目录 v{refused['version']} 未采用（{shown}）, 继续使用{running}")
    return check


def _iso(epoch):
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds")
