"""The county's PostgreSQL connections: a small pool of psycopg 3 connections
(dict rows), each request taking one for one transaction. Under gevent the
queue and psycopg's waits are cooperative."""
from __future__ import annotations

import queue
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row

from hub.county.schema import migrate


class DatabaseError(Exception):
    """The county database cannot be reached; the message says where and why (zh-CN)."""


def connect(dsn):
    try:
        return psycopg.connect(dsn, row_factory=dict_row, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"无法连接县级数据库 {redact(dsn)}: {str(exc).strip()}") from None


def redact(dsn):
    """A DSN fit for a log: no password."""
    if "@" in dsn and "://" in dsn:
        scheme, rest = dsn.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return dsn


class Database:
    def __init__(self, dsn, size=6):
        self.dsn = dsn
        self.size = size
        self._idle = queue.LifoQueue()
        self._made = 0
        with self.connection() as conn:
            self.version = migrate(conn)

    def _take(self):
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        if self._made < self.size:
            self._made += 1
            try:
                return connect(self.dsn)
            except BaseException:
                self._made -= 1
                raise
        return self._idle.get(timeout=30)

    @contextmanager
    def connection(self):
        conn = self._take()
        try:
            yield conn
        except psycopg.OperationalError:
            conn.close()
            raise
        finally:
            if conn.closed:
                self._made -= 1
            else:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.rollback()
                self._idle.put(conn)

    @contextmanager
    def transaction(self):
        with self.connection() as conn:
            with conn.transaction():
                yield conn

    def query(self, sql, params=()):
        with self.connection() as conn:
            rows = conn.execute(sql, params).fetchall()
            conn.rollback()
            return rows

    def close(self):
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
