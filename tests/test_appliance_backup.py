"""hallq backup / restore: consistent copies while the hall runs, and a
restore that never happens under a running hub."""
from __future__ import annotations

import os
import pty
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

from hubproc import KIOSK_KEY

from hub.ops import backup
from hub.store.database import Store, append_event

ROOT = Path(__file__).resolve().parent.parent
HALLQ = [sys.executable, "-m", "hub.cli.main"]

# A writer like the hub: WAL, synchronous=FULL, one transaction per action.
# Each transaction appends 10 events and records how many batches it wrote,
# so a consistent copy always holds exactly 10 events per recorded batch.
WRITER = textwrap.dedent("""
    import os, sys, time
    from hub.store.database import Store, append_event
    store, stop, batch = Store(sys.argv[1]), sys.argv[2], 0
    while not os.path.exists(stop):
        batch += 1
        with store.transaction() as conn:
            for i in range(10):
                append_event(conn, time.time(), "ticket.issued", {"batch": batch, "i": i})
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('test_batches', ?)", (str(batch),))
        if batch == 1:
            print("started", flush=True)
    print(batch, flush=True)
""")


def hallq(*args, stdin=subprocess.DEVNULL):
    return subprocess.run(HALLQ + list(args), cwd=ROOT, stdin=stdin, capture_output=True, text=True, timeout=120)


def rows(path, sql="SELECT id, at, type, data FROM events ORDER BY id"):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def make_db(path, events=3):
    store = Store(path)
    with store.transaction() as conn:
        for i in range(events):
            append_event(conn, 1795654800.0 + i, "ticket.issued", {"i": i})
    store.close()
    return path


def test_backup_while_another_process_writes_is_consistent_and_restores(tmp_path):
    db, stop = tmp_path / "hallq.db", tmp_path / "stop"
    Store(db).close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(stop)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "started"
        copies = []
        for n in range(3):
            target = tmp_path / f"copy-{n}.db"
            result = hallq("backup", "--db", str(db), "--to", str(target))
            assert result.returncode == 0, result.stderr
            assert "完整性检查通过" in result.stdout
            copies.append(target)
    finally:
        stop.touch()
        total = int(writer.stdout.readline())
        writer.wait(30)
    final = rows(db)
    assert len(final) == total * 10
    for copy in copies:
        batches = int(rows(copy, "SELECT value FROM meta WHERE key='test_batches'")[0][0])
        copied = rows(copy)
        assert len(copied) == batches * 10  # no half transaction in a copy
        assert copied == final[:len(copied)]  # and what it holds is what the hub wrote
        assert not Path(str(copy) + "-wal").exists()  # a backup is one self-contained file
    assert len(rows(copies[-1])) > 0

    restored = tmp_path / "restored" / "hallq.db"
    restored.parent.mkdir()
    result = hallq("restore", str(copies[-1]), "--db", str(restored), "--yes")
    assert result.returncode == 0, result.stderr
    assert rows(restored) == rows(copies[-1])
    assert rows(restored, "PRAGMA journal_mode") == [("wal",)]


