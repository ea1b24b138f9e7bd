"""The database: one SQLite file (WAL, synchronous=FULL), one connection
behind a lock, schema versions with migrations.

Every change of hall state goes through `Store.transaction()`: a
`BEGIN IMMEDIATE` transaction in which the caller writes its rows and
appends its events; the events are handed back after COMMIT so that they are
published only once they are durable. Nothing inside a transaction may yield
to another greenlet (no network I/O, no sleeps): the lock is held throughout.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from hub.store import retention, token_key
from hub.rules import ticket_tokens
from hub.rules.errors import HallError

SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE counters (day TEXT NOT NULL, queue TEXT NOT NULL, last INTEGER NOT NULL,
                       PRIMARY KEY (day, queue));
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, queue TEXT NOT NULL, seq INTEGER NOT NULL,
    number TEXT NOT NULL, matter TEXT NOT NULL, situation TEXT, priority TEXT NOT NULL,
    status TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
    issued_at REAL NOT NULL, first_issued_at REAL NOT NULL, called_at REAL, first_called_at REAL,
    started_at REAL, finished_at REAL, window TEXT, target_window TEXT, clerk TEXT,
    recalls INTEGER NOT NULL DEFAULT 0, transfers INTEGER NOT NULL DEFAULT 0,
    outcome TEXT, reason TEXT, due_at REAL, first_queue TEXT,
    UNIQUE (day, first_queue, seq));
CREATE INDEX tickets_status ON tickets (status);
CREATE INDEX tickets_day ON tickets (day);
CREATE TABLE windows (id TEXT PRIMARY KEY, state TEXT NOT NULL, profile TEXT NOT NULL,
                      clerk TEXT, ticket_id INTEGER, last_finished INTEGER, changed_at REAL);
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, type TEXT NOT NULL,
                     ticket_id INTEGER, window_id TEXT, public INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX events_ticket ON events (ticket_id);
CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL,
                    departments TEXT NOT NULL DEFAULT '[]', disabled INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL);
CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, window TEXT,
                       created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE login_failures (user TEXT NOT NULL, ip TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE audit (id INTEGER PRIMARY KEY, at REAL NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
                    target TEXT, ip TEXT, detail TEXT);
CREATE TABLE ratings (ticket_id INTEGER PRIMARY KEY, score INTEGER NOT NULL, at REAL NOT NULL,
                      source TEXT NOT NULL, window TEXT, clerk TEXT);
CREATE TABLE followups (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL UNIQUE, score INTEGER NOT NULL,
                        state TEXT NOT NULL, opened_at REAL NOT NULL, deadline TEXT NOT NULL,
                        history TEXT NOT NULL DEFAULT '[]');
CREATE TABLE devices (id TEXT PRIMARY KEY, online INTEGER NOT NULL DEFAULT 0, last_seen REAL,
                      shows TEXT, fault TEXT);
CREATE TABLE call_acks (event_id INTEGER NOT NULL, device TEXT NOT NULL, at REAL NOT NULL,
                        shown INTEGER NOT NULL, spoken INTEGER NOT NULL, PRIMARY KEY (event_id, device));
CREATE TABLE idempotency (key TEXT PRIMARY KEY, at REAL NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Cases (办件, hub/cases/): a front-window acceptance handed to a department's
# back office; its history, the tickets linked to it (acceptance, pickup), the
# supervision alerts already fired, and wrong pickup codes (for throttling).
SCHEMA_2 = """
CREATE TABLE cases (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, day TEXT NOT NULL, seq INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL, matter TEXT NOT NULL, situation TEXT, department TEXT NOT NULL,
    state TEXT NOT NULL, clerk TEXT, window TEXT, accepted_at REAL NOT NULL, accepted_on TEXT NOT NULL,
    promised_days INTEGER NOT NULL, paused_days INTEGER NOT NULL DEFAULT 0, returned_on TEXT,
    missing TEXT NOT NULL DEFAULT '[]', materials TEXT NOT NULL DEFAULT '[]', deadline TEXT NOT NULL,
    decided_at REAL, decided_on TEXT, reason TEXT, ready_at REAL, closed_at REAL,
    pickup_code TEXT NOT NULL, updated_at REAL NOT NULL, UNIQUE (day, seq));
