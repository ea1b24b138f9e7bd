"""Socket.IO: a snapshot on connect, one message per event, resume after a drop.

Rooms: everyone is in "public" (calls, queue counts, window states); staff and
hall-wide devices also join "staff" (ratings, alerts, device changes); a device
bound to a window joins only "window:<id>" and gets its window's events.
"""
from __future__ import annotations

import time

from flask import request
from flask_socketio import emit, join_room

from hub.service.views import public_copy
from hub.rules.clock import iso

RESUME_LIMIT = 500  # more missed events than this: a fresh snapshot instead
QUEUE_INTERVAL = 0.5  # seconds between two public queue-count messages at most


class QueueFeed:
    """The public stream's queue counts after tickets are taken: at once when
    the last message is older than QUEUE_INTERVAL, else coalesced into one a
    little later (`tick`, run by the server). Every board and phone page is a
    client; one message per ticket taken would cost each of them a send."""

    def __init__(self, socketio, hall):
        self.socketio, self.hall = socketio, hall
        self.last = 0.0
        self.pending = False

    def changed(self):
        if time.monotonic() - self.last >= QUEUE_INTERVAL:
            self.flush()
        else:
            self.pending = True

    def tick(self):
        if self.pending and time.monotonic() - self.last >= QUEUE_INTERVAL:
            self.flush()

    def flush(self):
        self.pending = False
        self.last = time.monotonic()
        data = {"type": "queues.changed", "at": iso(self.hall.clock.now(), self.hall.hall.timezone),
                "queues": self.hall.estimates.queue_views()}
        self.socketio.emit("queues.changed", data, to=["public", "staff"])


def init_live(socketio, svc, presence=None):
    """`presence(actor, token, online)`: a board or bridge going on- or offline; by default recorded
    here, in a reader worker (hub/web/workers.py) forwarded to the writer."""
    clients = {}  # sid -> actor (or None for the public)
    tokens = {}  # sid -> the key of a board or bridge, for its presence
    report = presence or (lambda who, token, online: svc.devices.report(who.device, who, online=online))

    @socketio.on("connect")
    def connect(auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        who = svc.accounts.actor_for(token, request.remote_addr or "")
        if token and who is None:
            return False  # a wrong key is refused rather than silently downgraded
        clients[request.sid] = who
        # rooms: "public" (anonymous: no staff names), "staff" (staff and hall-wide devices),
        # "window:ID" (a window's own devices)
        if who is not None and who.role == "device" and who.window:
            join_room(f"window:{who.window}")
        elif who is not None:
            join_room("staff")
        else:
            join_room("public")
        if who is not None and who.role == "device" and who.device_kind in ("board", "bridge"):
            tokens[request.sid] = token
            report(who, token, True)
        reply("snapshot", svc.events.snapshot() if who is not None else public_copy(svc.events.snapshot()))

    @socketio.on("disconnect")
    def disconnect(*_):
        who, token = clients.pop(request.sid, None), tokens.pop(request.sid, None)
        if who is not None and who.role == "device" and who.device_kind in ("board", "bridge"):
            still = any(a is not None and a.device == who.device for a in clients.values())
            if not still:
                report(who, token, False)

    @socketio.on("resume")
    def resume(data=None):
        after = data.get("after") if isinstance(data, dict) else None
        who = clients.get(request.sid)
        shown = (lambda d: d) if who is not None else public_copy
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            reply("snapshot", shown(svc.events.snapshot()))
            return
        private = who is not None and (who.is_staff or who.role == "device")
        missed = svc.events.after(after, public_only=not private, limit=RESUME_LIMIT + 1)
        if who is not None and who.role == "device" and who.window:
            missed = [e for e in missed if _for_window(e, who.window)]
        if len(missed) > RESUME_LIMIT:
            reply("snapshot", shown(svc.events.snapshot()))
            return
        queues = svc.estimates.queue_views()
        for event in missed:
            reply(event["type"], shown(dict(event, queues=queues, replay=True)))

    feed = QueueFeed(socketio, svc)

    def publish(events):
        for event in events:
            data = event["data"]
            socketio.emit(data["type"], data, to="staff")
            if event["public"]:
                socketio.emit(data["type"], public_copy(data), to="public")
            if event["window"]:
                socketio.emit(data["type"], data, to=f"window:{event['window']}")
            if data["type"] == "ticket.issued":
                feed.changed()

    svc.bus.subscribe(publish)
    return feed


def reply(event, data):
    """An event to the client being answered, which is this process's own: written to it here,
    never through the workers' Redis (a worker's boards connecting at once would otherwise publish
    a snapshot each, run out of Redis connections and cost the worker its subscription for a
    second, and the events of that second)."""
    emit(event, data, ignore_queue=True)


def _for_window(event, window_id):
    window = event.get("window")
    return isinstance(window, dict) and window.get("id") == window_id
