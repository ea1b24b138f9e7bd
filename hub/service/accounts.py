"""Staff accounts: logging in and out at a window, the actor behind a token
or device key, and the users a manager keeps. Each change is one
transaction with its audit row (and its window.changed / user.changed event)."""
from __future__ import annotations

import json
import secrets

from hub.rules.clock import iso
from hub.rules.errors import HallError
from hub.service.auth import (FAILURE_WINDOW, ROLES, SESSION_SECONDS, Actor, actor_from_session, add_user_in,
                              check_locks, check_pin, check_pin_rule, hash_pin, permit, record_failure,
                              throttle_seconds, token_hash)

# a manager keeps the hall's staff; only an admin adds or changes managers and admins
MANAGEABLE = {"manager": ("clerk", "guide", "backoffice"), "admin": ROLES}


class Accounts:
    def __init__(self, hall, store, clock, changes, windows):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes
        self.windows = windows

    # who acts ------------------------------------------------------------------------
    def actor_for(self, token, ip=""):
        """The actor a bearer token or device key stands for, or None."""
        if not token:
            return None
        device = self.hall.device_by_key(token)
        if device is not None:
            return Actor(name=f"device:{device.id}", role="device", window=device.window,
                         device=device.id, device_kind=device.kind, ip=ip)
        row = self.store.query_one(
            "SELECT s.user, s.window, s.expires_at, u.role, u.departments, u.disabled FROM sessions s "
            "JOIN users u ON u.name = s.user WHERE s.token_hash=?", (token_hash(token),))
        if row is None or row["expires_at"] < self.clock.now() or row["disabled"]:
            return None
        return actor_from_session(row, ip)

    def login(self, name, pin, ip, window=None):
        """Check the PIN; a session (and the window staffed) with its audit row. Returns (token, role)."""
        if window is not None and self.hall.window(window) is None:
            raise HallError(422, "unknown_window", id=window)
        now, limits = self.clock.now(), self.hall.limits
        with self.store.reading() as conn:
            counts = check_locks(conn, name, ip, limits, now)
            recent = conn.execute(
                "SELECT COUNT(*), MAX(at) FROM login_failures WHERE user=? AND ip=? AND at>?",
                (name, ip, now - FAILURE_WINDOW)).fetchone()
            user = conn.execute("SELECT * FROM users WHERE name=?", (name,)).fetchone()
        failures, last = recent[0], recent[1]
        wait = throttle_seconds(failures)
        if wait and last is not None and now - last < wait:
            raise HallError(429, "login_throttled", seconds=int(wait - (now - last)) + 1)
        if user is None or not check_pin(pin, user["salt"], user["hash"]):
            self.changes.run(lambda c: record_failure(c, name, ip, c.now, counts, limits))
            raise HallError(401, "login_failed")
        if user["disabled"]:
            raise HallError(403, "user_disabled")
        if user["role"] == "clerk" and window is None:
            raise HallError(422, "window_required")
        token = secrets.token_urlsafe(24)
        who = Actor(name=name, role=user["role"], window=window, ip=ip)

        def work(c):
            c.execute("DELETE FROM login_failures WHERE user=? AND ip=?", (name, ip))
            c.execute("DELETE FROM sessions WHERE expires_at < ?", (c.now,))
            c.execute("INSERT INTO sessions (token_hash, user, window, created_at, expires_at) VALUES (?,?,?,?,?)",
                      (token_hash(token), name, window, c.now, c.now + SESSION_SECONDS))
            if window is not None:
                self.windows.staff_in(c, window, name)
            c.audit(who, "login", window or "-")

        self.changes.run(work)
        return token, user["role"]

    def logout(self, token, who):
        """The session ends; the clerk's window is left unstaffed."""
        if not token or who is None or who.role == "device":
            return

        def work(c):
            if who.window:
                self.windows.staff_in(c, who.window, None)
            c.execute("DELETE FROM sessions WHERE token_hash=?", (token_hash(token),))
            c.audit(who, "logout", who.window or "-")

        self.changes.run(work)

    # users ---------------------------------------------------------------------------
    def view(self, row):
        return {"name": row["name"], "role": row["role"], "departments": json.loads(row["departments"] or "[]"),
                "disabled": bool(row["disabled"]), "created_at": iso(row["created_at"], self.hall.timezone)}

    def users(self, actor):
        permit(actor, lambda a: a.is_manager)
        return [self.view(r) for r in self.store.query("SELECT * FROM users ORDER BY role, name")]

    def _row(self, db, name):
        row = db.execute("SELECT * FROM users WHERE name=?", (name,)).fetchone()
        if row is None:
            raise HallError(404, "unknown_user", id=name)
        return row

    def _managed_change(self, actor, name, change, action, detail=None):
        """`change(c, row)` on a user the actor may manage, audited, with its user.changed event."""
        permit(actor, lambda a: a.is_manager)

        def work(c):
            row = self._row(c, name)
            check_may_manage(actor, row["role"])
            change(c, row)
            c.audit(actor, action, name, detail)
            view = self.view(self._row(c, name))
            c.emit("user.changed", {"user": view, "action": action}, public=False)
            return view

        return self.changes.run(work)

    def add(self, actor, name, role, pin, departments=()):
        permit(actor, lambda a: a.is_manager)
        check_may_manage(actor, role)
        return self.changes.run(lambda c: self._add(c, actor, name, role, pin, departments))

    def _add(self, c, actor, name, role, pin, departments):
        add_user_in(c, name, role, pin, c.now, departments, rules=self.hall.accounts.pins)
        c.audit(actor, "user.add", name, role)
        view = self.view(self._row(c, name))
        c.emit("user.changed", {"user": view, "action": "user.add"}, public=False)
        return view

    def set_pin(self, actor, name, pin):
        def change(c, row):
            check_pin_rule(row["role"], pin, self.hall.accounts.pins)
            salt, digest = hash_pin(pin)
            c.execute("UPDATE users SET salt=?, hash=? WHERE name=?", (salt, digest, name))
            c.execute("DELETE FROM sessions WHERE user=?", (name,))

        return self._managed_change(actor, name, change, "user.pin")

    def set_disabled(self, actor, name, disabled):
        def change(c, row):
            if disabled and name == actor.name:
                raise HallError(422, "bad_field", field="name", why=("不能停用自己", "you cannot disable yourself"))
            c.execute("UPDATE users SET disabled=? WHERE name=?", (1 if disabled else 0, name))
            if disabled:  # a disabled clerk no longer staffs a window
                c.execute("DELETE FROM sessions WHERE user=?", (name,))
                self.windows.unstaff_clerk(c, name)

        return self._managed_change(actor, name, change, "user.disable" if disabled else "user.enable")


def check_may_manage(who, role):
    if role not in MANAGEABLE.get(who.role, ()):
        raise HallError(403, "forbidden")