CREATE INDEX cases_state ON cases (state, deadline);
CREATE INDEX cases_department ON cases (department, state);
CREATE INDEX cases_pickup ON cases (pickup_code);
CREATE TABLE case_history (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, at REAL NOT NULL,
                           user TEXT NOT NULL, action TEXT NOT NULL, state TEXT NOT NULL, note TEXT);
CREATE INDEX case_history_case ON case_history (case_id);
CREATE TABLE case_tickets (ticket_id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE INDEX case_tickets_case ON case_tickets (case_id);
CREATE TABLE case_alerts (case_id INTEGER NOT NULL, point TEXT NOT NULL, deadline TEXT NOT NULL,
                          at REAL NOT NULL, fired INTEGER NOT NULL, PRIMARY KEY (case_id, point, deadline));
CREATE TABLE pickup_failures (ip TEXT NOT NULL, at REAL NOT NULL);
"""

# The summary of each closed day (hub/day_summary.py): written at closing,
# kept when old event rows are pruned, read by GET /api/days.
SCHEMA_3 = """
CREATE TABLE day_summaries (
    day TEXT PRIMARY KEY, closed_at REAL NOT NULL, issued INTEGER NOT NULL, called INTEGER NOT NULL,
    served INTEGER NOT NULL, no_shows INTEGER NOT NULL, expired INTEGER NOT NULL, cancelled INTEGER NOT NULL,
    mean_wait_min REAL, max_wait_min REAL, within_15_min INTEGER NOT NULL, rated INTEGER NOT NULL,
    avg_rating REAL, ratings TEXT NOT NULL);
"""

# Appointments (预约): bookings with only a hash of their code and of the phone
# (the masked number is kept for display), manager-set blackouts; the rating
# outbox for the provincial 好差评 system; 差评 reasons, defaulted ratings,
# appeals (申诉) and the two deadlines of a follow-up (回访, 整改).
SCHEMA_BOOKING = """
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE, matter TEXT NOT NULL, day TEXT NOT NULL,
    start REAL NOT NULL, end REAL NOT NULL, name TEXT NOT NULL, phone_hash TEXT NOT NULL,
    phone_masked TEXT NOT NULL, state TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    ticket_id INTEGER, checked_in_at REAL);
CREATE INDEX bookings_slot ON bookings (matter, start, state);
CREATE INDEX bookings_day ON bookings (day, state);
CREATE INDEX bookings_phone ON bookings (phone_hash, state);
CREATE TABLE blackouts (id INTEGER PRIMARY KEY, first TEXT NOT NULL, last TEXT NOT NULL, reason TEXT NOT NULL,
                        user TEXT NOT NULL, created_at REAL NOT NULL, removed_at REAL);
CREATE TABLE rating_outbox (id INTEGER PRIMARY KEY, rating_key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL,
                            created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL,
                            sent_at REAL, last_error TEXT);
