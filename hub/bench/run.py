"""`hallq bench`: the real hub on a temporary database, on loopback, under load.

A hub process (`python -m hub.cli.main serve`) on a fresh database; N public
Socket.IO boards (hub/bench_boards.py, in a few worker processes); kiosk
clients issuing tickets at rising rates over keep-alive HTTP connections; a
clerk at window 1 calling the next ticket a few times a second. Bounded: at
most `seconds` of load, every connection on 127.0.0.1, everything removed
afterwards. The method is written up in docs/performance.md.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from hub.bench.boards import sio_worker, worker
from hub.ops.proc import rss_mb
from hub.rules.stats import percentile

RATES = (0, 10, 25, 50, 100, 150, 200, 300, 400, 600)  # tickets per second, phase by phase (0: calls only)
ISSUERS = 4  # kiosk connections issuing in parallel
CALLS_PER_SECOND = 5
KEPT_UP = 0.95  # a phase counts when it issued this share of its target
SIO_SHARE = 5  # one board in this many is an ordinary python-socketio client
# python-socketio clients to a process: each runs its own threads (a new one per message) under one GIL;
# 40 in one process queued behind each other for ~60 ms a call, which measured the bench, not the hub
SIO_PER_PROCESS = 20
BENT = 2.0  # the ticket p99 "bends" at the first phase whose p99 passes this many times the first loaded one's
HOST = "127.0.0.1"
# The hub's clock runs from 2026-11-26 10:00 Asia/Shanghai (a Thursday morning) rather than the
# machine's: a bench started after the hall's closing time would otherwise see the hub expire the
# day's waiting tickets in the middle of the run.
HALL_MORNING = 1795658400.0
CLOCK_TICK = 0.1  # seconds between updates of the clock file


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP connection speaking JSON."""

    def __init__(self, port, token=None):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def post(self, path, body=None):
        self.conn.request("POST", path, body=json.dumps(body or {}), headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 400:
            raise RuntimeError(f"POST {path}: HTTP {response.status} {data[:200]!r}")
        return json.loads(data)

    def get(self, path):
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self):
        self.conn.close()


class Hub:
    """A hub process on a temporary database with the demo users."""

    def __init__(self, config=None, core=None, workers=1):
        from hub.service.demo_users import ensure_demo_users
        from hub.store.database import Store

        self.dir = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
        self.db = self.dir / "bench.db"
        store = Store(self.db)
        ensure_demo_users(store, time.time())
        store.close()
        self.port = free_port()
        self.clock_file = self.dir / "clock"
        self._ticking, self._began = threading.Event(), time.monotonic()
        self._tick()
        threading.Thread(target=self._clock, daemon=True).start()
        pin = ["taskset", "-c", str(core)] if core is not None else []
        args = pin + [sys.executable, "-m", "hub.cli.main", "serve", "--db", str(self.db), "--host", HOST,
                "--port", str(self.port), "--clock-file", str(self.clock_file)]
        if config:
            args += ["--config", str(config), "--demo-keys"]  # a bench may run a copy of the demo hall
        self.workers = workers
        if workers > 1:  # its own private redis-server, as `hallq serve --workers N` starts one
            args += ["--workers", str(workers)]
        self.log = open(self.dir / "hub.log", "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _tick(self):
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(repr(HALL_MORNING + time.monotonic() - self._began))
        os.replace(tmp, self.clock_file)

    def _clock(self):
        while not self._ticking.wait(CLOCK_TICK):
            self._tick()

    def worker_pids(self):
        """The web workers' pids (`<db>.workers.json`), or the hub's own when it runs alone."""
        if self.workers == 1:
            return [self.proc.pid]
        try:
            rows = json.loads(Path(str(self.db) + ".workers.json").read_text())["workers"]
        except (OSError, ValueError):
            return []
        return [r["pid"] for r in rows]

    def _wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("hub exited: " + (self.dir / "hub.log").read_text(errors="replace")[-2000:])
            try:
                status, _ = Client(self.port).get("/api/health")
                if status == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"hub did not start within {timeout} s")

    def rss_mb(self, field="VmRSS"):
        """Of the hub process, or the sum over its web workers (Redis not counted)."""
        sizes = [rss_mb(pid, field) for pid in self.worker_pids()]
        sizes = [mb for mb in sizes if mb is not None]
        return round(sum(sizes), 1) if sizes else None

    def stop(self):
        self._ticking.set()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# boards ---------------------------------------------------------------------------
