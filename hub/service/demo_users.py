"""The demo hall's users: one per role, with short PINs (1111, 2222 …) below a
hall's PIN rules on purpose — `hallq demo` says so when it starts. Used by the
demo, the bench and the tests' template database."""
from __future__ import annotations

from hub.service.auth import add_user

DEMO_USERS = (  # name, role, PIN, departments
    ("clerk1", "clerk", "1111", ()), ("clerk2", "clerk", "1111", ()), ("clerk3", "clerk", "1111", ()),
    ("clerk4", "clerk", "1111", ()), ("clerk5", "clerk", "1111", ()), ("clerk6", "clerk", "1111", ()),
    ("manager", "manager", "2222", ()), ("admin", "admin", "3333", ()),
    ("backoffice-renshe", "backoffice", "4444", ("人社",)), ("backoffice-minzheng", "backoffice", "4444", ("民政",)),
    ("guide", "guide", "5555", ()),
)


def ensure_demo_users(store, now):
    """Adds the demo users that `store` does not have yet."""
    existing = {r["name"] for r in store.query("SELECT name FROM users")}
    for name, role, pin, departments in DEMO_USERS:
        if name not in existing:
            add_user(store, name, role, pin, now, departments=departments)
