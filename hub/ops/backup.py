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
import os
import re
import time
from pathlib import Path

from hub.store import token_key

from hub.store.backup import (BackupError, check_database, copy_database, read_status, record_status,  # noqa: F401
                              refuse_newer_schema, status_path, write_into)

DAILY_NAME = re.compile(r"^hallq-(\d{4}-\d{2}-\d{2})\.db$")
TMP_PREFIX = ".hallq-backup-"


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
        copy_database(db_path, tmp)
        summary = check_database(tmp)
        _fsync_file(tmp)
        # the ticket-token key goes along (a reprint's QR code needs it), before the copy is named
        summary["token_key"] = token_key.copy(db_path, dest_path)
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
        if os.path.exists(token_key.path_of(path)):
            os.unlink(token_key.path_of(path))
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

# restore ----------------------------------------------------------------------

def restore(backup_path, db_path, now=None):
    """Replace the database at `db_path` by the backup; returns a dict.

    Raises DatabaseInUse while a hub holds the database, BackupError when
    the backup is not a sound hallq database or comes from a newer hallq."""
    summary = check_database(backup_path)
    refuse_newer_schema(summary)
    db_path = str(db_path)
    result = {"restored": summary, "previous": None}
    with hold_db_lock(db_path, purpose="restore"):
        if os.path.isfile(db_path):
            keep = f"{db_path}.before-restore-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}"
            backup(db_path, keep)
            result["previous"] = keep
        write_into(backup_path, db_path)
        check_database(db_path)
        # False: a backup without its key (older hallq): tickets still work, reprints of them are refused
        result["token_key"] = token_key.copy(backup_path, db_path)
        give_to_directory_owner(db_path)
    return result


def give_to_directory_owner(db_path):
    """Run as root, keep the files owned like their directory (the hub runs as hallq)."""
    if os.geteuid() != 0:
        return
    info = os.stat(os.path.dirname(os.path.abspath(db_path)))
    for path in (db_path, lock_path(db_path), db_path + "-wal", db_path + "-shm", token_key.path_of(db_path)):
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
