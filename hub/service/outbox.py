"""The rating outbox: each rating's message for the provincial 好差评 system,
written in the same transaction as the rating itself, and kept until the
platform has answered 2xx. Restarts and long outages lose nothing: the rows
are the queue, `next_at` is when each is tried again."""
from __future__ import annotations

import json
import random

FIRST_RETRY_S = 5.0
LONGEST_RETRY_S = 600.0


def retry_delay(attempts, rng=random.random):
    """Seconds before try number attempts+1: doubling from 5 s up to 10 min, ±20 % jitter."""
    base = min(LONGEST_RETRY_S, FIRST_RETRY_S * 2 ** max(0, attempts - 1))
    return base * (0.8 + 0.4 * rng())


class Outbox:
    def __init__(self, store, clock):
        self.store, self.clock = store, clock

    @staticmethod
    def put(conn, now, message):
        """Inside the caller's transaction: queue `message` once per (rating_id, revision)."""
        key = f"{message['rating_id']}#{message['revision']}"
        conn.execute("INSERT OR IGNORE INTO rating_outbox (rating_key, payload, created_at, next_at)"
                     " VALUES (?, ?, ?, ?)", (key, json.dumps(message, ensure_ascii=False), now, now))

    def due(self, now, limit=50):
        rows = self.store.query("SELECT id, payload, attempts FROM rating_outbox WHERE sent_at IS NULL"
                                " AND next_at <= ? ORDER BY id LIMIT ?", (now, limit))
        return [(r["id"], json.loads(r["payload"]), r["attempts"]) for r in rows]

    def sent(self, row_id, now):
        with self.store.transaction() as conn:
            conn.execute("UPDATE rating_outbox SET sent_at=?, attempts=attempts+1, last_error=NULL WHERE id=?",
                         (now, row_id))

    def failed(self, row_id, now, attempts, error):
        with self.store.transaction() as conn:
            conn.execute("UPDATE rating_outbox SET attempts=?, next_at=?, last_error=? WHERE id=?",
                         (attempts, now + retry_delay(attempts), error[:300], row_id))

    def state(self, configured):
        """For /api/health and the 运维 tab: {"state", "pending", "oldest_pending_at", "last_error"}."""
        row = self.store.query_one("SELECT COUNT(*) AS n, MIN(created_at) AS oldest, MAX(attempts) AS tries"
                                   " FROM rating_outbox WHERE sent_at IS NULL")
        error = self.store.query_one("SELECT last_error FROM rating_outbox WHERE sent_at IS NULL"
                                     " AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1")
        pending = row["n"] or 0
        if not configured:
            state = "off"
        elif pending == 0:
            state = "ok"
        elif (row["tries"] or 0) >= 3:
            state = "unreachable"
        else:
            state = "behind"
        return {"state": state, "pending": pending, "oldest_pending_at": row["oldest"],
                "last_error": error["last_error"] if error else None}