CREATE INDEX rating_outbox_due ON rating_outbox (sent_at, next_at);
ALTER TABLE ratings ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE ratings ADD COLUMN defaulted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ratings ADD COLUMN appeal TEXT;
ALTER TABLE ratings ADD COLUMN appeal_reason TEXT;
ALTER TABLE followups ADD COLUMN rectify_deadline TEXT;
ALTER TABLE followups ADD COLUMN appeal_from TEXT;
"""


def hash_ticket_tokens(conn):
    """Tickets keep only the SHA-256 of their token (hub/rules/ticket_tokens.py) and the nonce
    it is derived from; older tickets get no nonce: still found by their token, not reprintable
    with a QR code. secure_delete: the clear tokens do not linger in freed space of the file."""
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("ALTER TABLE tickets RENAME COLUMN token TO token_hash")
    conn.execute("ALTER TABLE tickets ADD COLUMN token_nonce TEXT")
    rows = conn.execute("SELECT id, token_hash FROM tickets").fetchall()
    conn.executemany("UPDATE tickets SET token_hash=? WHERE id=?",
                     [(ticket_tokens.digest(token), ticket_id) for ticket_id, token in rows])


def scrub_kept_tokens(conn):
    """Idempotency answers kept before hashed tokens still held the issued ticket's token in
    clear: it is blanked (as the newer rows keep it), so that a replay rebuilds it or, for a
    ticket from before the token key, says so (409 token_not_kept)."""
    conn.execute("PRAGMA secure_delete=ON")
    for key, body in conn.execute("SELECT key, body FROM idempotency").fetchall():
        try:
            data = json.loads(body)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("token"), str):
            data["token"] = None
            data.pop("status_url", None)
            conn.execute("UPDATE idempotency SET body=? WHERE key=?", (json.dumps(data, ensure_ascii=False), key))


# Each migration takes the connection inside an open transaction.
MIGRATIONS = [
    lambda conn: conn.executescript_in_tx(SCHEMA_1),
    lambda conn: conn.executescript_in_tx(SCHEMA_2),
    lambda conn: conn.executescript_in_tx(SCHEMA_3),
    lambda conn: conn.executescript_in_tx(SCHEMA_BOOKING),
    # an Idempotency-Key is bound to its request body: the body's SHA-256 (NULL for older rows)
    lambda conn: conn.execute("ALTER TABLE idempotency ADD COLUMN request TEXT"),
    hash_ticket_tokens,
    scrub_kept_tokens,
]


class _Conn(sqlite3.Connection):
    def executescript_in_tx(self, script):
        # executescript() would COMMIT first; run the statements one by one instead
        for statement in script.split(";"):
            if statement.strip():
                self.execute(statement)


class StoreUnavailable(Exception):
    """The database cannot be opened for writing; the message names the path and why."""


def check_writable(path):
    """Refuse, with a message naming the path, a database the hub could not write: its
    directory (where SQLite keeps the -wal and -shm files) or the file itself read-only."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(directory):
        return
    if not os.access(directory, os.W_OK):
        raise StoreUnavailable(f"数据库目录 {directory} 不可写 (只读或无权限): hub 无法在其中写入 "
                               f"{os.path.basename(path)} 及其 -wal/-shm 文件。请检查挂载与权限 (运行用户须可写)。")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise StoreUnavailable(f"数据库文件 {path} 不可写 (只读或无权限)。")


