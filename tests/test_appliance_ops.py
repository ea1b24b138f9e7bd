"""The technician's commands: init-hall, serial-ports, status, prune."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hub.ops import serial_ports
from hub.ops.backup import hold_db_lock
from hub.cli.ops_commands import fresh_device_keys
from hub.store.database import Store, append_event

ROOT = Path(__file__).resolve().parent.parent
HALLQ = [sys.executable, "-m", "hub.cli.main"]


def hallq(*args):
    return subprocess.run(HALLQ + list(args), cwd=ROOT, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def test_init_hall_writes_fresh_keys_and_never_overwrites(tmp_path):
    target = tmp_path / "etc" / "hall.toml"
    first = hallq("init-hall", str(target), "--public-url", "http://192.168.1.20:8080")
    assert first.returncode == 0, first.stderr
    devices = tomllib.loads(target.read_text())["devices"]
    demo = {d["key"] for d in tomllib.loads((ROOT / "config/demo-hall.toml").read_text())["devices"]}
    assert not {d["key"] for d in devices} & demo
    assert tomllib.loads(target.read_text())["hall"]["public_url"] == "http://192.168.1.20:8080"
    before = target.read_bytes()
    again = hallq("init-hall", str(target))
    assert again.returncode == 1 and "不会覆盖" in again.stderr
    assert target.read_bytes() == before
    bad = tmp_path / "bad.toml"
    bad.write_text("[hall\nname=")
    result = hallq("init-hall", str(tmp_path / "x.toml"), "--from", str(bad))
    assert result.returncode == 1 and "模板不可用" in result.stderr and "Traceback" not in result.stderr


def test_fresh_keys_keep_comments_and_layout():
    text = ('# 设备\n[[devices]]\nid = "bar-1"\nkind = "bar"\nkey = "demo-bar-1-key-0000"  # 窗口屏\n\n'
            "[[devices]]\nid = \"pad-1\"\nkind = \"pad\"\nkey = 'demo-pad-1-key-0000'\n")
    new, count = fresh_device_keys(text)
    assert count == 2
    assert "# 设备" in new and "# 窗口屏" in new and "demo-" not in new
    keys = [d["key"] for d in tomllib.loads(new)["devices"]]
    assert len(set(keys)) == 2 and all(len(k) >= 16 for k in keys)
    assert fresh_device_keys(text)[0] != new  # random every time


def fake_sysfs(root, adapters):
    """A /sys with USB-serial adapters: (tty, vendor, product, serial, port)."""
    for tty, vendor, product, serial, port in adapters:
        usb = root / "devices" / "platform" / "usb1" / port
        interface = usb / f"{port}:1.0"
        (interface / tty).mkdir(parents=True)
        for name, value in (("idVendor", vendor), ("idProduct", product), ("product", "USB Serial")):
            (usb / name).write_text(value + "\n")
        if serial:
            (usb / "serial").write_text(serial + "\n")
        link = root / "class" / "tty" / tty
        link.mkdir(parents=True)
        (link / "device").symlink_to(interface / tty)
    (root / "class" / "tty" / "tty1").mkdir(parents=True)  # a console, not an adapter


def test_serial_ports_are_named_in_port_order_by_serial_or_port(tmp_path):
    fake_sysfs(tmp_path, [
        ("ttyUSB0", "1a86", "7523", "", "1-1.10"),       # CH340, no serial number
        ("ttyUSB1", "0403", "6001", "A10K1234", "1-1.2"),  # FTDI with a serial number
        ("ttyUSB2", "1a86", "7523", "", "1-1.3"),
    ])
    adapters = serial_ports.find_adapters(str(tmp_path))
    assert [a.port for a in adapters] == ["1-1.2", "1-1.3", "1-1.10"]
    rules = serial_ports.udev_rules(adapters).splitlines()
    rules = [r for r in rules if not r.startswith("#")]
    assert rules[0] == ('SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", '
                        'ATTRS{serial}=="A10K1234", GROUP="dialout", MODE="0660", SYMLINK+="hallq-rs485-0"')
    assert 'KERNELS=="1-1.3"' in rules[1] and rules[1].endswith('SYMLINK+="hallq-rs485-1"')
    assert 'KERNELS=="1-1.10"' in rules[2] and rules[2].endswith('SYMLINK+="hallq-rs485-2"')
    listed = hallq("serial-ports", "--sys-root", str(tmp_path))
    assert listed.returncode == 0 and "/dev/hallq-rs485-0  ←  /dev/ttyUSB1" in listed.stdout


def test_serial_ports_with_shared_serial_numbers_fall_back_to_ports(tmp_path):
    fake_sysfs(tmp_path, [("ttyUSB0", "10c4", "ea60", "0001", "1-1.1"),
                          ("ttyUSB1", "10c4", "ea60", "0001", "1-1.4")])
    rules = hallq("serial-ports", "--udev", "--sys-root", str(tmp_path)).stdout
    assert 'KERNELS=="1-1.1"' in rules and 'KERNELS=="1-1.4"' in rules and "ATTRS{serial}" not in rules
    assert "没有找到" in hallq("serial-ports", "--sys-root", str(tmp_path / "none")).stdout


def test_status_reads_the_hubs_health(hub):
    result = hallq("status", "--hub", hub.url, "--json")
    report = json.loads(result.stdout)
    assert report["status"] in ("ok", "degraded") and "checks" in report
    assert result.returncode == (0 if report["status"] == "ok" else 1)
    human = hallq("status", "--hub", hub.url)
    assert human.stdout.startswith(f"hub {hub.url}：")
    gone = hallq("status", "--hub", "http://127.0.0.1:9")
    assert gone.returncode == 2 and "无法连接" in gone.stderr


def test_prune_command_refuses_under_a_hub_and_prunes_otherwise(tmp_path):
    db = tmp_path / "hallq.db"
    store = Store(db)
    with store.transaction() as conn:
        for day in range(40):
            append_event(conn, 1795654800.0 - day * 86400, "ticket.issued", {})
    store.close()
    with hold_db_lock(db):
        busy = hallq("prune", "--db", str(db), "--days", "10")
    assert busy.returncode == 1 and "自动清理" in busy.stderr
    result = hallq("prune", "--db", str(db), "--days", "10", "--vacuum")
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    left = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    kept = conn.execute("SELECT sum(count) FROM events_daily").fetchone()[0]
    assert 0 < left < 40 and left + kept == 40
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    conn.close()
    assert hallq("prune", "--db", str(tmp_path / "none.db")).returncode == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files away")
def test_restore_as_root_keeps_files_owned_like_their_directory(tmp_path):
    from hub.ops import backup
    data = tmp_path / "lib"
    data.mkdir()
    os.chown(data, 4321, 4321)
    copy = tmp_path / "copy.db"
    Store(copy).close()
    backup.restore(copy, data / "hallq.db")
    assert (data / "hallq.db").stat().st_uid == 4321
