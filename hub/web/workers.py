"""One hub, several web worker processes (`hallq serve --workers N`).

Worker 0 is the writer: it owns the database and every state change. The other
workers open the database read-only, serve reads, pages and Socket.IO
themselves, and forward every state-changing request to the writer's private
loopback port (`Forwarder`), with the client's address in a header only the
hub's own workers can set (`PeerFromWorker`, a secret shared by the workers).
Events reach every worker's Socket.IO clients through Redis (Flask-SocketIO's
message queue); `ChangeSignal` tells the readers to redo their estimates after
the writer commits."""
from __future__ import annotations

import hmac
import http.client
import json
import logging
from dataclasses import dataclass

import gevent
import redis

from hub.rules.errors import HallError, language

log = logging.getLogger("hallq.workers")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HOP_HEADERS = frozenset(("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authorization", "proxy-authenticate"))
PEER_HEADER, SECRET_HEADER = "X-Hallq-Peer", "X-Hallq-Worker-Secret"
FORWARD_TIMEOUT = 30.0


@dataclass(frozen=True)
class WorkerRole:
    """What one worker process is: its index (0 the writer), the writer's private port,
    the workers' shared secret and the Redis they share (URL and channel prefix)."""
    index: int
    writer_port: int
    secret: str
    redis_url: str
    channel: str

    @property
    def writer(self):
        return self.index == 0


def worker_app(app, role):
    """The worker's WSGI entry around the Flask app, and the reader's change listener."""
    svc = app.extensions["hallq"]
    signal = ChangeSignal(role.redis_url, role.channel)
    if role.writer:
        svc.bus.subscribe(signal.publish)
        app.wsgi_app = PeerFromWorker(app.wsgi_app, role.secret)
        return None
    app.wsgi_app = Forwarder(app.wsgi_app, role.writer_port, role.secret, app.config["MAX_CONTENT_LENGTH"])
    return signal.listen(svc.estimates.invalidate)


class WorkerError(HallError):
    MESSAGES = {
        "writer_unavailable": ("大厅主机的写入进程暂时不可用, 请稍后重试",
                               "The hub's writing process is unavailable; please try again shortly"),
        "not_a_worker": ("只有本机的 hub 进程可以转发请求", "Only this hub's own processes may forward requests"),
    }


def _error(start_response, environ, status, key):
    exc = WorkerError(status, key)
    body = json.dumps({"error": {"code": exc.code, "message": exc.message(language(
        environ.get("HTTP_ACCEPT_LANGUAGE")))}}, ensure_ascii=False).encode("utf-8")
    start_response(f"{status} {http.client.responses.get(status, '')}",
                   [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


class PeerFromWorker:
    """The writer's entry: a request forwarded by a reader carries the client's
    address (and the workers' secret); anyone else's header is refused."""

    def __init__(self, app, secret):
        self.app, self.secret = app, secret.encode()

    def __call__(self, environ, start_response):
        peer = environ.pop("HTTP_X_HALLQ_PEER", None)
        given = environ.pop("HTTP_X_HALLQ_WORKER_SECRET", "").encode()
        if peer is not None:
            if not hmac.compare_digest(given, self.secret):
                return _error(start_response, environ, 403, "not_a_worker")
            environ["REMOTE_ADDR"] = peer
        return self.app(environ, start_response)


def request_headers(environ):
    headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items()
               if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in HOP_HEADERS]
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    return headers


class Forwarder:
    """A reader's front: state-changing requests go to the writer, the rest to
    this worker's own app. A body over the hall's limit is left to the local app,
    which refuses it (413) without touching the database."""

    def __init__(self, app, writer_port, secret, max_body):
        self.app, self.writer_port, self.secret, self.max_body = app, writer_port, secret, max_body

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD", "GET") in SAFE_METHODS or environ.get("PATH_INFO", "").startswith(
                "/socket.io"):
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.app(environ, start_response)
        if length > self.max_body:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length) if length else b""
        return self.forward(environ, start_response, body)

    def forward(self, environ, start_response, body):
        path = environ.get("PATH_INFO", "/")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = dict(request_headers(environ))
        headers.update({PEER_HEADER: environ.get("REMOTE_ADDR", ""), SECRET_HEADER: self.secret,
                        "Content-Length": str(len(body))})
        conn = http.client.HTTPConnection("127.0.0.1", self.writer_port, timeout=FORWARD_TIMEOUT)
        try:
            conn.request(environ["REQUEST_METHOD"], path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except OSError as exc:
            log.warning("writer unreachable for %s %s: %s", environ["REQUEST_METHOD"], path, exc)
            return _error(start_response, environ, 503, "writer_unavailable")
        finally:
            conn.close()
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_HEADERS | {"content-length"}]
        start_response(f"{answer.status} {answer.reason}", kept + [("Content-Length", str(len(data)))])
        return [data]


class ChangeSignal:
    """After each commit the writer says so on a Redis channel; every reader
    marks its estimates stale (the events themselves travel in Socket.IO's queue)."""

    def __init__(self, url, channel):
        self.url, self.channel = url, channel + ":changed"
        self.redis = redis.Redis.from_url(url)

    def publish(self, events):
        try:
            self.redis.publish(self.channel, b"1")
        except redis.RedisError as exc:
            log.warning("change signal not sent: %s", exc)

    def listen(self, on_change):
        def loop():
            while True:
                try:
                    pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                    pubsub.subscribe(self.channel)
                    on_change()  # whatever was missed while not subscribed
                    for message in pubsub.listen():
                        if message and message.get("type") == "message":
                            on_change()
                except redis.RedisError as exc:
                    log.warning("change signal lost, resubscribing: %s", exc)
                    gevent.sleep(1)
        return gevent.spawn(loop)


def forwarded_presence(writer_port, secret):
    """A reader's board going on- or offline, reported to the writer as the device itself."""
    def report(who, token, online):
        def send():
            conn = http.client.HTTPConnection("127.0.0.1", writer_port, timeout=FORWARD_TIMEOUT)
            try:
                conn.request("POST", f"/api/devices/{who.device}/status", body=json.dumps({"online": online}),
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                      PEER_HEADER: who.ip or "127.0.0.1", SECRET_HEADER: secret})
                answer = conn.getresponse()
                answer.read()
                if answer.status >= 300:
                    log.warning("presence of %s not recorded: HTTP %s", who.device, answer.status)
            except OSError as exc:
                log.warning("presence of %s not recorded: %s", who.device, exc)
            finally:
                conn.close()
        gevent.spawn(send)
    return report
