"""Idempotent POSTs: the answer to a request with an `Idempotency-Key`,
kept a day, so that a repeated press replays it instead of acting twice."""
from __future__ import annotations

KEEP_SECONDS = 86400


class Replies:
    def __init__(self, store, changes):
        self.store, self.changes = store, changes

    def find(self, key):
        """The answer given to `key` (`status`, `body`, `request`: the hash of the body it answered), or None."""
        return self.store.query_one("SELECT status, body, request FROM idempotency WHERE key=?", (key,))

    def keep(self, key, status, body, request):
        def work(c):
            c.execute("DELETE FROM idempotency WHERE at < ?", (c.now - KEEP_SECONDS,))
            c.execute("INSERT OR REPLACE INTO idempotency (key, at, status, body, request) VALUES (?,?,?,?,?)",
                      (key, c.now, status, body, request))
        self.changes.run(work)
