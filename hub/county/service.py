"""The county's operations: halls and their keys, county users and sessions,
ingest, the figures pages read, the bulletin and the catalogue. It knows
nothing of HTTP: the Flask adapter (hub.county.web) hands it keys, tokens and
bodies and turns its results and CountyErrors into JSON."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from psycopg.types.json import Jsonb

from hub.county import reads
from hub.county import report as bulletin
from hub.county.batch import parse_batch
from hub.county.errors import CountyError
from hub.county.figures import view
from hub.county.ingest import DEFAULT_TZ, Ingest
from hub.county.schema import FIGURE_FIELDS
from hub.service.auth import check_pin, hash_pin, token_hash

ROLES = ("county-manager",)
SESSION_SECONDS = 12 * 3600
SILENT_S = 3600
FAILURES_ALLOWED = 5  # failed logins per user or address within the window before the next is refused
FAILURE_WINDOW_S = 900
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class CountyActor:
    name: str
    role: str
    halls: tuple | None  # None: every hall
    ip: str = ""

    def may_see(self, hall_id):
        return self.halls is None or hall_id in self.halls


class CountyService:
    def __init__(self, db, clock, timezone=DEFAULT_TZ):
        self.db = db
        self.clock = clock
        self.tz = timezone

    def today(self):
        return datetime.fromtimestamp(self.clock.now(), ZoneInfo(self.tz)).strftime("%Y-%m-%d")

    # halls and users -----------------------------------------------------------------
    def add_hall(self, hall_id, name):
        if not isinstance(hall_id, str) or not _ID.match(hall_id):
            raise CountyError(422, "bad_field", field="id", why="须为字母、数字、点、横线或下划线, 最长 64 个字符")
        if not name or not name.strip():
            raise CountyError(422, "missing_field", field="name")
        key = f"{hall_id}.{secrets.token_urlsafe(32)}"
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM halls WHERE id=%s", (hall_id,)).fetchone():
                raise CountyError(409, "duplicate_hall", id=hall_id)
            conn.execute("INSERT INTO halls (id, name, key_hash, created_at) VALUES (%s, %s, %s, %s)",
                         (hall_id, name.strip(), token_hash(key), self.clock.now()))
        return key

    HALL_TABLES = ("events", "tickets", "figures", "waits", "day_p90", "closings", "followups", "cases", "devices")

    def forget_hall(self, hall_id):
        """Deletes a hall and everything it sent (the demo starts each run from a clean day)."""
        with self.db.transaction() as conn:
            for table in self.HALL_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE hall=%s", (hall_id,))
            conn.execute("DELETE FROM halls WHERE id=%s", (hall_id,))

    def add_user(self, name, role, pin, halls=()):
        if role not in ROLES:
            raise CountyError(422, "bad_field", field="role", why=f"须为 {'/'.join(ROLES)}")
        if not name or len(name) > 64:
            raise CountyError(422, "bad_field", field="name", why="须为 1 到 64 个字符")
        if not pin or len(pin) < 4:
            raise CountyError(422, "bad_field", field="pin", why="至少 4 位")
        salt, digest = hash_pin(pin)
        with self.db.transaction() as conn:
            known = {r["id"] for r in conn.execute("SELECT id FROM halls WHERE id = ANY(%s)", (list(halls),))}
            unknown = [h for h in halls if h not in known]
            if unknown:
                raise CountyError(422, "unknown_hall", id=unknown[0])
            if conn.execute("SELECT 1 FROM users WHERE name=%s", (name,)).fetchone():
                raise CountyError(409, "duplicate_user", id=name)
            conn.execute("INSERT INTO users (name, role, salt, hash, halls, created_at) VALUES (%s,%s,%s,%s,%s,%s)",
                         (name, role, salt, digest, Jsonb(sorted(set(halls))), self.clock.now()))

    def login(self, name, pin, ip=""):
        if not isinstance(name, str) or not isinstance(pin, str):
            raise CountyError(401, "login_failed")
        since = self.clock.now() - FAILURE_WINDOW_S
        failed = self.db.query("SELECT count(*) AS n, max(at) AS last FROM audit WHERE action='login.failed' "
                               "AND (user_name=%s OR ip=%s) AND at > %s", (name, ip, since))[0]
        if failed["n"] >= FAILURES_ALLOWED:
            wait = int(failed["last"] + FAILURE_WINDOW_S - self.clock.now()) + 1
            raise CountyError(429, "login_throttled", seconds=max(1, wait))
        row = self.db.query("SELECT * FROM users WHERE name=%s", (name,))
        ok = bool(row) and check_pin(pin, row[0]["salt"], row[0]["hash"])
        token = secrets.token_urlsafe(24)
        now = self.clock.now()
        with self.db.transaction() as conn:
            self._audit(conn, name, "login" if ok else "login.failed", "-", ip)
            if ok:
                conn.execute("INSERT INTO sessions (token_hash, user_name, created_at, expires_at) "
                             "VALUES (%s, %s, %s, %s)", (token_hash(token), name, now, now + SESSION_SECONDS))
        if not ok:
            raise CountyError(401, "login_failed")
        return token

    def logout(self, token):
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash=%s", (token_hash(token),))

    def actor(self, token, ip=""):
        if not token:
            return None
        rows = self.db.query("SELECT u.name, u.role, u.halls FROM sessions s JOIN users u ON u.name = s.user_name "
                             "WHERE s.token_hash=%s AND s.expires_at > %s", (token_hash(token), self.clock.now()))
        if not rows:
            return None
        r = rows[0]
        return CountyActor(r["name"], r["role"], tuple(r["halls"]) or None, ip)

    def _audit(self, conn, user, action, target, ip="", detail=None):
        conn.execute("INSERT INTO audit (at, user_name, action, target, ip, detail) VALUES (%s,%s,%s,%s,%s,%s)",
                     (self.clock.now(), user, action, target, ip, detail))

    def audit(self, actor, action, target, detail=None):
        with self.db.transaction() as conn:
            self._audit(conn, actor.name, action, target, actor.ip, detail)

    def audit_rows(self, actor, limit=200):
        self.audit(actor, "audit.read", "-")
        rows = self.db.query("SELECT at, user_name, action, target, ip, detail FROM audit ORDER BY id DESC LIMIT %s",
                             (limit,))
        return [{"at": self._iso(r["at"]), "user": r["user_name"], "action": r["action"], "target": r["target"],
                 "ip": r["ip"], "detail": r["detail"]} for r in rows]

    # the uplink --------------------------------------------------------------------------
    def hall_of_key(self, key):
        if not key:
            raise CountyError(401, "bad_key")
        rows = self.db.query("SELECT id FROM halls WHERE key_hash=%s", (token_hash(key),))
        if not rows:
            raise CountyError(401, "bad_key")
        return rows[0]["id"]

    def _own_hall(self, key, hall_id):
        mine = self.hall_of_key(key)
        if hall_id != mine:
            raise CountyError(403, "wrong_hall", mine=mine, other=hall_id)
        return mine

    def ingest(self, key, body):
        mine = self.hall_of_key(key)
        if isinstance(body, dict) and isinstance(body.get("hall"), str) and body["hall"] != mine:
            raise CountyError(403, "wrong_hall", mine=mine, other=body["hall"])
        batch, events = parse_batch(body)
        if batch.hall != mine:
            raise CountyError(403, "wrong_hall", mine=mine, other=batch.hall)
        with self.db.transaction() as conn:
            return Ingest(conn, mine, self.clock.now()).run(batch, events)

    def uplink_state(self, key, hall_id):
        mine = self._own_hall(key, hall_id)
        return {"acked_through": self.db.query("SELECT acked_through FROM halls WHERE id=%s", (mine,))[0]["acked_through"]}

    # figures ------------------------------------------------------------------------------
    def _iso(self, ts):
        return None if ts is None else datetime.fromtimestamp(ts, ZoneInfo(self.tz)).isoformat(timespec="seconds")

    def halls(self, actor, day=None):
        day = day or self.today()
        now = self.clock.now()
        with self.db.connection() as conn:
            rows = reads.halls_today(conn, actor.halls, day, self.today())
            conn.rollback()
        out = []
        for r in rows:
            today = view({f: r[f] or 0 for f in FIGURE_FIELDS}, r["p90_bucket"])
            today.update({k: r[k] for k in ("followups_open", "followups_overdue", "cases_open", "cases_overdue")})
            out.append({"id": r["id"], "name": r["name"], "last_event_at": self._iso(r["last_event_at"]),
                        "lag_s": None if r["last_event_at"] is None else round(max(0.0, now - r["last_event_at"]), 1),
                        "last_batch_at": self._iso(r["last_batch_at"]),
                        "silent": r["last_batch_at"] is None or now - r["last_batch_at"] > SILENT_S,
                        "acked_through": r["acked_through"], "events": r["events"],
                        "catalog_version": r["catalog_version"], "devices_offline": r["devices_offline"],
                        "date": day, "today": today})
        return out

    def hall_detail(self, actor, hall_id, day=None):
        if not actor.may_see(hall_id):
            raise CountyError(404, "unknown_hall", id=hall_id)
        day = day or self.today()
        rows = [h for h in self.halls(actor, day) if h["id"] == hall_id]
        if not rows:
            raise CountyError(404, "unknown_hall", id=hall_id)
        with self.db.connection() as conn:
            parts = {dim: [dict({dim: key}, **view(f)) for key, f in reads.breakdown(conn, hall_id, day, dim)]
                     for dim in ("hour", "queue", "window")}
            devices = [dict(d) for d in reads.devices(conn, hall_id)]
            cases, followups = reads.open_items(conn, hall_id, self.today())
            conn.rollback()
        self.audit(actor, "county.hall", hall_id, day)
        return dict(rows[0], hours=parts["hour"], queues=parts["queue"], windows=parts["window"], devices=devices,
                    cases=[dict(c) for c in cases], followups=[dict(f) for f in followups])

    def overdue(self, actor):
        today = self.today()
        with self.db.connection() as conn:
            cases, followups = reads.overdue(conn, actor.halls, today)
            names = {r["id"]: r["name"] for r in reads.halls(conn, actor.halls)}
            conn.rollback()
        late = lambda d: (date.fromisoformat(today) - date.fromisoformat(d)).days  # noqa: E731
        return {"date": today,
                "cases": [dict(c, hall_name=names.get(c["hall"]), days_late=late(c["deadline"])) for c in cases],
                "followups": [dict(f, hall_name=names.get(f["hall"]), days_late=late(f["deadline"])) for f in followups]}

    def report(self, actor, first, last):
        first, last = bulletin.check_range(first, last)
        with self.db.connection() as conn:
            halls = reads.halls(conn, actor.halls)
            sums = reads.sums(conn, actor.halls, first, last)
            p90 = reads.p90_buckets(conn, actor.halls, first, last)
            total_p90 = reads.p90_buckets(conn, actor.halls, first, last, by_hall=False).get("total")
            met = reads.deadlines_met(conn, actor.halls, first, last, self.today())
            conn.rollback()
        self.audit(actor, "county.report", f"{first}..{last}")
        return bulletin.build(halls, sums, p90, met, first, last, generated_at=self._iso(self.clock.now()),
                             total_p90=total_p90)

    # the catalogue -------------------------------------------------------------------------
    def publish_catalog(self, body, source, by="cli"):
        with self.db.transaction() as conn:
            row = conn.execute("INSERT INTO catalogs (published_at, published_by, source, matters, body) "
                               "VALUES (%s, %s, %s, %s, %s) RETURNING version",
                               (self.clock.now(), by, source, len(body["matters"]), Jsonb(body))).fetchone()
        return row["version"]

    def catalog(self, known=None):
        rows = self.db.query("SELECT version, published_at, body FROM catalogs ORDER BY version DESC LIMIT 1")
        if not rows:
            raise CountyError(404, "no_catalog")
        r = rows[0]
        if known == r["version"]:
            return {"version": known, "unchanged": True}
        return dict(r["body"], version=r["version"], published_at=self._iso(r["published_at"]))

    def catalog_versions(self):
        return self.db.query("SELECT version, published_at, published_by, source, matters FROM catalogs "
                             "ORDER BY version DESC LIMIT 20")

