"""Backups and restores of the hall's database, and the lock that guards it.

- `backup()` copies the database with SQLite's online backup API in ONE step
  (pages=-1): the copy is one read transaction, so it is a consistent
  snapshot, and in WAL mode a reader never blocks the hub's writes. (A
  stepwise copy restarts whenever the hub writes between steps and might
  never finish in a busy hall.) The copy is checked (`PRAGMA
  integrity_check`, table `meta` with `schema_version`), switched to a
  single self-contained file (journal_mode=DELETE), fsynced and renamed into
  place, so a half-written backup never carries a backup's name.
- `backup_to_dir()` writes one file a day (`hallq-YYYY-MM-DD.db`) into a
  directory (a USB stick, a network share) and keeps the newest N.
- `restore()` refuses while a hub holds the database (see `hold_db_lock`),
  checks the backup first, keeps the current database as
  `<db>.before-restore-<time>`, and writes the backup into the database with
  the backup API too, so the restore is one transaction of the target.

The lock: the hub calls `hold_db_lock(db_path)` at start and keeps the
returned object for its whole life. It is a `flock` on `<db>.lock`, released
by the kernel when the process dies, so a crash or power loss never leaves a
stale lock behind.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import time
import urllib.parse
from pathlib import Path

DAILY_NAME = re.compile(r"^hallq-(\d{4}-\d{2}-\d{2})\.db$")
TMP_PREFIX = ".hallq-backup-"
STATUS_NAME = "backup-status.json"  # beside the database: the hub's health report reads it


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


class DatabaseInUse(BackupError):
    def __init__(self, db_path, holder=""):
        self.db_path = str(db_path)
        self.holder = holder
        who = f"（{holder}）" if holder else ""
        super().__init__(
            f"数据库 {db_path} 正被运行中的进程使用{who}。"
            "请先停止 hub：sudo systemctl stop hallq-hub，然后再试。")


# the lock ---------------------------------------------------------------------

class DbLock:
    """An exclusive flock on `<db>.lock`; `release()` or leave the `with`."""

    def __init__(self, path, fd):
        self.path = path
        self._fd = fd

    @property
    def held(self):
        return self._fd is not None

    def release(self):
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    close = release  # the hub's start_hub() calls lock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        self.release()


def lock_path(db_path):
    return str(db_path) + ".lock"


def _in_memory(db_path):
    return db_path in (None, "", ":memory:") or str(db_path).startswith("file::memory:")


def hold_db_lock(db_path, purpose="hub"):
    """Take the database's lock or raise DatabaseInUse (never waits).

    The hub calls this once at start, before opening the Store, and keeps the
    returned DbLock until it exits: `self.db_lock = hold_db_lock(db_path)`.
    `hallq restore` takes the same lock, so a restore never runs under a hub
    and a hub never starts during a restore. In-memory databases get a dummy
    lock. The file keeps "<pid> <purpose>" of the holder for the message."""
    if _in_memory(db_path):
        return DbLock(None, None)
    path = lock_path(db_path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _read_holder(fd)
        os.close(fd)
        raise DatabaseInUse(db_path, holder) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} {purpose}\n".encode(), 0)
    return DbLock(path, fd)


def db_in_use(db_path):
    """The holder ("pid 123 hub") when some process holds the lock, else ""."""
    try:
        hold_db_lock(db_path, purpose="probe").release()
    except DatabaseInUse as busy:
        return busy.holder or "?"
    return ""


def _read_holder(fd):
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


# checks -----------------------------------------------------------------------

def _open_readonly(path):
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True)


def check_database(path):
    """Check that `path` is a sound hallq database; returns a summary dict.

    Raises BackupError naming what is wrong: missing, not SQLite, damaged,
    not hallq's (no `meta` table with `schema_version`)."""
    path = str(path)
    if not os.path.isfile(path):
        raise BackupError(f"文件不存在：{path}")
    try:
        conn = _open_readonly(path)
        try:
            return _check_connection(conn, path)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 不是可用的 SQLite 数据库（{exc}）") from None


