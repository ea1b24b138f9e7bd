"""`hallq platform sim`: a stand-in for the provincial 好差评 system.

It checks every field of every message it receives (hub.rules.platform, the
same rules the hub builds them by), prints one line per message, and keeps
what it accepted so that tests and the demo can look: `GET /api/ratings`.
Faults for tests: `POST /control {"fail": N}` answers the next N messages
with 503, as a platform that is down would.
"""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hub.rules.platform import problems

PATH = "/api/ratings"


class Platform:
    """What the simulated platform holds: accepted messages by (rating_id, revision)."""

    def __init__(self, key, out=sys.stdout):
        self.key = key
        self.out = out
        self.received = {}
        self.fail = 0
        self.requests = 0
        self.lock = threading.Lock()

    def receive(self, auth, body):
        """(status, answer) for one POST."""
        with self.lock:
            self.requests += 1
            if self.fail > 0:
                self.fail -= 1
                return 503, {"error": {"code": "unavailable", "message": "platform down (simulated)"}}
        if auth != f"Bearer {self.key}":
            return 401, {"error": {"code": "bad_key", "message": "Authorization: Bearer KEY expected"}}
        try:
            doc = json.loads(body)
        except ValueError:
            return 400, {"error": {"code": "bad_json", "message": "body is not JSON"}}
        found = problems(doc)
        if found:
            self._print("REFUSED", doc if isinstance(doc, dict) else {}, "; ".join(f"{f}: {w}" for f, w in found))
            return 422, {"error": {"code": "invalid", "message": "invalid message"},
                         "problems": [{"field": f, "why": w} for f, w in found]}
        key = (doc["rating_id"], doc["revision"])
        with self.lock:
            duplicate = key in self.received
            self.received.setdefault(key, doc)
        self._print("DUPLICATE" if duplicate else "OK", doc)
        return 200, {"ok": True, "duplicate": duplicate}

    def _print(self, verdict, doc, why=""):
        line = (f"{verdict} {doc.get('rating_id', '?')} r{doc.get('revision', '?')} {doc.get('hall', '?')} "
                f"{doc.get('ticket_number', '?')} {doc.get('score', '?')} {doc.get('level', '')} "
                f"{doc.get('window', '')} {doc.get('staff') or '-'} {','.join(doc.get('reasons') or [])} {why}")
        print(line.strip(), file=self.out, flush=True)

    def listing(self):
        with self.lock:
            return {"ratings": list(self.received.values()), "requests": self.requests}


def make_handler(platform):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # one line per message is printed by Platform
            pass

        def _answer(self, status, doc):
            data = json.dumps(doc, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def do_POST(self):
            if self.path == PATH:
                self._answer(*platform.receive(self.headers.get("Authorization", ""), self._body()))
            elif self.path == "/control":
                try:
                    platform.fail = int(json.loads(self._body() or b"{}").get("fail", 0))
                except (ValueError, AttributeError, TypeError):
                    return self._answer(400, {"error": {"code": "bad_json", "message": '{"fail": N} expected'}})
                self._answer(200, {"fail": platform.fail})
            else:
                self._answer(404, {"error": {"code": "not_found", "message": self.path}})

        def do_GET(self):
            if self.path == PATH:
                self._answer(200, platform.listing())
            else:
                self._answer(404, {"error": {"code": "not_found", "message": self.path}})

    return Handler


def serve(host, port, key, out=sys.stdout):
    platform = Platform(key, out)
    server = ThreadingHTTPServer((host, port), make_handler(platform))
    print(f"好差评平台模拟器 http://{host}:{server.server_port}{PATH} (key {key})", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
