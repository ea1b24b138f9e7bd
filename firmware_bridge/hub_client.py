"""The bridge's two roads to the hub: Socket.IO for events, HTTP for actions.

HubLink keeps a python-socketio Client connected (threads, not gevent),
authenticating with the bridge's device key, and asks for the events it
missed (`resume`) after every reconnect. StatusReporter posts each device's
online/shows/fault from its own thread, newest value only, so a hub outage
never piles up requests nor blocks a serial line.
"""
from __future__ import annotations

import logging
import threading
import time

import requests
import socketio

log = logging.getLogger("hallq.bridge")
HTTP_TIMEOUT = (2.0, 5.0)


class HubUnreachable(OSError):
    pass


class HubHttp:
    def __init__(self, base_url, timeout=HTTP_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()

    def _session(self):
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def request(self, method, path, key, body=None):
        """(status, parsed JSON body or None); HubUnreachable when no answer came."""
        headers = {"Authorization": f"Bearer {key}", "Accept-Language": "zh-CN"}
        try:
            response = self._session().request(method, self.base_url + path, json=body,
                                               headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise HubUnreachable(str(exc)) from exc
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def post(self, path, key, body=None):
        return self.request("POST", path, key, body if body is not None else {})

    def get(self, path, key):
        return self.request("GET", path, key)


class HubLink:
    """Socket.IO to the hub; `on_message(name, payload)` runs on the client's thread."""

    def __init__(self, url, key, on_message, last_event_id):
        self.url, self.key = url, key
        self._on_message, self._last_event_id = on_message, last_event_id
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=3)
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        self.sio.on("*", self._message)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._connect_loop, name="hub link", daemon=True)
        self.connected = threading.Event()

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        try:
            self.sio.disconnect()
        except Exception:  # already gone: nothing to close
            pass
        self._thread.join(2.0)

    def _connect_loop(self):
        """Until the first connection; after it, the client reconnects by itself."""
        delay = 0.5
        while not self._stopping.is_set():
            try:
                self.sio.connect(self.url, auth={"token": self.key}, wait_timeout=5)
                return
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                log.warning("hub %s unreachable (%s), retrying", self.url, exc)
                self._stopping.wait(delay)
                delay = min(delay * 2, 3.0)

    def _connected(self):
        self.connected.set()
        after = self._last_event_id()
        log.info("connected to hub %s (resume after %s)", self.url, after)
        if after:
            self.sio.emit("resume", {"after": after})

    def _disconnected(self, *reason):
        self.connected.clear()
        log.warning("hub connection lost %s", reason)

    def _message(self, name, payload=None):
        try:
            self._on_message(name, payload)
        except Exception:  # a bad event must not kill the hub link
            log.exception("event %s could not be applied", name)


class StatusReporter:
    """POST /api/devices/<id>/status with the bridge key; newest value wins."""

    def __init__(self, http, key, heartbeat=30.0, clock=time.monotonic):
        self.http, self.key, self.heartbeat, self._clock = http, key, heartbeat, clock
        self._latest, self._pending = {}, {}
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="status reporter", daemon=True)
        self.sent = 0

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(2.0)

    def update(self, device_id, online, shows, fault):
        with self._cond:
            # the hub takes up to 200 characters of text and 32 of fault
            status = {"online": bool(online), "shows": (shows or "")[:200], "fault": fault[:32] if fault else None}
            self._latest[device_id] = status
            self._pending[device_id] = status
            self._cond.notify_all()

    def _run(self):
        next_beat = self._clock() + self.heartbeat
        while True:
            with self._cond:
                if self._stopping:
                    return
                if not self._pending:
                    self._cond.wait(max(0.05, next_beat - self._clock()))
                if self._clock() >= next_beat:
                    self._pending = {**self._latest, **self._pending}
                    next_beat = self._clock() + self.heartbeat
                batch, self._pending = self._pending, {}
            failed = {d: s for d, s in batch.items() if not self._send(d, s)}
            if failed:
                with self._cond:
                    self._pending = {**failed, **self._pending}
                    self._cond.wait(2.0)

    def _send(self, device_id, status):
        try:
            code, body = self.http.post(f"/api/devices/{device_id}/status", self.key, status)
        except HubUnreachable:
            return False
        if code >= 500:
            return False
        if code >= 400:
            log.warning("hub refused status of %s: %s %s", device_id, code, body)
        self.sent += 1
        return True