def test_backup_during_ticket_load_restores_the_same_tickets(hub_factory, tmp_path):
    hub = hub_factory("live").start()
    matter = requests.get(hub.url + "/api/matters", timeout=10).json()
    matter = (matter["matters"] if isinstance(matter, dict) else matter)[0]["id"]
    issued, stop = [], threading.Event()

    def kiosk():
        while not stop.is_set():
            r = requests.post(hub.url + "/api/tickets", json={"matter": matter}, timeout=10,
                              headers={"X-Device-Key": KIOSK_KEY})  # a kiosk: not held to a phone's few tickets
            assert r.status_code == 201, r.text
            issued.append(r.json())

    thread = threading.Thread(target=kiosk)
    thread.start()
    try:
        while len(issued) < 5:
            time.sleep(0.05)
        copy = tmp_path / "during-load.db"
        result = hallq("backup", "--db", str(hub.db), "--to", str(copy))
        assert result.returncode == 0, result.stderr
        # the hub holds its database: a restore is refused while it runs
        refused = hallq("restore", str(copy), "--db", str(hub.db), "--yes")
        assert refused.returncode == 1
        assert "正被运行中的进程使用" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        stop.set()
        thread.join(30)
    hub.stop()
    columns = "SELECT id, number, queue, status, token_hash, token_nonce, issued_at FROM tickets ORDER BY id"
    in_copy, in_hub = rows(copy, columns), rows(hub.db, columns)
    assert 0 < len(in_copy) <= len(in_hub) == len(issued)
    assert in_copy == in_hub[:len(in_copy)]

    second = hub_factory("restored")  # a fresh hub's database, replaced by the backup
    result = hallq("restore", str(copy), "--db", str(second.db), "--yes")
    assert result.returncode == 0, result.stderr
    second.start()
    last = in_copy[-1]
    ticket = requests.get(f"{second.url}/api/tickets/{last[0]}", timeout=10).json()
    assert ticket["number"] == last[1]
    assert rows(second.db, columns)[:len(in_copy)] == in_copy
    # the ticket-token key came along: the restored hub finds the ticket by its token and
    # rebuilds the same QR code for a reprint
    key = Path(str(copy) + ".token-key")
    assert key.read_bytes() == Path(str(hub.db) + ".token-key").read_bytes() and key.stat().st_mode & 0o077 == 0
    sent = next(t for t in issued if t["id"] == last[0])
    assert requests.get(f"{second.url}/api/t/{sent['token']}", timeout=10).json()["id"] == last[0]
    slip = requests.get(f"{second.url}/api/tickets/{last[0]}/slip", timeout=10,
                        headers={"X-Device-Key": "demo-printer-1-key-0000"}).json()
    assert slip["status_url"] == sent["status_url"]


def test_restore_is_refused_while_the_lock_is_held(tmp_path):
    db = make_db(tmp_path / "hallq.db", events=2)
    copy = tmp_path / "copy.db"
    backup.backup(db, copy)
    make_db(db, events=1)  # the live database moves on
    with backup.hold_db_lock(db):
        with pytest.raises(backup.DatabaseInUse) as refused:
            backup.restore(copy, db)
        assert "systemctl stop hallq-hub" in str(refused.value)
        assert backup.db_in_use(db).startswith(f"pid {os.getpid()} hub")
    assert len(rows(db)) == 3  # untouched
    backup.restore(copy, db)
    assert len(rows(db)) == 2
    assert backup.db_in_use(db) == ""


def test_lock_held_by_another_process_and_freed_when_it_dies(tmp_path):
    db = make_db(tmp_path / "hallq.db")
    copy = tmp_path / "copy.db"
    backup.backup(db, copy)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from hub.ops.backup import hold_db_lock; "
         "l = hold_db_lock(sys.argv[1]); print('held', flush=True); sys.stdin.read()", str(db)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = hallq("restore", str(copy), "--db", str(db), "--yes")
        assert result.returncode == 1 and f"pid {holder.pid} hub" in result.stderr
        with pytest.raises(backup.DatabaseInUse):
            backup.hold_db_lock(db)
    finally:
        holder.send_signal(signal.SIGKILL)  # a crash or a power cut: no clean release
        holder.wait()
    assert hallq("restore", str(copy), "--db", str(db), "--yes").returncode == 0


def test_restore_keeps_the_previous_database(tmp_path):
    db = make_db(tmp_path / "hallq.db", events=5)
    copy = make_db(tmp_path / "old.db", events=2)
    result = backup.restore(copy, db, now=1795654800.0)
    previous = Path(result["previous"])
    assert previous.name.startswith("hallq.db.before-restore-")
    assert len(rows(previous)) == 5 and len(rows(db)) == 2


