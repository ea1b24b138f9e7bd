"""A stand-in county for the hub's uplink tests: the uplink half of the
contract in docs/api.md "County" (POST /api/uplink/events, GET
/api/uplink/state, GET /api/county/catalog) on a loopback port, in a thread
of the test process, keeping what it received in memory.

Switches for the faults a real county has: `down()` (the port refuses
connections), `slow = S` (each answer waits S seconds), `fail = CODE` (every
request is refused with that status). The real county server (hub/county/)
is tested against the hubs in tests/test_county_*.py once it exists.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from hubproc import free_port


class StubCounty:
    def __init__(self, halls, port=None):
        self.keys = dict(halls)  # hall id -> key
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.events = {hall: {} for hall in self.keys}  # hall -> {event_id: event}
        self.floor = {hall: 0 for hall in self.keys}  # ids at or below declared absent by `after`
        self.posts = []  # (hall, number of events, first id, last id)
        self.duplicates = 0
        self.requests = 0  # counted on arrival, before any slowness
        self.catalog = None
        self.slow = 0.0
        self.fail = None
        self.lock = threading.Lock()
        self.server = None

    # the server ----------------------------------------------------------------------
    def start(self):
        county = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                county.handle(self, "GET")

            def do_POST(self):
                county.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def down(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def handle(self, req, method):
        self.requests += 1
        if self.slow:
            time.sleep(self.slow)
        if self.fail:
            return self.answer(req, self.fail, {"error": {"code": "down", "message": "维护中"}})
        url = urlparse(req.path)
        key = req.headers.get("Authorization", "").removeprefix("Bearer ")
        hall = next((h for h, k in self.keys.items() if k == key), None)
        if hall is None:
            return self.answer(req, 401, {"error": {"code": "bad_key", "message": "上报密钥无效"}})
        if method == "GET" and url.path == "/api/uplink/state":
            asked = parse_qs(url.query).get("hall", [""])[0]
            if asked != hall:
                return self.answer(req, 403, {"error": {"code": "wrong_hall", "message": "密钥不属于该大厅"}})
            return self.answer(req, 200, {"acked_through": self.acked(hall)})
        if method == "POST" and url.path == "/api/uplink/events":
            body = json.loads(req.rfile.read(int(req.headers["Content-Length"])))
            if body.get("hall") != hall:
                return self.answer(req, 403, {"error": {"code": "wrong_hall", "message": "密钥不属于该大厅"}})
            return self.answer(req, 200, {"acked_through": self.store(hall, body)})
        if method == "GET" and url.path == "/api/county/catalog":
            if self.catalog is None:
                return self.answer(req, 404, {"error": {"code": "no_catalog", "message": "尚未发布事项目录"}})
            return self.answer(req, 200, self.catalog)
        return self.answer(req, 404, {"error": {"code": "not_found", "message": req.path}})

    @staticmethod
    def answer(req, status, doc):
        data = json.dumps(doc, ensure_ascii=False).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    # the contract --------------------------------------------------------------------
    def store(self, hall, body):
        events = body["events"]
        with self.lock:
            got = self.events[hall]
            for e in events:
                if e["event_id"] in got:
                    self.duplicates += 1
                got.setdefault(e["event_id"], e)
            if events and self.acked(hall) >= body.get("after", 0):
                # ids between `after` and the batch's first are absent at the hall
                self.floor[hall] = max(self.floor[hall], min(e["event_id"] for e in events) - 1)
            self.posts.append((hall, len(events), events[0]["event_id"] if events else None,
                               events[-1]["event_id"] if events else None))
            return self.acked(hall)

    def acked(self, hall):
        n = self.floor[hall]
        got = self.events[hall]
        while n + 1 in got:
            n += 1
        return n

    def forget_after(self, hall, event_id):
        """As a county restored from an older backup would: everything above `event_id` gone."""
        with self.lock:
            self.events[hall] = {i: e for i, e in self.events[hall].items() if i <= event_id}
            self.floor[hall] = min(self.floor[hall], event_id)

    def types(self, hall):
        return [e["type"] for _, e in sorted(self.events[hall].items())]