class Store:
    read_only = False

    def __init__(self, path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                    factory=_Conn, timeout=10)
        self.conn.row_factory = sqlite3.Row
        if not self.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            # a new file, before its first table: lets the daily retention give pages back to
            # the SD card (setting it on an existing file would write to it for nothing)
            self.conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.db = sqlite_utils.Database(self.conn)
        self.lock = threading.RLock()
        try:
            self.token_key = token_key.load_or_create(self.path)
        except (OSError, token_key.TokenKeyError) as exc:
            raise StoreUnavailable(str(exc) if isinstance(exc, token_key.TokenKeyError)
                                   else f"无法创建号票密钥文件 {token_key.path_of(self.path)}: {exc.strerror or exc}"
                                   ) from None
        self.migrate()

    # schema ---------------------------------------------------------------
    def schema_version(self):
        with self.lock:
            exists = self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
            if not exists:
                return 0
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            return int(row[0]) if row else 0

    def migrate(self):
        """Bring the schema to the newest version; each step its own transaction."""
        version = self.schema_version()
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as conn:
                step(conn)
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                             (str(number),))
        if 0 < version < len(MIGRATIONS) and self.path != ":memory:":
            # the pages a migration replaced (clear ticket tokens) overwritten in the file now,
            # not at some later checkpoint
            with self.lock:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return self.schema_version()

    # transactions ----------------------------------------------------------
    @contextmanager
    def transaction(self):
        """A write. A full disk (SQLITE_FULL) becomes a 503 `storage_full`: nothing of the
        transaction was written, what was committed before stays, and the next transaction
        simply tries again, so writing resumes by itself once there is room."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                    raise HallError(503, "storage_full") from exc
                raise

    @contextmanager
    def reading(self):
        with self.lock:
            yield self.conn

    def query(self, sql, params=()):
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql, params=()):
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def close(self):
        with self.lock:
            self.conn.close()

    # upkeep -----------------------------------------------------------------
    def prune_events(self, *, days, now, tz, pause=None, hold=False):
        """Events older than `days` folded into daily counts (hub/store/retention.py), in batches;
        `hold`: keep what the county has not acknowledged."""
        with self.lock:
            through = retention.held_through(self.conn) if hold else None
        return retention.prune_events(self.transaction, days=days, now=now, tz=tz, pause=pause, through=through)

    def held_back(self, before):
        """Events older than `before` kept only because the county has not acknowledged them."""
        with self.lock:
            return retention.held_back(self.conn, before)

    def reclaim_space(self):
        with self.lock:
            return retention.reclaim_space(self.conn)


class ReadOnlyStore(Store):
    """The hub's database opened read-only (a reprint, a report by cron while the hub runs):
    it never writes the file, not even to migrate it."""

    read_only = True

    def __init__(self, path):
        self.path = str(path)
        if not Path(self.path).is_file():
            raise StoreMissing(self.path)
        try:
            self.conn = sqlite3.connect(Path(self.path).resolve().as_uri() + "?mode=ro", uri=True,
                                        check_same_thread=False, factory=_Conn)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise StoreUnreadable(self.path, exc) from None
        try:
            self.token_key = token_key.read(self.path)  # None: tickets read, but no QR to rebuild
        except token_key.TokenKeyError as exc:
            raise StoreUnreadable(self.path, exc) from None
        self.lock = threading.RLock()

    @contextmanager
    def transaction(self):
        raise StoreUnreadable(self.path, "opened read-only")
        yield  # pragma: no cover


class StoreMissing(LookupError):
    def __init__(self, path):
        super().__init__(f"数据库文件不存在: {path}")


class StoreUnreadable(LookupError):
    def __init__(self, path, why):
        super().__init__(f"无法读取数据库 {path}: {why}")


def prune_file(path, *, days, now, tz, full_vacuum=False, hold=False):
    """`hallq prune` on a database no hub is running on: (pruned, space). `hold`: keep the events
    the county has not acknowledged (when the database ships to one); pruned["through"] says
    up to where the county had acknowledged (None: no hold)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        through = retention.held_through(conn) if hold else None
        result = retention.prune_events(retention.plain_transaction(conn), days=days, now=now, tz=tz,
                                        through=through)
        result["through"] = through
        space = retention.vacuum(conn) if full_vacuum else retention.reclaim_space(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreUnreadable(path, exc) from None
    finally:
        conn.close()
    return result, space


def commit_probe_ms(directory, commits=60):
    """The floor under every change: the times (ms) of `commits` one-row commits with
    synchronous=FULL in a scratch database in `directory`."""
    import time
    path = Path(directory) / "fsync-probe.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE probe (x)")
    times = []
    for i in range(commits):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO probe VALUES (?)", (i,))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - began) * 1000)
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return times


def append_event(conn, at, type_, data, ticket_id=None, window_id=None, public=True):
    """Write an event row inside the caller's transaction; returns its id."""
    cur = conn.execute(
        "INSERT INTO events (at, type, ticket_id, window_id, public, data) VALUES (?, ?, ?, ?, ?, ?)",
        (at, type_, ticket_id, window_id, 1 if public else 0, json.dumps(data, ensure_ascii=False)))
    return cur.lastrowid


def default_db_path():
    return os.path.join(os.getcwd(), "var", "hallq.db")
