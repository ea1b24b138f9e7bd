"""The hub's secret for ticket tokens (hub/rules/ticket_tokens.py): a file
beside the database, `<db>.token-key` (mode 0600), made on the first start.
It is not in the database, so a copy of the database alone (a report, a
backup handed on) holds no ticket's token; `hallq backup` and `restore` copy
it along, since without it no reprint can rebuild a QR code."""
from __future__ import annotations

import os
import secrets

SUFFIX = ".token-key"
KEY_BYTES = 32


class TokenKeyError(Exception):
    """The key file exists but cannot be used; the message names it and why."""


def path_of(db_path):
    return str(db_path) + SUFFIX


def _in_memory(db_path):
    return str(db_path) in ("", ":memory:") or str(db_path).startswith("file::memory:")


def read(db_path):
    """The key beside `db_path`, or None when there is no key file."""
    if _in_memory(db_path):
        return None
    path = path_of(db_path)
    try:
        with open(path, encoding="ascii") as f:
            text = f.read().strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenKeyError(f"无法读取号票密钥文件 {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise TokenKeyError(f"号票密钥文件 {path} 已损坏 (应为 {KEY_BYTES * 2} 个十六进制字符); "
                            "请从备份恢复该文件 (与数据库同时备份的 .token-key)")
    return key


def load_or_create(db_path):
    """The key beside `db_path`, made (0600, fsynced) when there is none yet; an in-memory
    database gets a key of its own for the life of the process."""
    if _in_memory(db_path):
        return secrets.token_bytes(KEY_BYTES)
    key = read(db_path)
    if key is not None:
        return key
    path = path_of(db_path)
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (secrets.token_bytes(KEY_BYTES).hex() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # never replaces a key another process made meanwhile
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return read(db_path)


def copy(src_db, dest_db):
    """The key of database `src_db` beside `dest_db` too (0600, replaced atomically, fsynced);
    False when `src_db` has no key file (then the one beside `dest_db` is left as it is)."""
    key = read(src_db)
    if key is None:
        return False
    path = path_of(dest_db)
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (key.hex() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return True
