"""The hub's Flask application: API, pages, Socket.IO, background rhythm."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, request
from flask_socketio import SocketIO
from werkzeug.exceptions import HTTPException

from hub import optional_module
from hub.web import appointments, cases, core, kiosk, ops, staff
from hub.rules.errors import HallError
from hub.service import compose
from hub.service.bus import EventBus
from hub.web.http import error_response, load_actor, plain_error
from hub.web.limits import Limits
from hub.web.proxies import TrustedProxies
from hub.web.pages import render_page
from hub.live.fanout import FanoutManager, RedisFanoutManager
from hub.live.stream import init_live
from hub.service.county_link import CountyLink
from hub.web.server import UplinkRunner, loop_turn
from hub.web.workers import forwarded_presence

log = logging.getLogger("hallq.app")
# the HTTP API, one blueprint per area (docs/api.md: "How a route is declared")
API_BLUEPRINTS = (core.api, kiosk.api, staff.api, cases.api, ops.api, appointments.api)
PAGE_MODULES = ("kiosk.pages", "caller.pages", "display.pages", "caller.backoffice")

PAGES = (("/kiosk", "取号机", "Kiosk"), ("/query", "智能查询终端", "Query terminal"), ("/caller", "窗口呼叫", "Caller"),
         ("/manager", "大厅管理", "Manager"), ("/backoffice", "后台审批", "Back office"), ("/board", "综合屏", "Board"))


def create_app(hall, store, clock, async_mode="gevent", worker=None):
    """`worker`: hub/web/workers.py's WorkerRole when the hub runs several web workers (the
    store is then read-only in every worker but the writer)."""
    app = Flask("hub", static_folder=str(Path(__file__).resolve().parent.parent / "static"), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = hall.rules.max_body_bytes
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    svc = compose(hall, store, clock, EventBus(), county_link=CountyLink(hall.county) if hall.county else None,
                  cooperate=_cooperate(async_mode))
    app.extensions["hallq"] = svc
    if svc.uplink is not None and (worker is None or worker.writer):
        runner = UplinkRunner(svc.uplink, svc.catalog)
        svc.bus.subscribe(runner.wake)
        app.extensions["hallq.uplink"] = runner
    # broadcasts framed once and written to every WebSocket from one loop (hub/live/fanout.py); workers:
    # events come to each through Redis, and Engine.IO sessions are per process (no long-polling across them)
    shared = {"client_manager": FanoutManager()} if worker is None else {
        "client_manager": RedisFanoutManager(worker.redis_url, channel=worker.channel), "transports": ["websocket"]}
    socketio = SocketIO(app, async_mode=async_mode, cors_allowed_origins="*", logger=False,
                        engineio_logger=False, ping_interval=10, ping_timeout=10, **shared)
    app.extensions["hallq.socketio"] = socketio
    presence = None if worker is None or worker.writer else forwarded_presence(worker.writer_port, worker.secret)
    app.extensions["hallq.queue_feed"] = init_live(socketio, svc, presence)
    app.wsgi_app = TrustedProxies(app.wsgi_app, hall.limits.trusted_proxies)  # in front of Socket.IO too
    app.before_request(load_actor)
    app.extensions["hallq.limits"] = Limits(app, hall.limits)  # after load_actor: limits know the actor
    for blueprint in API_BLUEPRINTS:
        app.register_blueprint(blueprint)
    kiosk.init_app(app)
    for name in PAGE_MODULES:
        _register_pages(app, name)
    _register_errors(app)

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("hallq/icon.svg")

    @app.get("/")
    def index():
        return render_page("index.html", pages=PAGES)

    return app, socketio


def _register_pages(app, name):
    module = optional_module(name)
    if module is None:
        return
    app.register_blueprint(module.blueprint)
    setup = getattr(module, "init_app", None)
    if setup is not None:
        setup(app)


def _register_errors(app):
    @app.errorhandler(HallError)
    def hall_error(exc):
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 404:
            return plain_error(404, "not_found", path=request.path)
        if exc.code == 405:
            return plain_error(405, "method_not_allowed", method=request.method)
        if exc.code == 413:
            return plain_error(413, "body_too_large", limit=app.config["MAX_CONTENT_LENGTH"])
        return plain_error(exc.code or 400, "bad_json")

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return plain_error(500, "internal")


def _cooperate(async_mode):
    """The yield the services make between the steps of a long computation: under gevent one
    turn of the event loop (server.loop_turn); threads are preempted, so nothing."""
    return loop_turn if async_mode == "gevent" else None
