"""Flask glue shared by every blueprint: the actor of a request, JSON errors
in the request's language, and idempotent POSTs (an `Idempotency-Key` header
makes a repeated press a replay). Input is parsed by hub/web/typed.py."""
from __future__ import annotations

import functools
import hashlib
import json
import threading
from contextlib import contextmanager

from flask import current_app, g, jsonify, request

from hub.service.auth import permit
from hub.rules.errors import HallError, language, render
from hub.web.field_errors import refuse

SESSION_COOKIE = "hallq_session"


def service():
    return current_app.extensions["hallq"]


DEVICE_KEY_HEADER = "X-Device-Key"  # kiosks and query terminals (a page cannot hide a bearer token better)


def request_token():
    device_key = request.headers.get(DEVICE_KEY_HEADER)
    if device_key:
        return device_key
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def load_actor():
    svc = service()
    g.actor = svc.accounts.actor_for(request_token(), request.remote_addr or "")


def actor():
    return getattr(g, "actor", None)


def require(allowed):
    """The request's actor if `allowed(actor)`: else 401 without a login, 403 with one."""
    return permit(actor(), allowed)


def require_staff():
    return require(lambda a: a.is_staff)


def require_staff_or_device():
    return require(lambda a: a.is_staff or a.role == "device")


def require_manager():
    return require(lambda a: a.is_manager)


def error_response(exc):
    lang = language(request.headers.get("Accept-Language"))
    payload = {"error": {"code": exc.code, "message": exc.message(lang)}}
    response = jsonify(payload)
    response.status_code = exc.status
    if exc.status == 429 and "seconds" in exc.params:
        response.headers["Retry-After"] = str(exc.params["seconds"])
    return response


def plain_error(status, key, **params):
    return error_response(HallError(status, key, **params))


def idempotent(view):
    """Replay the stored answer to a POST repeated with the same Idempotency-Key and the same
    body; the same key with another body is a 409 (a client bug or a forgery, never a replay)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        if len(key) > 100:
            raise refuse(400, "Idempotency-Key", "too_long_key")
        svc = service()
        who = actor().audit_name if actor() else request.remote_addr
        scoped = f"{who}|{request.path}|{key}"
        sent = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        with _in_flight.hold(scoped):  # a repeat sent while the first is being answered waits, then replays it
            kept = svc.replies.find(scoped)
            if kept is not None and kept["request"] not in (None, sent):
                raise HallError(409, "idempotency_mismatch")
            if kept is not None:
                response = current_app.response_class(svc.tickets.replayed(kept["body"]), status=kept["status"],
                                                      mimetype="application/json")
                response.headers["Idempotent-Replay"] = "true"
                return response
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code < 500:
                # an issued ticket's token is not kept in clear: rebuilt on replay
                svc.replies.keep(scoped, response.status_code,
                                 svc.tickets.reply_to_keep(response.get_data(as_text=True)), sent)
            return response
    return wrapper


class _InFlight:
    """The Idempotency-Keys whose request is being answered now, each with its lock: the view
    may yield to the event loop (a ticket's ETA range is computed in steps), and a repeat of the
    same key arriving meanwhile must wait for the answer rather than run the view again."""

    def __init__(self):
        self._held = {}  # key: [lock, requests holding or waiting for it]
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, key):
        with self._guard:
            entry = self._held.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._held[key]


_in_flight = _InFlight()


def message(key, **params):
    return render(key, language(request.headers.get("Accept-Language")), **params)