def board_shares(boards, processes):
    """[(worker function, boards)]: one board in SIO_SHARE (at least one, when there are two or more) is
    an ordinary python-socketio client, SIO_PER_PROCESS at most to a process of their own; the rest are
    raw WebSocket boards shared among `processes` processes."""
    sio = max(1, -(-boards // SIO_SHARE)) if boards > 1 else 0
    raw = boards - sio
    shares = []
    for target, count, parts in ((worker, raw, processes), (sio_worker, sio, -(-sio // SIO_PER_PROCESS))):
        shares += [(target, count // parts + (1 if i < count % parts else 0)) for i in range(parts)]
    return [(target, n) for target, n in shares if n]


def start_boards(port, boards, processes):
    ctx = multiprocessing.get_context("fork")
    procs = []
    for target, share in board_shares(boards, processes):
        if share:
            parent, child = ctx.Pipe()
            p = ctx.Process(target=target, args=(HOST, port, share, child), daemon=True)
            p.start()
            procs.append((p, parent))
    for p, conn in procs:
        if not conn.poll(60):
            raise RuntimeError("board clients did not connect within 60 s")
        kind, *rest = conn.recv()
        if kind != "ready":
            raise RuntimeError(rest[0])
    return procs


def collect_boards(procs):
    called, errors, connected = {}, [], 0
    for p, conn in procs:
        conn.send("stop")
    for p, conn in procs:
        if not conn.poll(30):
            errors.append("a board worker did not answer")
            continue
        kind, times, errs, ready = conn.recv()
        errors += errs
        connected += ready
        for ticket, (latest, count) in times.items():
            old = called.get(ticket, (0.0, 0))
            called[ticket] = (max(old[0], latest), old[1] + count)
        p.join(5)
    return called, errors, connected


# load -----------------------------------------------------------------------------
def disk_commit_ms(directory, commits=60):
    """The floor under every change: one SQLite commit with synchronous=FULL in `directory` (p50, p99 ms)."""
    from hub.store.database import commit_probe_ms

    times = commit_probe_ms(directory, commits)
    return {"p50": _ms(percentile(times, 50)), "p99": _ms(percentile(times, 99))}


def issue_phase(port, matters, rate, seconds, sessions):
    """Tickets at `rate` a second for `seconds` from ISSUERS connections; [(sent, latency s)]."""
    results, lock = [], threading.Lock()
    start = time.monotonic() + 0.01
    if rate <= 0:
        time.sleep(seconds)
        return results, seconds
    per = rate / len(sessions)

    def run(i, client):
        rng, n = random.Random(i), 0
        mine = []
        while True:
            due = start + (n + i / len(sessions)) / per
            if due >= start + seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent = time.monotonic()
            client.post("/api/tickets", {"matter": rng.choice(matters)})
            mine.append((sent, time.monotonic() - sent))
            n += 1
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, max(seconds, time.monotonic() - start)


def caller(port, token, stop, phase, conn):
    """The clerk at window 1, in a process of its own (the kiosks' threads would hold its GIL while a
    call's answer waits to be read): call next, finish, a few times a second, until `stop` is set;
    sends [(ticket id, sent, phase, seconds to the answer)] through `conn` (`phase`: a shared number,
    the phase now). The hub answers a call after its change is published, so the answer's time is
    the hub's own part of call → board: the request, the change and the fan-out to every socket."""
    client, calls = Client(port, token), []
    try:
        while not stop.is_set():
            sent = time.monotonic()
            ticket = client.post("/api/windows/w1/call-next").get("ticket")
            if ticket is not None:
                calls.append((ticket["id"], sent, phase.value, time.monotonic() - sent))
                client.post("/api/windows/w1/finish", {"outcome": "done"})
            stop.wait(1.0 / CALLS_PER_SECOND)
    finally:
        client.close()
        conn.send(calls)


def run_bench(boards=200, seconds=20.0, config=None, processes=None, core=None, workers=1):
    """The `hallq bench` JSON document (see API.md), plus the phases it went through. `core`: the hub
    runs pinned to that CPU (taskset), the nearest this machine gets to one small board's core."""
    machine = {"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2), "hub_core": core,
               "hub_workers": workers}
    hub = Hub(config, core, workers)
    procs = []
    try:
        disk = disk_commit_ms(hub.dir)
        procs = start_boards(hub.port, boards, processes or min(2, boards))
        token = Client(hub.port).post("/api/login", {"user": "clerk1", "pin": "1111", "window": "w1"})["token"]
        # the issuers log in as the guide desk: a kiosk's key allows a kiosk's pace (hall file [limits]),
        # and this bench issues at hundreds a second; the limits' checks still run for every request
        guide = Client(hub.port).post("/api/login", {"user": "guide", "pin": "5555"})["token"]
        _, body = Client(hub.port).get("/api/matters")
        matters = [m["id"] for m in json.loads(body) if m.get("queue") in ("A", "B", "C")] or ["m03"]
        kiosk = Client(hub.port, guide)
        for _ in range(20):  # something to call during the first, quiet phase
            kiosk.post("/api/tickets", {"matter": matters[0]})
        kiosk.close()
        ctx = multiprocessing.get_context("fork")
        phases, phase, stop = [], ctx.Value("i", 0), ctx.Event()
        calls_in, calls_out = ctx.Pipe(duplex=False)
        clerk = ctx.Process(target=caller, args=(hub.port, token, stop, phase, calls_out), daemon=True)
        clerk.start()
        sessions = [Client(hub.port, guide) for _ in range(ISSUERS)]
        try:
            for i, rate in enumerate(RATES):
                phase.value = i
                results, elapsed = issue_phase(hub.port, matters, rate, seconds / len(RATES), sessions)
                lat = [r[1] * 1000 for r in results]
                phases.append({"rate": rate, "tickets": len(results), "tickets_per_s": round(len(results) / elapsed, 1),
                               "ticket_ms": {"p50": _ms(percentile(lat, 50)), "p99": _ms(percentile(lat, 99))},
                               "kept_up": len(results) >= KEPT_UP * rate * elapsed, "latencies": lat})
                if not phases[-1]["kept_up"]:
                    break
        finally:
            stop.set()
            if not calls_in.poll(30):
                raise RuntimeError("the clerk's process did not report its calls within 30 s")
            calls = calls_in.recv()
            clerk.join(5)
            for s in sessions:
                s.close()
        time.sleep(0.5)  # the last calls reach the boards
        rss, peak = hub.rss_mb(), hub.rss_mb("VmHWM")
        called, errors, connected = collect_boards(procs)
        procs = []
    finally:
        for p, _ in procs:
            p.kill()
        hub.stop()
    doc = report(boards, phases, calls, called)
    doc["eta_range_ms"] = eta_range_ms(config, core)
    doc.update(hub_rss_mb=rss, hub_rss_peak_mb=peak, boards_connected=connected, disk_commit_ms=disk,
               machine=machine, errors=errors[:10])
    return doc


def report(boards, phases, calls, called):
    """Figures over the phases the hub kept up with (an overloaded phase measures its queue, not the hub);
    if it kept up with no loaded phase, over the first loaded one."""
    kept = [i for i, p in enumerate(phases) if p["kept_up"]]
    loaded = [i for i in kept if phases[i]["rate"] > 0]
    if not loaded:
        loaded = [i for i, p in enumerate(phases) if p["rate"] > 0][:1]
    counted = set(kept) | set(loaded)
    lat = [x for i in loaded for x in phases[i]["latencies"]]
    # a call some board never got counts, as an endless delay: it is in the percentiles, not left out
    delay = {t: (called[t][0] - sent) * 1000 if called.get(t, (None, 0))[1] >= boards else float("inf")
             for t, sent, _, _ in calls}
    missed = sum(d == float("inf") for d in delay.values())
    delays = [delay[t] for t, _, phase, _ in calls if phase in counted]
    answers = [answer * 1000 for _, _, phase, answer in calls if phase in counted]
    for i, p in enumerate(phases):
        mine = [delay[t] for t, _, ph, _ in calls if ph == i]
        p["call_to_board_ms"] = {"p50": _ms(percentile(mine, 50)), "p99": _ms(percentile(mine, 99))}
        answered = [answer * 1000 for _, _, ph, answer in calls if ph == i]
        p["call_answer_ms"] = {"p50": _ms(percentile(answered, 50)), "p99": _ms(percentile(answered, 99))}
        p["missed"] = sum(d == float("inf") for d in mine)
    first = next((phases[i]["ticket_ms"]["p99"] for i in loaded), None)
    knee = [i for i in loaded if first is not None and phases[i]["ticket_ms"]["p99"] <= BENT * first]
    return {"boards": boards, "tickets": sum(p["tickets"] for p in phases),
            "ticket_ms": {"p50": _ms(percentile(lat, 50)), "p99": _ms(percentile(lat, 99))},
            "tickets_per_s": max((phases[i]["tickets_per_s"] for i in loaded), default=0.0),
            "tickets_per_s_before_bend": max((phases[i]["tickets_per_s"] for i in knee), default=0.0),
            "call_to_board_ms": {"p50": _ms(percentile(delays, 50)), "p99": _ms(percentile(delays, 99))},
            "call_answer_ms": {"p50": _ms(percentile(answers, 50)), "p99": _ms(percentile(answers, 99))},
            "calls": len(calls), "missed": missed, "calls_missed": missed,
            "phases": [{k: v for k, v in p.items() if k != "latencies"} for p in phases]}


def eta_range_ms(config, core):
    """The ETA range's cost at 150 waiting tickets (hub/bench/eta_range.py), on the hub's core when pinned."""
    from hub.bench.eta_range import range_timing
    from hub.hallfile.model import load_hall

    if core is not None:
        os.sched_setaffinity(0, {core})
    try:
        return range_timing(load_hall(config))
    finally:
        if core is not None:
            os.sched_setaffinity(0, range(os.cpu_count()))


def _ms(v):
    """Milliseconds, rounded; an endless delay (a missed call) as null."""
    return None if v is None or v != v or v == float("inf") else round(v, 2)
