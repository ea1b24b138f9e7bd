"""One uplink batch into the county database, in one transaction:

1. lock the hall's row (batches of one hall queue behind each other; other
   halls go on in parallel), store the new events (ON CONFLICT DO NOTHING);
2. fold the new ones into the state rows they touch (tickets, follow-ups,
   cases, devices) with the pure rules of hub.county.figures, and add the
   change of each ticket's contribution to the day's sums;
3. move acked_through over the events now stored without a gap.
Everything is committed before the answer, so what is acknowledged is durable.
"""
from __future__ import annotations

import json
from collections import defaultdict

from psycopg.types.json import Jsonb

from hub.county import figures as fig
from hub.county.schema import FIGURE_FIELDS

DEFAULT_TZ = "Asia/Shanghai"
TICKET_COLUMNS = fig.TICKET_KEYS
FOLLOWUP_COLUMNS = ("ticket_id", "score", "state", "state_event", "opened_on", "deadline", "done_on")
CASE_COLUMNS = ("number", "matter", "department", "state", "state_event", "deadline", "accepted_on", "decided_on")
DEVICE_COLUMNS = ("kind", "online", "fault", "window_id", "state_event")


TYPES = {  # column -> PostgreSQL type, for jsonb_to_recordset
    "ticket_id": "bigint", "day": "text", "issued_at": "float8", "issued_event": "bigint", "first_event": "bigint",
    "first_queue": "text", "last_event": "bigint", "status": "text", "queue": "text", "window_id": "text",
    "window_kind": "text", "finish_class": "text", "end_at": "float8", "first_call_event": "bigint",
    "first_called_at": "float8", "score": "smallint", "followup_id": "bigint", "state": "text",
    "state_event": "bigint", "opened_on": "text", "deadline": "text", "done_on": "text", "case_id": "bigint",
    "number": "text", "matter": "text", "department": "text", "accepted_on": "text", "decided_on": "text",
    "device_id": "text", "kind": "text", "online": "boolean", "fault": "text", "dimension": "text", "key": "text",
    "bucket": "integer", "n": "integer", **{f: "float8" for f in FIGURE_FIELDS},
}


def _upsert_sql(table, key, columns, add=False):
    """One statement for many rows: the rows travel as one JSON array (one parameter, no per-value
    quoting), `add` sums into the stored row instead of replacing it."""
    cols = key + columns
    record = ", ".join(f"{c} {TYPES[c]}" for c in cols)
    sets = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" if add else f"{c} = EXCLUDED.{c}" for c in columns)
    return (f"INSERT INTO {table} (hall, {', '.join(cols)}) SELECT %s, {', '.join(cols)} "
            f"FROM json_to_recordset(%s::json) AS r({record}) "
            f"ON CONFLICT (hall, {', '.join(key)}) DO UPDATE SET {sets}")


TICKET_UPSERT = _upsert_sql("tickets", ("ticket_id",), TICKET_COLUMNS[1:])
FOLLOWUP_UPSERT = _upsert_sql("followups", ("followup_id",), FOLLOWUP_COLUMNS)
CASE_UPSERT = _upsert_sql("cases", ("case_id",), CASE_COLUMNS)
DEVICE_UPSERT = _upsert_sql("devices", ("device_id",), DEVICE_COLUMNS)
FIGURE_UPSERT = _upsert_sql("figures", ("day", "dimension", "key"), FIGURE_FIELDS, add=True)
WAIT_UPSERT = _upsert_sql("waits", ("day", "bucket"), ("n",), add=True)
EVENT_INSERT = (
    "INSERT INTO events (hall, event_id, at, type, data, received_at) "
    "SELECT %s, e.event_id, e.at, e.type, e.data, %s FROM json_to_recordset(%s::json) "
    "AS e(event_id bigint, at float8, type text, data json) "
    "ON CONFLICT (hall, event_id) DO NOTHING RETURNING event_id")

P90_UPSERT = (
    "INSERT INTO day_p90 (hall, day, bucket) "
    "SELECT hall, day, min(bucket) FILTER (WHERE seen >= ceil(0.9 * total)) FROM ("
    "  SELECT hall, day, bucket, sum(n) OVER (PARTITION BY day ORDER BY bucket) AS seen,"
    "         sum(n) OVER (PARTITION BY day) AS total FROM waits WHERE hall=%s AND day = ANY(%s) AND n > 0) w "
    "GROUP BY hall, day ON CONFLICT (hall, day) DO UPDATE SET bucket = EXCLUDED.bucket")




