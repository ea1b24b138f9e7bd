"""What the abuse limits (hub/web/limits.py) cost one POST /api/tickets.

Two Flask apps of the same shape — the hub's actor hook and a ticket view
that answers at once — one with the hall's limits and one without; the same
anonymous requests from rotating client addresses go through both,
interleaved, and the difference of the medians is the limits' cost: the
Flask-Limiter rate (moving window, memory storage), the waiting-ticket count
(one SQLite query over the tickets this address took) and the bookkeeping
after the answer. No limit trips (the day's limit is raised; the tickets the
addresses took are done)."""
from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def _app(svc, with_limits, ids):
    from flask import Flask, jsonify
    from hub.web.http import load_actor
    from hub.web.limits import Limits

    app = Flask("limits-cost")
    app.extensions["hallq"] = svc
    app.before_request(load_actor)
    if with_limits:
        Limits(app, svc.hall.limits)
    turn = iter(range(10 ** 9))

    @app.post("/api/tickets")
    def issue():
        return jsonify({"id": ids[next(turn) % len(ids)]}), 201

    return app


def measure(requests=3000, addresses=200):
    from hub.hallfile.model import load_hall
    from hub.rules.clock import FixedClock
    from hub.service import compose
    from hub.service.bus import EventBus
    from hub.store.database import Store

    hall = load_hall(None)
    hall = replace(hall, limits=replace(hall.limits, tickets_per_day=10 ** 9))
    with tempfile.TemporaryDirectory(prefix="hallq-limits-") as tmp:
        store = Store(Path(tmp) / "cost.db")
        svc = compose(hall, store, FixedClock(1795654800.0), EventBus())
        ids = [svc.tickets.issue("m03")["id"] for _ in range(100)]
        with store.transaction() as conn:
            conn.execute("UPDATE tickets SET status='done'")
        clients = {name: _app(svc, name == "limits", ids).test_client() for name in ("limits", "none")}
        times = {name: [] for name in clients}
        for i in range(requests):
            environ = {"REMOTE_ADDR": f"10.0.{i % addresses // 250}.{i % addresses % 250 + 1}"}
            for name, client in clients.items():
                start = time.perf_counter()
                client.post("/api/tickets", json={"matter": "m03"}, environ_base=environ)
                times[name].append(time.perf_counter() - start)
        store.close()
    median = {name: statistics.median(t) * 1000 for name, t in times.items()}
    p99 = {name: statistics.quantiles(t, n=100)[98] * 1000 for name, t in times.items()}
    return {"requests": requests, "addresses": addresses,
            "median_ms": {k: round(v, 3) for k, v in median.items()},
            "p99_ms": {k: round(v, 3) for k, v in p99.items()},
            "limits_cost_ms": {"median": round(median["limits"] - median["none"], 3),
                               "p99": round(p99["limits"] - p99["none"], 3)}}
