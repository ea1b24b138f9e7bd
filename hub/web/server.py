"""Serving the hub with gevent: WebSocket upgrades through gevent-websocket,
each WebSocket connection writing through its one outbox (hub/live/fanout.py:
broadcasts are written to every board's socket from one loop), TCP_NODELAY on
every accepted socket (gevent writes headers and body separately; without it
a client's delayed ACK adds ~40 ms to each request), and the background
rhythm in greenlets."""
from __future__ import annotations

import gc
import json
import logging
import socket

import gevent
from gevent.event import Event
from gevent.pywsgi import MAX_REQUEST_LINE, WSGIServer
from geventwebsocket.handler import WebSocketHandler

from hub.live.fanout import OUTBOX, Outbox

from hub.platform.link import PlatformLink

from hub.rules.errors import language
from hub.web.field_errors import RequestError
from hub.service.estimates import FORECAST_INTERVAL
from hub.service.uplink import LINGER_S, CountyError

log = logging.getLogger("hallq.server")


READ_AT_MOST = 256 * 1024  # of a too-long request, to find its Accept-Language


class QuietHandler(WebSocketHandler):
    def log_request(self):
        if self.code is not None and self.code >= 500:
            super().log_request()

    def handle_one_request(self):
        result = super().handle_one_request()
        if isinstance(result, tuple) and result[0] == "414":  # gevent's own answer has an empty body
            return "414", uri_too_long(accept_language(self.rfile))
        return result

    def upgrade_connection(self):
        """gevent-websocket's upgrade, with the connection's writes through an `Outbox` (handed to
        the application in the environ, for the fan-out). The WebSocket writes every frame with
        its `raw_write` (the socket's sendall until here)."""
        result = super().upgrade_connection()
        websocket = self.environ.get("wsgi.websocket")
        if websocket is not None:
            outbox = Outbox(self.socket)
            websocket.raw_write = outbox.write
            self.environ[OUTBOX] = outbox
        return result


def accept_language(rfile):
    """The Accept-Language of a request whose first line was cut at MAX_REQUEST_LINE."""
    read, line = 0, b""
    while not line.endswith(b"\n"):  # the rest of the request line
        line = rfile.readline(MAX_REQUEST_LINE)
        read += len(line)
        if not line or read > READ_AT_MOST:
            return None
    for _ in range(100):
        line = rfile.readline(MAX_REQUEST_LINE)
        if line in (b"", b"\r\n", b"\n"):
            return None
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "accept-language":
            return value.strip()
    return None


def uri_too_long(accept):
    error = RequestError(414, "uri_too_long", limit=MAX_REQUEST_LINE)
    body = json.dumps({"error": {"code": error.code, "message": error.message(language(accept))}},
                      ensure_ascii=False).encode("utf-8")
    return (b"HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json; charset=utf-8\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)) + body


class HallServer(WSGIServer):
    def handle(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return super().handle(sock, address)


LOOP_TURN_S = 0.0001  # a timer this short is due at once: the sleep lasts one turn of the loop


def loop_turn():
    """Yield for one turn of the event loop, its sockets polled: what a long computation or a
    batched job does between its steps so that calls and tickets go on. (gevent.sleep(0) runs only
    the greenlets already ready: a request still to be read would wait for the whole job.)"""
    gevent.sleep(LOOP_TURN_S)


def _every(seconds, fn, *args, at_start=False):
    def loop():
        first = at_start
        while True:
            if not first:
                gevent.sleep(seconds)
            first = False
            try:
                fn(*args)
            except Exception:  # the loop must outlive one bad turn; the error is logged
                log.exception("background task %s failed", getattr(fn, "__name__", fn))
    return gevent.spawn(loop)


class UplinkRunner:
    """The uplink's own greenlet: a round, then a wait — cut short by a commit
    (new events to ship) unless the county is failing and the back-off runs."""

    def __init__(self, uplink, catalog=None):
        self.uplink, self.catalog = uplink, catalog  # the county's matter catalogue, pulled in the same greenlet
        self._wake = Event()

    def wake(self, events):
        self._wake.set()

    def run(self):
        while True:
            self._wake.clear()  # before the round: a commit during it wakes the next one
            try:
                self.pull_catalog()
                delay = self.uplink.round()
            except Exception:  # the loop must outlive one bad turn (a locked database, a bug)
                log.exception("county uplink round failed")
                delay = 30.0
            if self.uplink.failures:
                gevent.sleep(delay)
            elif delay > 0 and self._wake.wait(delay):
                gevent.sleep(LINGER_S)  # a few more events into the same batch
            else:
                gevent.sleep(0)


    def pull_catalog(self):
        if self.catalog is None or self.uplink.failures or not self.catalog.pull_due(self.uplink.clock.now()):
            return
        try:
            self.catalog.pull()
        except CountyError as exc:  # the uplink's own round reports the county's state
            log.warning("county catalogue not fetched: %s", exc)

    def apply_catalog(self):
        if self.catalog is not None:
            self.catalog.apply_if_due()


def serve(app, host, port, on_listen=None, watchdog=None, listeners=None, writer=True, extra=()):
    """`listeners`: sockets already bound (a worker's, inherited from `hallq serve --workers`);
    `writer` False: a reader worker, which runs none of the hall's background changes;
    `extra`: greenlets of the worker's own to stop with the server."""
    svc = app.extensions["hallq"]
    servers = [HallServer(sock, app, handler_class=QuietHandler, log=None, error_log=log)
               for sock in (listeners or [(host, port)])]
    for server in servers:
        server.start()
    # with very many waiting, the forecast behind the ETAs is redone here, in steps, not in a change
    tasks = list(extra) + [_every(FORECAST_INTERVAL, svc.estimates.refresh)]
    if writer:
        tasks += [_every(5, svc.ops.close_if_due, loop_turn), _every(15, svc.ops.mark_silent_devices),
                  _every(60, svc.supervision.check_alerts), _every(30, svc.bookings.mark_no_shows),
                  _every(3600, svc.bookings.purge, at_start=True),
                  _every(3600, svc.ratings.fill_defaults, at_start=True)]
    if writer and svc.hall.platform.url:  # the 好差评 outbox, pushed from its own greenlet (hub/platform/link.py)
        tasks.append(_every(2, PlatformLink(svc.hall.platform, svc.outbox, svc.clock).push_due))
    uplink = app.extensions.get("hallq.uplink")
    if uplink is not None:
        tasks += [gevent.spawn(uplink.run), _every(5, uplink.apply_catalog)]
    feed = app.extensions.get("hallq.queue_feed")
    if feed is not None:
        tasks.append(_every(0.1, feed.tick))
    if watchdog is not None:
        tasks.append(_every(watchdog[0], watchdog[1]))
    # what the start made (Flask, the models, the hall, the catalogue) lives as long as the hub: a full
    # collection skipping it takes a few milliseconds instead of 60-100 (which the event loop waited for)
    gc.freeze()
    if on_listen:
        on_listen(servers[0].server_port)
    try:
        servers[0].serve_forever()
    finally:
        gevent.killall(tasks)
        for server in servers[1:]:
            server.stop()