def _check_connection(conn, path):
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        raise BackupError(f"{path} 已损坏（integrity_check：{'; '.join(rows[:5])}）")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    row = None
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        raise BackupError(f"{path} 不是 hallq 数据库（没有 meta 表中的 schema_version）")
    summary = {"path": path, "integrity": "ok", "schema_version": int(row[0])}
    if "tickets" in tables:
        count, last_day = conn.execute("SELECT count(*), max(day) FROM tickets").fetchone()
        summary.update(tickets=count, last_day=last_day)
    if "events" in tables:
        count, last_at = conn.execute("SELECT count(*), max(at) FROM events").fetchone()
        summary.update(events=count, last_event_at=last_at)
    return summary


def describe(summary):
    """One line for people: what a backup holds."""
    parts = [f"数据结构版本 {summary['schema_version']}"]
    if "tickets" in summary:
        parts.append(f"号票 {summary['tickets']} 张")
        if summary.get("last_day"):
            parts.append(f"最后营业日 {summary['last_day']}")
    if summary.get("last_event_at"):
        parts.append("最后记录 " + time.strftime("%Y-%m-%d %H:%M", time.localtime(summary["last_event_at"])))
    return "，".join(parts)


# backup -----------------------------------------------------------------------

def backup(db_path, dest_path):
    """Copy the live database to `dest_path` (replaced atomically); returns the summary."""
    db_path, dest_path = str(db_path), str(dest_path)
    if not os.path.isfile(db_path):
        raise BackupError(f"数据库文件不存在：{db_path}")
    dest_dir = os.path.dirname(os.path.abspath(dest_path))
    if not os.path.isdir(dest_dir):
        raise BackupError(f"备份目录不存在（U 盘或网络共享是否已挂载？）：{dest_dir}")
    tmp = os.path.join(dest_dir, f"{TMP_PREFIX}{os.getpid()}-{time.monotonic_ns()}.tmp")
    try:
        _copy(db_path, tmp)
        summary = check_database(tmp)
        _fsync_file(tmp)
        os.replace(tmp, dest_path)
        _fsync_dir(dest_dir)
    except OSError as exc:
        raise BackupError(f"无法写入备份 {dest_path}：{exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    summary["path"] = dest_path
    summary["bytes"] = os.path.getsize(dest_path)
    return summary


def _copy(src_path, dest_path):
    src = sqlite3.connect(src_path, timeout=30)
    try:
        dst = sqlite3.connect(dest_path)
        try:
            src.backup(dst)  # pages=-1: one consistent step, see the module doc
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份失败：{exc}") from None
    finally:
        src.close()


def daily_name(now=None, tz=None):
    """hallq-YYYY-MM-DD.db of the day of `now`: in the hall's time zone `tz` if given."""
    if tz is None:
        return time.strftime("hallq-%Y-%m-%d.db", time.localtime(now))
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.fromtimestamp(time.time() if now is None else now, ZoneInfo(tz)).strftime("hallq-%Y-%m-%d.db")


def backup_to_dir(db_path, directory, keep, now=None, tz=None):
    """Today's backup into `directory` (same day: replaced), then keep the newest `keep`."""
    if keep < 1:
        raise BackupError("--keep 至少为 1")
    directory = str(directory)
    _remove_stale_tmp(directory)
    summary = backup(db_path, os.path.join(directory, daily_name(now, tz)))
    summary["removed"] = rotate(directory, keep)
    return summary


def rotate(directory, keep):
    """Delete the oldest daily backups beyond `keep`; returns the removed paths.

    Only files named like hallq-YYYY-MM-DD.db are touched: a USB stick may
    hold other things."""
    names = sorted(n for n in os.listdir(directory) if DAILY_NAME.match(n))
    removed = []
    for name in names[:max(0, len(names) - keep)]:
        path = os.path.join(directory, name)
        os.unlink(path)
        removed.append(path)
    return removed


def _remove_stale_tmp(directory):
    if not os.path.isdir(directory):
        return
    for name in os.listdir(directory):
        if name.startswith(TMP_PREFIX) and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


# the last backup, for the health report -------------------------------------------

def status_path(db_path):
    return os.path.join(os.path.dirname(os.path.abspath(str(db_path))), STATUS_NAME)


def record_status(db_path, ok, now, target, detail="", daily=False):
    """Note the outcome of a backup beside the database (best effort: a
    backup that worked must not fail because its note could not be written).
    `daily`: the day's backup into the hall file's [backup] directory, which
    hub.ops.backup_plan schedules by (a backup to a file by hand is not one)."""
    status = read_status(db_path) or {}
    status.update(last_attempt_at=now, last_ok=bool(ok), target=str(target), detail=str(detail))
    if ok:
        status["last_success_at"] = now
    if daily:
        status["daily_attempt_at"] = now
        if ok:
            status["daily_success_at"] = now
    path = status_path(db_path)
    try:
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(status, f, ensure_ascii=False)
        os.replace(tmp, path)
        if os.geteuid() == 0:  # run by hand as root: the service (user hallq) must overwrite it later
            info = os.stat(os.path.dirname(path))
            os.chown(path, info.st_uid, info.st_gid)
    except OSError:
        return None
    return status


def read_status(db_path):
    """The note of the last backup of this database, or None when there is none."""
    if _in_memory(db_path):
        return None
    try:
        with open(status_path(db_path), encoding="utf-8") as f:
            status = json.load(f)
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


# restore ----------------------------------------------------------------------

def restore(backup_path, db_path, now=None):
    """Replace the database at `db_path` by the backup; returns a dict.

    Raises DatabaseInUse while a hub holds the database, BackupError when
    the backup is not a sound hallq database or comes from a newer hallq."""
    summary = check_database(backup_path)
    _refuse_newer_schema(summary)
    db_path = str(db_path)
    result = {"restored": summary, "previous": None}
    with hold_db_lock(db_path, purpose="restore"):
        if os.path.isfile(db_path):
            keep = f"{db_path}.before-restore-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}"
            backup(db_path, keep)
            result["previous"] = keep
        _write_into(backup_path, db_path)
        check_database(db_path)
        give_to_directory_owner(db_path)
    return result


def _write_into(backup_path, db_path):
    src = _open_readonly(backup_path)
    try:
        dst = sqlite3.connect(db_path, timeout=30)
        try:
            # DELETE mode first: the backup API cannot write into a WAL database
            # of another page size, and nobody else has the file (we hold the lock).
            dst.execute("PRAGMA journal_mode=DELETE")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"恢复失败：{exc}") from None
    finally:
        src.close()


def _refuse_newer_schema(summary):
    try:
        from hub.store.database import MIGRATIONS
    except ImportError:  # the store's dependencies are missing: nothing to compare with
        return
    if summary["schema_version"] > len(MIGRATIONS):
        raise BackupError(
            f"备份的数据结构版本 {summary['schema_version']} 比本程序支持的 {len(MIGRATIONS)} 新："
            "请先升级 hallq 再恢复。")


def give_to_directory_owner(db_path):
    """Run as root, keep the files owned like their directory (the hub runs as hallq)."""
    if os.geteuid() != 0:
        return
    info = os.stat(os.path.dirname(os.path.abspath(db_path)))
    for path in (db_path, lock_path(db_path), db_path + "-wal", db_path + "-shm"):
        if os.path.exists(path):
            os.chown(path, info.st_uid, info.st_gid)


def _fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems (vfat on a USB stick, CIFS) refuse a directory fsync
        pass
    finally:
        os.close(fd)
