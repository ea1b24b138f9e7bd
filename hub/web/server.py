"""Serving the hub with gevent: WebSocket upgrades through gevent-websocket,
TCP_NODELAY on every accepted socket (gevent writes headers and body
separately; without it a client's delayed ACK adds ~40 ms to each request),
and the background rhythm in greenlets."""
from __future__ import annotations

import logging
import socket

import gevent
from gevent.pywsgi import WSGIServer
from geventwebsocket.handler import WebSocketHandler

from hub.service import rhythm
from hub.service.supervision import check_case_alerts

log = logging.getLogger("hallq.server")


class QuietHandler(WebSocketHandler):
    def log_request(self):
        if self.code is not None and self.code >= 500:
            super().log_request()


class HallServer(WSGIServer):
    def handle(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return super().handle(sock, address)


def _every(seconds, fn, *args):
    def loop():
        while True:
            gevent.sleep(seconds)
            try:
                fn(*args)
            except Exception:  # the loop must outlive one bad turn; the error is logged
                log.exception("background task %s failed", getattr(fn, "__name__", fn))
    return gevent.spawn(loop)


def serve(app, host, port, on_listen=None, watchdog=None):
    svc = app.extensions["hallq"]
    server = HallServer((host, port), app, handler_class=QuietHandler, log=None, error_log=log)
    server.start()
    tasks = [_every(5, rhythm.close_if_due, svc), _every(15, rhythm.mark_silent_devices, svc),
             _every(60, check_case_alerts, svc)]
    feed = app.extensions.get("hallq.queue_feed")
    if feed is not None:
        tasks.append(_every(0.1, feed.tick))
    if watchdog is not None:
        tasks.append(_every(watchdog[0], watchdog[1]))
    if on_listen:
        on_listen(server.server_port)
    try:
        server.serve_forever()
    finally:
        gevent.killall(tasks)
