"""The SQLite side of backups and restores (hub/ops/backup.py holds the rest:
the lock, daily files, rotation): the online backup API, checking a copy,
writing a backup into a database, and the note of the last backup that the
health report reads."""
from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse

STATUS_NAME = "backup-status.json"  # beside the database: the hub's health report reads it


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


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


def copy_database(src_path, dest_path):
    # pages=-1: one consistent step, see hub/ops/backup.py; then one file, no -wal beside it
    _copy_pages(sqlite3.connect(src_path, timeout=30), dest_path, "备份失败", after=("PRAGMA journal_mode=DELETE",))


def write_into(backup_path, db_path):
    # DELETE mode first: the backup API cannot write into a WAL database
    # of another page size, and nobody else has the file (we hold the lock).
    _copy_pages(_open_readonly(backup_path), db_path, "恢复失败",
                before=("PRAGMA journal_mode=DELETE",), after=("PRAGMA journal_mode=WAL",))


def _copy_pages(src, dest_path, failure, before=(), after=()):
    """SQLite's online backup of connection `src` into the file `dest_path`; closes `src`."""
    try:
        dst = sqlite3.connect(dest_path, timeout=30)
        try:
            for pragma in before:
                dst.execute(pragma)
            src.backup(dst)
            for pragma in after:
                dst.execute(pragma)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{failure}：{exc}") from None
    finally:
        src.close()


def refuse_newer_schema(summary):
    from hub.store.database import MIGRATIONS
    if summary["schema_version"] > len(MIGRATIONS):
        raise BackupError(
            f"备份的数据结构版本 {summary['schema_version']} 比本程序支持的 {len(MIGRATIONS)} 新："
            "请先升级 hallq 再恢复。")


def status_path(db_path):
    return os.path.join(os.path.dirname(os.path.abspath(str(db_path))), STATUS_NAME)


def record_status(db_path, ok, now, target, detail="", daily=False):
    """Note the outcome of a backup beside the database (best effort: a
    backup that worked must not fail because its note could not be written).
    `daily`: the day's backup into the hall file's [backup] directory, which
    hub.rules.backup_plan schedules by (a backup to a file by hand is not one)."""
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
    if db_path in (None, "", ":memory:") or str(db_path).startswith("file::memory:"):
        return None
    try:
        with open(status_path(db_path), encoding="utf-8") as f:
            status = json.load(f)
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None
