"""The health report behind /api/health: what is degraded and why."""
from __future__ import annotations

import os

from hub.service.health import database_writable, health_report

NOW = 1795654800.0  # 2026-11-26 09:00 Asia/Shanghai
GB = 1024 ** 3


def devices(**overrides):
    rows = [
        {"id": "bar-1", "kind": "bar", "online": True, "last_seen": NOW - 10},
        {"id": "pad-1", "kind": "pad", "online": True, "last_seen": NOW - 5},
        {"id": "printer-1", "kind": "printer", "online": True, "last_seen": NOW - 3, "fault": None},
        {"id": "bridge-1", "kind": "bridge", "online": True, "last_seen": NOW - 20},
    ]
    for row in rows:
        row.update(overrides.get(row["id"], {}))
    return rows


def report(tmp_path, **kwargs):
    args = dict(version="0.1.0", now=NOW, db_path=str(tmp_path / "hallq.db"), devices=devices(),
                free_bytes=lambda path: 8 * GB)
    args.update(kwargs)
    return health_report(**args)


def test_a_healthy_hall_is_ok(tmp_path):
    r = report(tmp_path)
    assert r["status"] == "ok" and r["problems"] == []
    assert r["version"] == "0.1.0"
    assert set(r["checks"]) == {"database", "disk", "clock", "devices", "bridge", "printer"}
    assert all(c["ok"] for c in r["checks"].values())
    assert r["checks"]["disk"]["free_mb"] == 8192


def test_nearly_full_sd_card_is_degraded(tmp_path):
    seen = []

    def free(path):
        seen.append(path)
        return 50 * 1024 * 1024

    r = report(tmp_path, free_bytes=free)
    assert r["status"] == "degraded"
    assert r["checks"]["disk"] == {"ok": False, "free_mb": 50, "min_free_mb": 200,
                                   "problem": "存储卡剩余空间不足：50 MB（至少需要 200 MB）"}
    assert seen == [str(tmp_path / "hallq.db")]  # measured where the database lives
    assert r["problems"] == [r["checks"]["disk"]["problem"]]


def test_an_offline_device_is_named(tmp_path):
    r = report(tmp_path, devices=devices(**{"bar-1": {"online": False}}))
    assert r["status"] == "degraded"
    assert r["checks"]["devices"]["offline"] == ["bar-1"]
    assert r["problems"] == ["1 台设备离线：bar-1"]


def test_printer_fault_and_silent_bridge(tmp_path):
    r = report(tmp_path, devices=devices(**{"printer-1": {"fault": "paper_out"},
                                             "bridge-1": {"last_seen": NOW - 600}}))
    assert r["status"] == "degraded"
    assert r["checks"]["printer"]["ok"] is False and "缺纸" in r["checks"]["printer"]["problem"]
    assert r["checks"]["bridge"]["age_s"] == 600
    assert r["checks"]["devices"]["ok"]  # printer and bridge have their own checks


def test_a_hall_without_bridge_or_printer_has_no_such_checks(tmp_path):
    r = report(tmp_path, devices=[d for d in devices() if d["kind"] in ("bar", "pad")])
    assert r["status"] == "ok"
    assert "bridge" not in r["checks"] and "printer" not in r["checks"]


def test_clock_before_2024_or_running_backwards(tmp_path):
    r = report(tmp_path, now=86400.0 * 365, devices=[])
    assert r["status"] == "degraded" and "1971" in r["checks"]["clock"]["problem"]
    r = report(tmp_path, last_event_at=NOW + 3600)
    assert not r["checks"]["clock"]["ok"] and "回拨" in r["checks"]["clock"]["problem"]
    assert report(tmp_path, last_event_at=NOW - 5)["checks"]["clock"]["ok"]


def test_database_not_writable(tmp_path):
    r = report(tmp_path, db_path=str(tmp_path / "missing" / "hallq.db"))
    assert r["status"] == "degraded" and "目录不存在" in r["checks"]["database"]["problem"]
    r = report(tmp_path, db_error="disk I/O error")
    assert r["checks"]["database"] == {"ok": False, "problem": "数据库不可写：disk I/O error"}


def test_failing_probes_become_failed_checks(tmp_path):
    def broken(path):
        raise OSError(5, "Input/output error")

    r = report(tmp_path, free_bytes=broken, writable=broken)
    assert r["status"] == "degraded"
    assert not r["checks"]["disk"]["ok"] and not r["checks"]["database"]["ok"]


def test_database_writable_probe(tmp_path):
    db = tmp_path / "hallq.db"
    db.write_bytes(b"")
    assert database_writable(str(db)) is None
    assert database_writable(":memory:") is None
    if os.geteuid() != 0:  # root may write anything
        db.chmod(0o444)
        assert "不可写" in database_writable(str(db))


def test_backup_check_from_the_note_of_the_last_backup(tmp_path):
    assert "backup" not in report(tmp_path)["checks"]  # never backed up: no note, no check
    fresh = {"last_attempt_at": NOW - 3600, "last_success_at": NOW - 3600, "last_ok": True,
             "target": "/media/hallq-backup/hallq-2026-11-26.db"}
    assert report(tmp_path, backup=fresh)["checks"]["backup"]["ok"]
    stale = dict(fresh, last_attempt_at=NOW - 4 * 86400, last_success_at=NOW - 4 * 86400)
    r = report(tmp_path, backup=stale)
    assert r["status"] == "degraded" and "已 4 天没有成功备份" in r["checks"]["backup"]["problem"]
    failed = dict(fresh, last_attempt_at=NOW - 60, last_ok=False, detail="备份目录不存在")
    assert "最近一次备份失败：备份目录不存在" in report(tmp_path, backup=failed)["problems"]