def _ticket_id(type_, data):
    if type_.startswith("ticket.") or type_ == "rating.received":
        t = data.get("ticket")
        if isinstance(t, dict) and isinstance(t.get("id"), int):
            return t["id"]
    return None


def _int_id(data, key):
    value = (data.get(key) or {}).get("id") if isinstance(data.get(key), dict) else None
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


class Ingest:
    """The work of one batch inside its transaction (`conn`), for one hall."""

    def __init__(self, conn, hall_id, now):
        self.conn = conn
        self.hall = hall_id
        self.now = now
        self.writes = []  # (sql, params) sent together at the end, in one pipeline

    def _write(self, sql, rows):
        if rows:
            self.writes.append((sql, (self.hall, json.dumps(rows, ensure_ascii=False))))

    def run(self, batch, events):
        hall = self.conn.execute("SELECT acked_through, facts, max_closing, catalog_event FROM halls WHERE id=%s "
                                 "FOR UPDATE", (self.hall,)).fetchone()
        facts = dict(hall["facts"] or {})
        if batch.facts:
            facts.update(batch.facts)
        self.queue_kinds = facts.get("queue_kinds") if isinstance(facts.get("queue_kinds"), dict) else {}
        self.tz = facts.get("timezone") if isinstance(facts.get("timezone"), str) else DEFAULT_TZ
        self.followup_days = facts.get("followup_working_days")
        fresh = self._store_events(events)
        old_closing = hall["max_closing"]
        closings = [(e, fig.event_day(d, a, self.tz)) for e, a, t, d in fresh if t == "day.closed"]
        new_closing = max([old_closing] + [e for e, _ in closings])
        self._tickets(fresh, old_closing, new_closing)
        self._states(fresh)
        catalog = self._catalog(fresh, hall["catalog_event"])
        acked = self._acked(hall["acked_through"], batch.after, events)
        self._update_hall(events, facts, new_closing, closings, catalog, acked, len(fresh))
        with self.conn.pipeline():  # the writes need no answers: one round trip instead of ten
            for sql, params in self.writes:
                self.conn.execute(sql, params)
        return {"acked_through": acked, "stored": len(fresh), "duplicates": len(events) - len(fresh)}

    # 1. the events ------------------------------------------------------------------
    def _store_events(self, events):
        if not events:
            return []
        payload = json.dumps([{"event_id": e, "at": a, "type": t, "data": d} for e, a, t, d in events],
                             ensure_ascii=False)
        rows = self.conn.execute(EVENT_INSERT, (self.hall, self.now, payload)).fetchall()
        new = {r["event_id"] for r in rows}
        return [e for e in events if e[0] in new]

    # 2. tickets and the day's sums -------------------------------------------------------
    def _tickets(self, fresh, old_closing, new_closing):
        touched = defaultdict(list)
        for event in fresh:
            ticket_id = _ticket_id(event[2], event[3])
            if ticket_id is not None:
                touched[ticket_id].append(event)
        cols = ", ".join(TICKET_COLUMNS)
        states = {r["ticket_id"]: r for r in self.conn.execute(
            f"SELECT {cols} FROM tickets WHERE hall=%s AND ticket_id = ANY(%s)", (self.hall, list(touched)))}
        if new_closing > old_closing:  # tickets still open before this closing expire
            for r in self.conn.execute(f"SELECT {cols} FROM tickets WHERE hall=%s AND status IN ('waiting','called')"
                                       " AND last_event < %s", (self.hall, new_closing)):
                states.setdefault(r["ticket_id"], r)
                touched.setdefault(r["ticket_id"], [])
        sums = defaultdict(lambda: defaultdict(float))
        buckets = defaultdict(int)
        rows = []
        for ticket_id, evs in touched.items():
            old = states.get(ticket_id)
            new = old
            for event_id, at, type_, data in evs:
                new = fig.apply_ticket_event(new, event_id, at, type_, data)
            new = dict(new, finish_class=fig.finish_class(new["window_kind"], new["queue"], self.queue_kinds))
            change, hist = fig.delta(self._contribution(old, old_closing), self._contribution(new, new_closing))
            day = new["day"] or (old or {}).get("day")
            for key, fields in change.items():
                for f, v in fields.items():
                    sums[(day,) + key][f] += v
            for bucket, n in hist.items():
                buckets[(day, bucket)] += n
            rows.append({c: new[c] for c in TICKET_COLUMNS})
        self._write(TICKET_UPSERT, rows)
        self._write(FIGURE_UPSERT, [
            dict({"day": key[0], "dimension": key[1], "key": key[2]}, **{name: f.get(name, 0) for name in FIGURE_FIELDS})
            for key, f in sums.items() if key[0] is not None and any(f.values())])
        self._write(WAIT_UPSERT, [{"day": day, "bucket": b, "n": n}
                                                    for (day, b), n in buckets.items() if n and day is not None])
        days = sorted({day for (day, _), n in buckets.items() if n and day is not None})
        if days:
            self.writes.append((P90_UPSERT, (self.hall, days)))

    def _contribution(self, state, closing):
        if state is None:
            return {}, None
        return fig.contribution(state, fig.effective_status(state, [closing]), self.tz)

    # follow-ups, cases, devices -------------------------------------------------------
    def _states(self, fresh):
        followups, cases, devices = defaultdict(list), defaultdict(list), defaultdict(list)
        for event_id, at, type_, data in fresh:
            day = fig.event_day(data, at, self.tz)
            if type_ == "rating.received" and isinstance(data.get("followup"), int):
                followups[data["followup"]].append((event_id, day, type_, data))
            elif type_ == "followup.changed" and isinstance(_int_id(data, "followup"), int):
                followups[_int_id(data, "followup")].append((event_id, day, type_, data))
            elif type_ in ("case.accepted", "case.changed") and isinstance(_int_id(data, "case"), int):
                cases[_int_id(data, "case")].append((event_id, day, type_, data))
            elif type_ == "device.changed" and _int_id(data, "device") is not None:
                devices[str(_int_id(data, "device"))].append((event_id, data))
        self._fold("followups", "followup_id", FOLLOWUP_COLUMNS, FOLLOWUP_UPSERT, followups,
                   lambda s, e: fig.apply_followup(s, *e, default_deadline=self._default_deadline(e)))
        self._fold("cases", "case_id", CASE_COLUMNS, CASE_UPSERT, cases, lambda s, e: fig.apply_case(s, *e))
        self._fold("devices", "device_id", DEVICE_COLUMNS, DEVICE_UPSERT, devices,
                   lambda s, e: fig.apply_device(s, *e))

    def _default_deadline(self, event):
        return fig.default_deadline(event[1], self.followup_days)

    def _fold(self, table, key, columns, upsert, touched, apply):
        if not touched:
            return
        states = {r[key]: r for r in self.conn.execute(
            f"SELECT {key}, {', '.join(columns)} FROM {table} WHERE hall=%s AND {key} = ANY(%s)",
            (self.hall, list(touched)))}
        rows = []
        for ident, evs in touched.items():
            state = states.get(ident)
            for event in evs:
                state = apply(state, event)
            rows.append(dict({key: ident}, **{c: state[c] for c in columns}))
        self._write(upsert, rows)

    def _catalog(self, fresh, known_event):
        applied = [(e, d.get("version")) for e, a, t, d in fresh
                   if t == "catalog.applied" and isinstance(d.get("version"), int)]
        if not applied:
            return None
        event_id, version = max(applied)
        return (event_id, version) if known_event is None or event_id > known_event else None

    # 3. acknowledgement --------------------------------------------------------------
    def _acked(self, acked, after, events):
        if events and after is not None and acked >= after and events[0][0] > acked + 1:
            acked = events[0][0] - 1  # the hub holds nothing in between (pruned before it joined)
        while True:
            ids = [r["event_id"] for r in self.conn.execute(
                "SELECT event_id FROM events WHERE hall=%s AND event_id > %s ORDER BY event_id LIMIT 20000",
                (self.hall, acked))]
            moved = fig.acked_through(acked, ids)
            if moved == acked or len(ids) < 20000:
                return moved
            acked = moved

    def _update_hall(self, events, facts, new_closing, closings, catalog, acked, stored):
        if closings:
            self.conn.cursor().executemany(
                "INSERT INTO closings (hall, event_id, day) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                [(self.hall, e, d) for e, d in closings])
        last_at = max((a for _, a, _, _ in events), default=None)
        fact_version = facts.get("catalog_version") if isinstance(facts.get("catalog_version"), int) else None
        self.conn.execute(
            "UPDATE halls SET acked_through=%s, last_batch_at=%s, last_event_at=GREATEST(last_event_at, %s), "
            "facts=%s, max_closing=%s, events=events+%s, "
            "catalog_version=COALESCE(%s, CASE WHEN catalog_event IS NULL THEN %s ELSE catalog_version END), "
            "catalog_event=COALESCE(%s, catalog_event) WHERE id=%s",
            (acked, self.now, last_at, Jsonb(facts), new_closing, stored,
             catalog[1] if catalog else None, fact_version, catalog[0] if catalog else None, self.hall))
