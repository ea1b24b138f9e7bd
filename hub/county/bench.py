"""`hallq county bench --json`: the county server (its own process, real HTTP,
real PostgreSQL) under 30 halls shipping a busy day each at once, then
`/api/county/halls` with a year of history for those halls loaded.

Without --dsn a temporary private cluster is made and removed afterwards.
The history is loaded straight into the stored sums (figures, waits,
follow-ups, cases: what the page reads); the events of past days are not
loaded — no page or report reads them."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from hub.ops.proc import rss_mb
from hub.rules.stats import percentile


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_s(pids):
    """User + system CPU seconds used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _cluster_pids(datadir):
    """The postmaster of a cluster and its children (the backends), or [] when unknown."""
    if datadir is None:
        return []
    try:
        master = int((Path(datadir) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        children.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return [master] + children


@contextmanager
def _database(dsn):
    """(dsn, the cluster's folder or None): --dsn, or a temporary private cluster."""
    if dsn:
        yield dsn, None
        return
    from hub.county.cluster import Cluster
    base = tempfile.mkdtemp(prefix="hallq-county-bench-")
    os.chmod(base, 0o755)
    cluster = Cluster(Path(base) / "pg").start()
    try:
        yield cluster.dsn(), cluster.datadir
    finally:
        cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def _server(dsn):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "county", "serve", "--dsn", dsn, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    import requests
    try:
        for _ in range(300):
            try:
                if requests.get(url + "/api/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)




def _ms(values):
    return {"p50": round(percentile(values, 50), 1), "p99": round(percentile(values, 99), 1)} if values else None


def _ship(url, halls, keys, tickets, day, batch):
    """Every hall posts its day in batches, all halls at once (one thread each)."""
    import requests

    from hub.county.synth import as_batch_events, facts, hall_day
    bodies = {}
    for i, hall_id in enumerate(halls):
        events = as_batch_events(hall_day(day, tickets, seed=i))
        bodies[hall_id] = [json.dumps({"hall": hall_id, "after": events[j]["event_id"] - 1,
                                       "events": events[j:j + batch], "facts": facts()}, ensure_ascii=False)
                           for j in range(0, len(events), batch)]
    total = sum(len(json.loads(b)["events"]) for bs in bodies.values() for b in bs)
    latencies, failures = [], []

    def run(hall_id):
        s = requests.Session()
        s.headers.update({"Authorization": f"Bearer {keys[hall_id]}", "Content-Type": "application/json"})
        for body in bodies[hall_id]:
            t = time.perf_counter()
            r = s.post(url + "/api/uplink/events", data=body.encode(), timeout=120)
            latencies.append((time.perf_counter() - t) * 1000)
            if not r.ok:
                failures.append(r.text[:200])

    threads = [threading.Thread(target=run, args=(h,)) for h in halls]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total, time.perf_counter() - start, latencies, failures


def _history_rows(halls, days, today, rnd):
    """{COPY statement: rows} of a year of stored sums and closed follow-ups and cases per hall."""
    from hub.county.schema import FIGURE_FIELDS
    start = date.fromisoformat(today) - timedelta(days=days)
    keys = [("day", "")] + [("hour", f"{h:02d}:00") for h in range(8, 17)] + \
           [("queue", q) for q in "ABCD"] + [("window", f"w{w}") for w in range(1, 8)]
    out = {f"COPY figures (hall, day, dimension, key, {', '.join(FIGURE_FIELDS)}) FROM STDIN": [],
           "COPY waits (hall, day, bucket, n) FROM STDIN": [],
           "COPY followups (hall, followup_id, ticket_id, score, state, state_event, opened_on, deadline, done_on) "
           "FROM STDIN": [],
           "COPY cases (hall, case_id, number, matter, department, state, state_event, deadline, accepted_on, "
           "decided_on) FROM STDIN": []}
    figures, waits, followups, cases = out.values()
    for hall in halls:
        for d in range(days):
            day = (start + timedelta(days=d)).isoformat()
            for dim, key in keys:
                n = rnd.randint(20, 60) if dim != "day" else 900
                figures.append([hall, day, dim, key, n, n, n * 300.0, int(n * 0.8), n - 3, 3, 0, 0, 0,
                                int(n * 0.85), n - 3, 1, 1, 2, 10, int(n * 0.5)])
            waits.extend([hall, day, bucket, rnd.randint(1, 40)] for bucket in range(40))
            for k in range(8):
                ident = 10_000_000 + d * 10 + k
                if k < 2:
                    followups.append([hall, ident, ident, 1, "closed", ident, day, day, day])
                cases.append([hall, ident, f"H{ident}", "m", "民政", "delivered", ident, day, day, day])
    return out


def _load_history(dsn, halls, days, today):
    """A year of stored sums for each hall, as the ingest would have left them (COPY)."""
    import random

    import psycopg

    from hub.county.schema import SCHEMA_2
    tables = _history_rows(halls, days, today, random.Random(1))
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            for statement, rows in tables.items():
                with cur.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
        conn.execute(SCHEMA_2[3] + " ON CONFLICT DO NOTHING")  # the past days' p90, as the ingest keeps it
        conn.execute("ANALYZE")
    names = ("figure_rows", "wait_rows", "followups", "cases")
    return {name: len(rows) for name, rows in zip(names, tables.values())}


def run_bench(dsn=None, halls=30, tickets=1200, history_days=365, batch=500, reads=400):
    import requests

    from hub.county.database import Database
    from hub.county.service import CountyService
    from hub.rules.clock import SystemClock
    with _database(dsn) as (dsn, datadir):
        db = Database(dsn)
        service = CountyService(db, SystemClock())
        ids = [f"bench-{i:02d}" for i in range(halls)]
        for hall_id in ids:
            service.forget_hall(hall_id)
        keys = {hall_id: service.add_hall(hall_id, f"基准大厅 {hall_id}") for hall_id in ids}
        try:
            service.add_user("bench", "county-manager", "bench-pin")
        except Exception:  # kept from an earlier run on this --dsn
            pass
        today = service.today()
        with _server(dsn) as (url, pid):
            pg_pids = _cluster_pids(datadir)
            cpu_before = _cpu_s([pid]), _cpu_s(pg_pids)
            events, seconds, latencies, failures = _ship(url, ids, keys, tickets, today, batch)
            pg_pids = _cluster_pids(datadir)  # backends come and go; the pool keeps its own
            server_cpu, db_cpu = _cpu_s([pid]) - cpu_before[0], (_cpu_s(pg_pids) - cpu_before[1]) if pg_pids else None
            rss = rss_mb(pid)
            load = os.getloadavg()[0]
            history = _load_history(dsn, ids, history_days, today)
            s = requests.Session()
            s.post(url + "/api/login", json={"user": "bench", "pin": "bench-pin"}, timeout=10).raise_for_status()
            times = []
            read_cpu = _cpu_s([pid]), _cpu_s(_cluster_pids(datadir))
            for _ in range(reads):
                t = time.perf_counter()
                r = s.get(url + "/api/county/halls", timeout=30)
                times.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
            rows = r.json()["halls"]
            read_cpu = ((_cpu_s([pid]) - read_cpu[0]) * 1000 / reads,
                        (_cpu_s(_cluster_pids(datadir)) - read_cpu[1]) * 1000 / reads if datadir else None)
        db.close()
    return {
        "halls": halls, "tickets_per_hall": tickets, "events": events, "batch": batch,
        "ingest_s": round(seconds, 2), "events_per_s": round(events / seconds), "batch_ms": _ms(latencies),
        "failures": len(failures), "server_rss_mb": rss,
        "cpu_s": {"server": round(server_cpu, 2), "database": None if db_cpu is None else round(db_cpu, 2)},
        "load_average": round(load, 1),
        "history": dict(history, days=history_days),
        "halls_api_ms": _ms(times), "halls_api_requests": reads,
        "halls_api_cpu_ms": {"server": round(read_cpu[0], 2),
                             "database": None if read_cpu[1] is None else round(read_cpu[1], 2)},
        "halls_seen": len([h for h in rows if h["id"].startswith("bench-")]),
        "machine": {"cpus": os.cpu_count()},
    }