def run_on_terminal(args, answer):
    """Run hallq with a pseudo-terminal as stdin and type `answer`."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(HALLQ + args, cwd=ROOT, stdin=terminal, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    os.close(terminal)
    os.write(controller, answer.encode() + b"\n")
    out, err = proc.communicate(timeout=60)
    os.close(controller)
    return proc.returncode, out, err


def test_restore_asks_on_a_terminal_unless_yes(tmp_path):
    db = make_db(tmp_path / "hallq.db", events=4)
    copy = make_db(tmp_path / "copy.db", events=1)
    code, out, err = run_on_terminal(["restore", str(copy), "--db", str(db)], "no")
    assert code == 1 and "已取消" in err and len(rows(db)) == 4
    code, out, err = run_on_terminal(["restore", str(copy), "--db", str(db)], "yes")
    assert code == 0, err
    assert "输入 yes 确认" in out and len(rows(db)) == 1
    # no terminal and no --yes: nothing is asked and nothing changes
    make_db(db, events=2)
    result = hallq("restore", str(copy), "--db", str(db))
    assert result.returncode == 1 and "--yes" in result.stderr and len(rows(db)) == 3


def test_restore_checks_the_file_first(tmp_path):
    db = make_db(tmp_path / "hallq.db")
    plain = tmp_path / "other.db"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    for path, message in ((plain, "不是 hallq 数据库"), (garbage, "不是可用的 SQLite 数据库"),
                          (tmp_path / "missing.db", "文件不存在")):
        result = hallq("restore", str(path), "--db", str(db), "--yes")
        assert result.returncode == 1, path
        assert message in result.stderr and "Traceback" not in result.stderr
    assert len(rows(db)) == 3


def test_a_damaged_copy_fails_the_integrity_check(tmp_path):
    db = make_db(tmp_path / "hallq.db", events=200)
    copy = tmp_path / "copy.db"
    backup.backup(db, copy)
    data = bytearray(copy.read_bytes())
    page = 4096
    for offset in range(3 * page, len(data) - page, page):  # scribble over the middle pages
        data[offset + 8:offset + 40] = b"\x07" * 32
    copy.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError) as bad:
        backup.check_database(copy)
    assert "损坏" in str(bad.value) or "不是可用的" in str(bad.value)


def test_daily_backups_keep_the_newest_n(tmp_path):
    db = make_db(tmp_path / "hallq.db")
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "photos.jpg").write_bytes(b"not ours")
    (stick / ".hallq-backup-1-2.tmp").write_bytes(b"left by a power cut")
    day = 86400
    for n in range(5):
        summary = backup.backup_to_dir(db, stick, keep=3, now=1795654800.0 + n * day)
    kept = ("hallq-2026-11-28.db", "hallq-2026-11-29.db", "hallq-2026-11-30.db")
    # each copy with the ticket-token key beside it; the rotated-out ones' keys gone with them
    assert sorted(p.name for p in stick.iterdir()) == sorted(
        [*kept, *(name + ".token-key" for name in kept), "photos.jpg"])
    assert [Path(p).name for p in summary["removed"]] == ["hallq-2026-11-27.db"]
    # a second backup on the same day replaces that day's file
    make_db(db, events=1)
    backup.backup_to_dir(db, stick, keep=3, now=1795654800.0 + 4 * day + 3600)
    assert len(rows(stick / "hallq-2026-11-30.db")) == 4
    assert len(list(stick.glob("hallq-*.db"))) == 3


def test_backup_command_rotation_and_errors(tmp_path):
    db = make_db(tmp_path / "hallq.db")
    result = hallq("backup", "--db", str(db), "--dir", str(tmp_path), "--keep", "2")
    assert result.returncode == 0 and "已备份到" in result.stdout
    for args, message in ((["--to", str(tmp_path / "x.db"), "--keep", "2"], "--to 不能与"),
                          (["--to", str(tmp_path / "x.db"), "--dir", str(tmp_path)], "--to 不能与"),
                          (["--dir", str(tmp_path / "not-mounted")], "备份目录不存在"),
                          (["--dir", str(tmp_path), "--keep", "0"], "至少为 1")):
        result = hallq("backup", "--db", str(db), *args)
        assert result.returncode == 1 and message in result.stderr, (args, result.stderr)
    missing = hallq("backup", "--db", str(tmp_path / "nope.db"), "--to", str(tmp_path / "y.db"))
    assert missing.returncode == 1 and "数据库文件不存在" in missing.stderr
    assert not (tmp_path / "nope.db").exists()


def test_each_backup_leaves_a_note_for_the_health_report(tmp_path):
    db = make_db(tmp_path / "hallq.db")
    assert backup.read_status(db) is None
    assert hallq("backup", "--db", str(db), "--dir", str(tmp_path / "usb")).returncode == 1  # not mounted
    note = backup.read_status(db)
    assert note["last_ok"] is False and "备份目录不存在" in note["detail"] and "last_success_at" not in note
    (tmp_path / "usb").mkdir()
    assert hallq("backup", "--db", str(db), "--dir", str(tmp_path / "usb")).returncode == 0
    note = backup.read_status(db)
    assert note["last_ok"] is True and note["target"].startswith(str(tmp_path / "usb" / "hallq-"))
    assert note["last_success_at"] == note["last_attempt_at"]


# the hall file's [backup] ------------------------------------------------------------

def hall_with_backup(tmp_path, lines):
    """The demo hall with its [backup] table replaced by `lines`."""
    from hub.hallfile.model import demo_hall_path
    text = demo_hall_path().read_text(encoding="utf-8")
    start = text.index("[backup]\n")
    end = text.index("\n\n", start)
    path = tmp_path / "hall.toml"
    path.write_text(text[:start] + "[backup]\n" + "\n".join(lines) + text[end:], encoding="utf-8")
    return path


def test_backup_follows_the_hall_files_settings(tmp_path):
    db = make_db(tmp_path / "var" / "hallq.db")
    stick = tmp_path / "usb"
    stick.mkdir()
    for day in ("2020-01-01", "2020-01-02", "2020-01-03"):  # earlier daily backups on the stick
        (stick / f"hallq-{day}.db").write_bytes(b"old")
    config = hall_with_backup(tmp_path, [f'dir = "{stick}"', "keep = 2", 'at = "18:30"'])
    result = hallq("backup", "--config", str(config), "--db", str(db))
    assert result.returncode == 0, result.stderr
    daily = sorted(p.name for p in stick.glob("hallq-*.db"))
    today = [n for n in daily if not n.startswith("hallq-2020")]
    assert len(today) == 1 and daily == ["hallq-2020-01-03.db"] + today  # the newest 2 kept
    assert "已删除旧备份" in result.stdout and len(rows(stick / today[0])) == 3
    note = backup.read_status(db)
    assert note["daily_success_at"] == note["last_success_at"] and note["target"] == str(stick / today[0])

    # --keep and --dir stand in for the hall file's keep and dir
    assert hallq("backup", "--config", str(config), "--db", str(db), "--keep", "1").returncode == 0
    assert sorted(p.name for p in stick.glob("hallq-*.db")) == today
    other = tmp_path / "share"
    other.mkdir()
    assert hallq("backup", "--config", str(config), "--db", str(db), "--dir", str(other)).returncode == 0
    assert sorted(p.name for p in other.iterdir()) == [today[0], today[0] + ".token-key"]

    # a relative dir is beside the database, and made there when missing
    config = hall_with_backup(tmp_path, ['dir = "backups"'])
    assert hallq("backup", "--config", str(config), "--db", str(db)).returncode == 0
    assert sorted(p.name for p in (tmp_path / "var" / "backups").iterdir()) == [today[0], today[0] + ".token-key"]


def test_backup_refuses_a_broken_hall_file_and_notes_it(tmp_path):
    db = make_db(tmp_path / "hallq.db")
    config = hall_with_backup(tmp_path, ['dir = "/media/hallq-backup"', "keep = 0"])
    # the timer's check while the hall file is being edited: said, but not a failed backup
    backup.record_status(db, True, time.time(), "today's", "", daily=True)
    result = hallq("backup", "--config", str(config), "--db", str(db), "--if-due")
    assert result.returncode == 1 and "backup.keep" in result.stderr and backup.read_status(db)["last_ok"]
    result = hallq("backup", "--config", str(config), "--db", str(db))
    assert result.returncode == 1 and "大厅配置文件有错误" in result.stderr and "backup.keep" in result.stderr
    assert "Traceback" not in result.stderr
    note = backup.read_status(db)
    assert note["last_ok"] is False and "backup.keep" in note["detail"]
    # an absolute directory that is not there (a stick not mounted) is never made
    config = hall_with_backup(tmp_path, [f'dir = "{tmp_path / "usb" / "hallq"}"'])
    result = hallq("backup", "--config", str(config), "--db", str(db))
    assert result.returncode == 1 and "备份目录不存在" in result.stderr and not (tmp_path / "usb").exists()


def test_if_due_backs_up_once_a_day_after_the_hall_files_time(tmp_path):
    db = make_db(tmp_path / "hallq.db")
    stick = tmp_path / "usb"
    stick.mkdir()
    config = hall_with_backup(tmp_path, [f'dir = "{stick}"', 'at = "00:00"'])
    now = time.time()
    backup.record_status(db, True, now, "earlier", "", daily=True)  # done since the last midnight
    result = hallq("backup", "--config", str(config), "--db", str(db), "--if-due")
    assert result.returncode == 0 and result.stdout == result.stderr == ""
    assert list(stick.iterdir()) == []
    backup.record_status(db, True, now - 2 * 86400, "earlier", "", daily=True)  # two days ago: owed
    result = hallq("backup", "--config", str(config), "--db", str(db), "--if-due")
    assert result.returncode == 0 and "已备份到" in result.stdout
    assert len(list(stick.glob("hallq-*.db"))) == 1
    assert hallq("backup", "--config", str(config), "--db", str(db), "--if-due").stdout == ""  # done now


def test_when_the_daily_backup_is_due():
    from hub.rules.backup_plan import RETRY_S, backup_due, last_slot, next_backup_at, next_slot
    tz, at = "Asia/Shanghai", "18:30"
    morning = 1795654800.0  # 2026-11-26 09:00 +08:00
    slot_26 = morning + 9.5 * 3600  # 2026-11-26 18:30
    slot_25 = slot_26 - 86400
    assert last_slot(morning, at, tz) == slot_25 and next_slot(morning, at, tz) == slot_26
    assert last_slot(slot_26, at, tz) == slot_26 and next_slot(slot_26, at, tz) == slot_26 + 86400
    done_last_night = {"daily_attempt_at": slot_25 + 60, "daily_success_at": slot_25 + 60}
    assert not backup_due(morning, at, tz, done_last_night)
    assert next_backup_at(morning, at, tz, done_last_night) == slot_26
    assert backup_due(slot_26 + 1, at, tz, done_last_night)  # evening: today's is owed
    # the Pi was off last evening: caught up in the morning
    off = {"daily_attempt_at": slot_25 - 86400, "daily_success_at": slot_25 - 86400}
    assert backup_due(morning, at, tz, off) and next_backup_at(morning, at, tz, off) == morning
    # a failure is tried again after RETRY_S, not at every tick
    failed = {"daily_attempt_at": slot_26 + 60, "daily_success_at": slot_25 + 60}
    assert not backup_due(slot_26 + 120, at, tz, failed)
    assert next_backup_at(slot_26 + 120, at, tz, failed) == slot_26 + 60 + RETRY_S
    assert backup_due(slot_26 + 60 + RETRY_S, at, tz, failed)
    # a backup to a file by hand does not count as the day's; an old note (no daily_*) does
    by_hand = {"last_attempt_at": slot_26 + 60, "last_success_at": slot_26 + 60,
               "daily_attempt_at": slot_25 + 60, "daily_success_at": slot_25 + 60}
    assert backup_due(slot_26 + 120, at, tz, by_hand)
    assert not backup_due(slot_26 + 120, at, tz, {"last_attempt_at": slot_26 + 60, "last_success_at": slot_26 + 60})
    assert backup_due(morning, at, tz, None)  # never: at once
