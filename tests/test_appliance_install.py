"""systemd/install.sh into a scratch root (DESTDIR): a first install, then an
upgrade that keeps the database and the hall file byte for byte; uninstall
keeps the data unless --purge.

The scratch install runs with --no-apt --no-user --no-pip: no packages, no
system user, and the development venv's `hallq` (HALLQ_BIN) instead of a
fresh venv, which would need the package index."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL, UNINSTALL = ROOT / "systemd" / "install.sh", ROOT / "systemd" / "uninstall.sh"
SCRATCH = ["--no-apt", "--no-user", "--no-pip"]


def run(script, root, *args):
    env = dict(os.environ, HALLQ_BIN=str(Path(sys.executable).parent / "hallq"))
    env.pop("DESTDIR", None)
    return subprocess.run(["bash", str(script), "--destdir", str(root), *args], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


def device_keys(path):
    return {d["id"]: d["key"] for d in tomllib.loads(Path(path).read_text())["devices"]}


def query(db, sql):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def installed(tmp_path):
    root = tmp_path / "root"
    result = run(INSTALL, root, *SCRATCH, "--screen", "kiosk", "--screen-user", "pi",
                 "--public-url", "http://10.0.0.5:8080")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "安装完成" in result.stdout
    return root


def test_first_install_lays_out_the_appliance(installed):
    root = installed
    hall = root / "etc/hallq/hall.toml"
    check = subprocess.run([str(Path(sys.executable).parent / "hallq"), "check-config", str(hall)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    keys, demo = device_keys(hall), device_keys(ROOT / "config" / "demo-hall.toml")
    assert keys.keys() == demo.keys()
    assert not set(keys.values()) & set(demo.values())  # fresh random keys, none of the demo's
    assert len(set(keys.values())) == len(keys) and min(map(len, keys.values())) >= 16
    assert 'public_url = "http://10.0.0.5:8080"' in hall.read_text()
    assert oct(hall.stat().st_mode & 0o777) == "0o640"

    db = root / "var/lib/hallq/hallq.db"
    assert query(db, "SELECT value FROM meta WHERE key='schema_version'")[0][0] >= "1"

    system = root / "etc/systemd/system"
    for unit in ("hallq-hub.service", "hallq-bridge.service", "hallq-board.service",
                 "hallq-backup.service", "hallq-backup.timer"):
        assert (system / unit).read_text() == (ROOT / "systemd" / unit).read_text()
    enabled = {p.name for p in system.glob("*.wants/*")}
    assert enabled == {"hallq-hub.service", "hallq-bridge.service", "hallq-backup.timer"}
    user = root / "etc/systemd/user"
    assert os.readlink(user / "default.target.wants/hallq-screen@kiosk.service") == \
        "/etc/systemd/user/hallq-screen@.service"
    assert "ConditionUser=pi" in (user / "hallq-screen@.service.d/user.conf").read_text()
    assert os.access(root / "opt/hallq/bin/hallq-screen", os.X_OK)
    assert (root / "etc/udev/rules.d/61-hallq-serial.rules").exists()
    assert "SystemMaxUse" in (root / "etc/systemd/journald.conf.d/hallq.conf").read_text()
    assert os.readlink(root / "usr/local/bin/hallq") == "/opt/hallq/venv/bin/hallq"
    for env in ("board", "bridge", "screen"):
        assert (root / f"etc/hallq/{env}.env").exists()
    assert not (root / "etc/hallq/backup.env").exists()  # the hall file's [backup] says it
    assert (root / "var/lib/hallq/backups").is_dir()  # [backup] dir = "backups", beside the database
    src = root / "opt/hallq/src"
    assert (src / "hub/ops/backup.py").exists() and (src / "config/demo-hall.toml").exists()
    assert not (src / "tests").exists() and not (src / ".venv").exists() and not (src / ".git").exists()
    assert (root / "opt/hallq/docs").is_dir()


def test_running_again_upgrades_and_keeps_the_data(installed):
    root = installed
    hall, db = root / "etc/hallq/hall.toml", root / "var/lib/hallq/hallq.db"
    screen_env = root / "etc/hallq/screen.env"
    # a day in the hall: the technician edits the hall file and settings, the hub writes
    hall.write_text(hall.read_text() + "\n# 本厅已调整\n")
    screen_env.write_text("HALLQ_HUB_URL=http://10.0.0.5:8080\n")
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO settings (key, value) VALUES ('notice', '今天正常办公')")
    conn.commit()
    conn.close()
    before = {p: p.read_bytes() for p in (hall, db, screen_env)}
    old_unit = root / "etc/systemd/system/hallq-hub.service"
    old_unit.write_text("stale")  # units are ours: replaced on upgrade

    result = run(INSTALL, root, *SCRATCH)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "保留已有的 /etc/hallq/hall.toml" in result.stdout and "升级完成" in result.stdout
    for path, content in before.items():
        assert path.read_bytes() == content, path
    assert query(db, "SELECT value FROM settings WHERE key='notice'") == [("今天正常办公",)]
    assert old_unit.read_text() == (ROOT / "systemd/hallq-hub.service").read_text()


def without_backup_table(text):
    start = text.index("[backup]\n")
    return text[:start] + text[text.index("\n\n", start) + 2:]


def test_an_upgrade_moves_backup_env_into_the_hall_file_once(installed):
    root = installed
    hall, env = root / "etc/hallq/hall.toml", root / "etc/hallq/backup.env"
    old = without_backup_table(hall.read_text())  # a hall file from hallq 0.1 had no [backup]
    hall.write_text(old)
    env.write_text('# hallq 0.1\nHALLQ_BACKUP_DIR="/media/hallq-backup/hallq"\nHALLQ_BACKUP_KEEP=30\n')
    result = run(INSTALL, root, *SCRATCH)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已从 backup.env 迁入" in result.stdout
    text = hall.read_text()
    assert text.startswith(old)  # appended, nothing else touched
    assert tomllib.loads(text)["backup"] == {"dir": "/media/hallq-backup/hallq", "keep": 30, "at": "18:30"}
    assert not env.exists() and (root / "etc/hallq/backup.env.migrated").exists()
    again = run(INSTALL, root, *SCRATCH)  # nothing more to move
    assert again.returncode == 0 and hall.read_text() == text and "backup.env" not in again.stdout

    env.write_text("HALLQ_BACKUP_DIR=/mnt/share\n")  # a hall file that has [backup] wins
    third = run(INSTALL, root, *SCRATCH)
    assert third.returncode == 0 and "已有 [backup]" in third.stdout and hall.read_text() == text
    assert not env.exists()


def test_a_broken_hall_file_keeps_backup_env(installed):
    root = installed
    hall, env = root / "etc/hallq/hall.toml", root / "etc/hallq/backup.env"
    broken = without_backup_table(hall.read_text()).replace("paper_mm = 80", "paper_mm = 70")
    hall.write_text(broken)
    env.write_text("HALLQ_BACKUP_DIR=/media/hallq-backup\n")
    result = run(INSTALL, root, *SCRATCH)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "未能把 backup.env 迁入" in result.stdout
    assert hall.read_text() == broken and env.exists()


def test_uninstall_keeps_the_data_unless_purged(installed):
    root = installed
    result = run(UNINSTALL, root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (root / "opt/hallq").exists()
    assert not list((root / "etc/systemd").rglob("hallq*"))
    assert not (root / "usr/local/bin/hallq").exists()
    assert (root / "etc/hallq/hall.toml").exists() and (root / "var/lib/hallq/hallq.db").exists()
    keys = device_keys(root / "etc/hallq/hall.toml")

    reinstall = run(INSTALL, root, *SCRATCH)  # reinstalling finds the hall as it was
    assert reinstall.returncode == 0 and device_keys(root / "etc/hallq/hall.toml") == keys

    refused = run(UNINSTALL, root, "--purge")  # no terminal to ask on
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert (root / "var/lib/hallq/hallq.db").exists()
    purged = run(UNINSTALL, root, "--purge", "--yes", "--no-user")
    assert purged.returncode == 0, purged.stderr
    assert not (root / "var/lib/hallq").exists() and not (root / "etc/hallq").exists()


def test_a_screen_only_pi_gets_just_the_screens(tmp_path):
    root = tmp_path / "root"
    result = run(INSTALL, root, "--no-apt", "--screen-only", "--screen", "kiosk", "--screen", "query")
    assert result.returncode == 0, result.stdout + result.stderr
    wants = root / "etc/systemd/user/default.target.wants"
    assert sorted(p.name for p in wants.iterdir()) == ["hallq-screen@kiosk.service", "hallq-screen@query.service"]
    assert not list((root / "etc/systemd/system").glob("*.wants"))  # no hub, bridge or backup here
    assert not (root / "etc/hallq/hall.toml").exists() and not (root / "var/lib/hallq/hallq.db").exists()
    assert (root / "etc/hallq/screen.env").stat().st_mode & 0o004  # the desktop user reads it
    assert (root / "etc/hallq").stat().st_mode & 0o005 == 0o005


def test_install_refuses_bad_options(tmp_path):
    for args, message in ((["--screen", "tv"], "--screen 只能是"), (["--frobnicate"], "不认识的选项")):
        result = run(INSTALL, tmp_path / "root", *SCRATCH, *args)
        assert result.returncode == 1 and message in result.stderr
    result = run(INSTALL, tmp_path / "root", "--no-apt", "--no-user", "--no-pip", "--no-systemctl")
    assert result.returncode == 0, result.stderr
    assert not list((tmp_path / "root/etc/systemd/system").glob("*.wants"))
