"""The county database's schema, as numbered migrations.

Each migration is a list of statements run in one transaction together with
the new version number in county_meta; `migrate(conn)` brings any database up
to the newest version (every county command runs it first). Days are
'YYYY-MM-DD' texts (the hall's own calendar day), times unix seconds.
"""
from __future__ import annotations

FIGURE_FIELDS = ("issued", "called", "wait_s", "within_15", "served", "no_shows", "cancelled", "expired", "waiting",
                 "at_comprehensive", "at_business", "r1", "r2", "r3", "r4", "r5")

_FIGURE_COLUMNS = ", ".join(f"{f} double precision NOT NULL DEFAULT 0" for f in FIGURE_FIELDS)

SCHEMA_1 = [
    """CREATE TABLE halls (
        id text PRIMARY KEY, name text NOT NULL, key_hash text NOT NULL UNIQUE, created_at double precision NOT NULL,
        acked_through bigint NOT NULL DEFAULT 0, last_event_at double precision, last_batch_at double precision,
        facts jsonb NOT NULL DEFAULT '{}', catalog_version integer, catalog_event bigint,
        max_closing bigint NOT NULL DEFAULT 0, events bigint NOT NULL DEFAULT 0)""",
    """CREATE TABLE events (
        hall text NOT NULL REFERENCES halls (id), event_id bigint NOT NULL, at double precision NOT NULL,
        type text NOT NULL, data jsonb NOT NULL, received_at double precision NOT NULL,
        PRIMARY KEY (hall, event_id))""",
    """CREATE TABLE tickets (
        hall text NOT NULL, ticket_id bigint NOT NULL, day text, issued_at double precision, issued_event bigint,
        first_event bigint, first_queue text, last_event bigint, status text, queue text, window_id text,
        window_kind text, finish_class text, end_at double precision, first_call_event bigint,
        first_called_at double precision, score smallint, PRIMARY KEY (hall, ticket_id))""",
    "CREATE INDEX tickets_open ON tickets (hall, last_event) WHERE status IN ('waiting', 'called')",
    f"""CREATE TABLE figures (
        hall text NOT NULL, day text NOT NULL, dimension text NOT NULL, key text NOT NULL, {_FIGURE_COLUMNS},
        PRIMARY KEY (hall, day, dimension, key))""",
    "CREATE INDEX figures_day ON figures (day, dimension)",
    """CREATE TABLE waits (hall text NOT NULL, day text NOT NULL, bucket integer NOT NULL, n integer NOT NULL,
        PRIMARY KEY (hall, day, bucket))""",
    "CREATE INDEX waits_day ON waits (day)",
    """CREATE TABLE closings (hall text NOT NULL, event_id bigint NOT NULL, day text NOT NULL,
        PRIMARY KEY (hall, event_id))""",
    """CREATE TABLE followups (
        hall text NOT NULL, followup_id bigint NOT NULL, ticket_id bigint, score smallint, state text,
        state_event bigint, opened_on text, deadline text, done_on text, PRIMARY KEY (hall, followup_id))""",
    "CREATE INDEX followups_open ON followups (hall, deadline) WHERE state IS DISTINCT FROM 'closed'",
    "CREATE INDEX followups_deadline ON followups (deadline)",
    """CREATE TABLE cases (
        hall text NOT NULL, case_id bigint NOT NULL, number text, matter text, department text, state text,
        state_event bigint, deadline text, accepted_on text, decided_on text, PRIMARY KEY (hall, case_id))""",
    "CREATE INDEX cases_open ON cases (hall, deadline) WHERE state IN ('accepted', 'in_review', 'returned')",
    "CREATE INDEX cases_deadline ON cases (deadline)",
    """CREATE TABLE devices (
        hall text NOT NULL, device_id text NOT NULL, kind text, online boolean NOT NULL DEFAULT false, fault text,
        window_id text, state_event bigint, PRIMARY KEY (hall, device_id))""",
    """CREATE TABLE users (
        name text PRIMARY KEY, role text NOT NULL, salt text NOT NULL, hash text NOT NULL,
        halls jsonb NOT NULL DEFAULT '[]', created_at double precision NOT NULL)""",
    """CREATE TABLE sessions (token_hash text PRIMARY KEY, user_name text NOT NULL REFERENCES users (name),
        created_at double precision NOT NULL, expires_at double precision NOT NULL)""",
    """CREATE TABLE audit (id bigserial PRIMARY KEY, at double precision NOT NULL, user_name text NOT NULL,
        action text NOT NULL, target text, ip text, detail text)""",
    """CREATE TABLE catalogs (version serial PRIMARY KEY, published_at double precision NOT NULL,
        published_by text NOT NULL, source text NOT NULL, matters integer NOT NULL, body jsonb NOT NULL)""",
]

# 2: the events' data is kept as json (stored as sent, no jsonb parse on ingest: nothing queries inside it),
# and each hall day's 90th-percentile wait bucket is kept up to date by the ingest, so that the county
# page reads 30 rows instead of walking 30 histograms.
SCHEMA_2 = [
    "ALTER TABLE events ALTER COLUMN data TYPE json USING data::json",
    """CREATE TABLE day_p90 (hall text NOT NULL, day text NOT NULL, bucket integer,
        PRIMARY KEY (hall, day))""",
    "CREATE INDEX day_p90_day ON day_p90 (day)",
    """INSERT INTO day_p90 (hall, day, bucket)
        SELECT hall, day, min(bucket) FILTER (WHERE seen >= ceil(0.9 * total)) FROM (
          SELECT hall, day, bucket, sum(n) OVER (PARTITION BY hall, day ORDER BY bucket) AS seen,
                 sum(n) OVER (PARTITION BY hall, day) AS total FROM waits WHERE n > 0) w GROUP BY hall, day""",
]

MIGRATIONS = [SCHEMA_1, SCHEMA_2]


def schema_version(conn):
    """The schema's version (0: an empty database). `conn` gives dict rows."""
    if not conn.execute("SELECT to_regclass('county_meta') IS NOT NULL AS present").fetchone()["present"]:
        return 0
    row = conn.execute("SELECT value FROM county_meta WHERE key='schema_version'").fetchone()
    return int(row["value"]) if row else 0


def migrate(conn):
    """Bring the schema to the newest version (each step one transaction); returns the version.
    An advisory lock keeps two county commands started together from migrating twice."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7016)")
        conn.execute("CREATE TABLE IF NOT EXISTS county_meta (key text PRIMARY KEY, value text NOT NULL)")
        version = schema_version(conn)
        for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO county_meta (key, value) VALUES ('schema_version', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (str(number),))
    return schema_version(conn)
