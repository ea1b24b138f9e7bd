"""Users, PINs, sessions and the actor behind each request.

PINs are stored only as salted PBKDF2 hashes. Sessions are random tokens
of which only a hash is stored. Failed logins are slowed down per user and
address. Devices authenticate with their key from the hall file.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from hub.hallfile.model import Limits
from hub.rules.errors import HallError

ROLES = ("clerk", "manager", "admin", "backoffice", "guide")
STAFF_ROLES = frozenset(ROLES)
PBKDF2_ROUNDS = 120_000
SESSION_SECONDS = 16 * 3600
FAILURES_FREE = 3  # failures before the slow-down starts
FAILURE_WINDOW = 900  # seconds that a failure counts for the slow-down
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, a device, or an anonymous citizen."""
    name: str = "anonymous"
    role: str | None = None  # a staff role, "device", or None
    window: str | None = None  # the window a clerk staffs, or a device's window
    device: str | None = None
    device_kind: str | None = None
    departments: tuple = ()
    ip: str = ""

    @property
    def is_staff(self):
        return self.role in STAFF_ROLES

    @property
    def is_manager(self):
        return self.role in ("manager", "admin")

    @property
    def audit_name(self):
        return f"device:{self.device}" if self.device else self.name


def permit(actor, allowed):
    """`actor` if `allowed(actor)`: else 401 without a login, 403 with one."""
    if actor is None:
        raise HallError(401, "login_required")
    if not allowed(actor):
        raise HallError(403, "forbidden")
    return actor


def hash_pin(pin, salt=None):
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), bytes.fromhex(salt), PBKDF2_ROUNDS)
    return salt, digest.hex()


def check_pin(pin, salt, expected):
    return hmac.compare_digest(hash_pin(pin, salt)[1], expected)


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_pin_rule(role, pin, rules):
    """The hall's PIN rule for `role` (hall file [accounts]); `rules=None` only for the demo's
    short PINs, which still need 4 characters."""
    rule = (rules or {}).get(role)
    length, digits = (rule.min_length, rule.digits) if rule else (4, False)
    if not isinstance(pin, str) or len(pin) < length or (digits and not (pin.isascii() and pin.isdigit())):
        raise HallError(422, "weak_pin_digits" if digits else "weak_pin", role=role, min=length)


def add_user_in(db, name, role, pin, now, departments=(), rules=None):
    """Inside a transaction: a new user, its PIN (checked against the hall's rule) only as a salted hash."""
    if role not in ROLES:
        raise HallError(422, "bad_field", field="role", why=(f"须为 {'/'.join(ROLES)}", f"must be one of {'/'.join(ROLES)}"))
    if not name or len(name) > 64:
        raise HallError(422, "bad_field", field="name", why=("须为 1 到 64 个字符", "must be 1 to 64 characters"))
    check_pin_rule(role, pin, rules)
    salt, digest = hash_pin(pin)
    if db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
        raise HallError(409, "duplicate_user", id=name)
    db.execute("INSERT INTO users (name, role, salt, hash, departments, created_at) VALUES (?,?,?,?,?,?)",
               (name, role, salt, digest, json.dumps(list(departments), ensure_ascii=False), now))


def add_user(store, name, role, pin, now, departments=(), rules=None):
    """`hallq user add` and the demo's users: written before any hub serves the file."""
    with store.transaction() as conn:
        add_user_in(conn, name, role, pin, now, departments, rules)


def throttle_seconds(failures):
    """Wait imposed after `failures` recent failures: 0, then 2, 4, 8 ... up to 5 min."""
    if failures < FAILURES_FREE:
        return 0
    return min(300, 2 ** (failures - FAILURES_FREE + 1))


# a lock-out per user (one PIN tried from many addresses) and per address (one PIN tried against every user)
LOCKS = (("user", "login_failures_per_user"), ("ip", "login_failures_per_client"))


def _lock_seconds(conn, column, value, limit, window_s, now):
    """Seconds until the failures of `column = value` drop below `limit`, or 0."""
    recent = conn.execute(f"SELECT COUNT(*) FROM login_failures WHERE {column}=? AND at>?",
                          (value, now - window_s)).fetchone()[0]
    if recent < limit:
        return 0, recent
    oldest_that_counts = conn.execute(
        f"SELECT at FROM login_failures WHERE {column}=? AND at>? ORDER BY at LIMIT 1 OFFSET ?",
        (value, now - window_s, recent - limit)).fetchone()[0]
    return max(1, int(oldest_that_counts + window_s - now) + 1), recent


def check_locks(conn, name, ip, limits, now):
    window_s = limits.lockout_minutes * 60
    counts = {}
    for column, setting in LOCKS:
        limit = getattr(limits, setting)
        seconds, counts[column] = _lock_seconds(conn, column, name if column == "user" else ip, limit, window_s, now)
        if seconds:
            raise HallError(429, "login_locked", seconds=seconds, minutes=limits.lockout_minutes)
    return counts


def record_failure(conn, name, ip, now, counts, limits):
    """The failure, and a lock-out in the audit log when this one starts it."""
    conn.execute("DELETE FROM login_failures WHERE at < ?", (now - limits.lockout_minutes * 60,))
    conn.execute("INSERT INTO login_failures (user, ip, at) VALUES (?,?,?)", (name, ip, now))
    for column, setting in LOCKS:
        limit = getattr(limits, setting)
        if counts[column] + 1 == limit:
            target = name if column == "user" else f"ip:{ip}"
            conn.execute("INSERT INTO audit (at, user, action, target, ip, detail) VALUES (?,?,?,?,?,?)",
                         (now, "anonymous", "login.locked", target, ip,
                          f"{limit} failures in {limits.lockout_minutes} min"))


def actor_from_session(row, ip=""):
    return Actor(name=row["user"], role=row["role"], window=row["window"],
                 departments=tuple(json.loads(row["departments"])), ip=ip)
