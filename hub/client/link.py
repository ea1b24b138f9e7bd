"""The Socket.IO link to the hub (python-socketio's threaded client).

    link = HubLink(url, token=KEY, on_snapshot=..., on_event=..., on_connection=...)
    link.start()                 # connects in the background, retrying with back-off
    link.wait_snapshot(10)       # True once the first snapshot was handed on
    link.stop()

`on_snapshot(data)` replaces the caller's state; `on_event(name, data)` gets
each event once, in event-id order (`data["replay"]` is true for events the
hub replayed after a drop); `on_connection(up)` follows the connection. All
three run on the link's one dispatch thread, never two at a time, and never
on a socket thread: a slow caller delays its own view, not the connection.
What is handed on, and when, is `hub.client.sequence.Sequencer`'s rule.
"""
from __future__ import annotations

import logging
import threading
import time

import socketio

from hub.client.http import HubUnreachable
from hub.client.sequence import Sequencer

log = logging.getLogger("hallq.client")
BACKOFF = (0.5, 5.0)  # first and longest wait between two connection attempts, seconds


def _ignore(*_):
    pass


class HubLink:
    def __init__(self, url, token=None, on_snapshot=None, on_event=None, on_connection=None,
                 backoff=BACKOFF, transports=("websocket", "polling"), clock=time.monotonic):
        self.url = url.rstrip("/")
        self.token = token
        self.on_snapshot = on_snapshot or _ignore
        self.on_event = on_event or _ignore
        self.on_connection = on_connection or _ignore
        self.backoff, self.transports, self.clock = backoff, list(transports), clock
        self.sequence = Sequencer()
        self.connected = threading.Event()
        self.snapshot_seen = threading.Event()
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._changes = []  # connection changes not yet handed on
        self.sio = socketio.Client(reconnection=True, reconnection_attempts=0, reconnection_delay=backoff[0],
                                   reconnection_delay_max=backoff[1], randomization_factor=0.3)
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        self.sio.on("*", self._message)
        self._dispatcher = None
        self._connector = None

    @property
    def last_event_id(self):
        with self._cond:
            return self.sequence.last

    # life -------------------------------------------------------------------
    def start(self):
        """Connect in the background; after a drop the client reconnects by itself."""
        self._stopping.clear()
        if self._dispatcher is None or not self._dispatcher.is_alive():
            self._dispatcher = threading.Thread(target=self._dispatch, name="hallq-link-dispatch", daemon=True)
            self._dispatcher.start()
        if self._connector is None or not self._connector.is_alive():
            self._connector = threading.Thread(target=self._connect_loop, name="hallq-link-connect", daemon=True)
            self._connector.start()
        return self

    def connect(self, timeout=10.0):
        """start(), then wait for the first snapshot; HubUnreachable if none came."""
        self.start()
        if not self.wait_snapshot(timeout):
            raise HubUnreachable(f"hub {self.url}: no snapshot within {timeout:g} s")
        return self

    def wait_snapshot(self, timeout=None):
        return self.snapshot_seen.wait(timeout)

    def stop(self):
        """Disconnect; a later start() resumes after the last event seen."""
        self._stopping.set()
        try:
            self.sio.disconnect()
        except Exception:  # never connected, or gone already: nothing to close
            pass
        if self._connector is not None:
            self._connector.join(2.0)
        with self._cond:
            self._cond.notify_all()
        if self._dispatcher is not None:
            self._dispatcher.join(2.0)

    close = stop

    def _connect_loop(self):
        """Until the first connection of this start(); after it python-socketio reconnects."""
        delay = self.backoff[0]
        while not self._stopping.is_set():
            auth = {"token": self.token} if self.token else None
            try:
                self.sio.connect(self.url, auth=auth, transports=self.transports, wait_timeout=5)
                return
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                log.warning("hub %s unreachable (%s), retrying in %.1f s", self.url, exc, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, self.backoff[1])

    # socket threads: note what came, hand nothing on from here ----------------
    def _connected(self):
        with self._cond:
            after = self.sequence.connected(self.clock())
            self._changes.append(True)
            self._cond.notify_all()
        self.connected.set()
        log.info("connected to hub %s (resume after %s)", self.url, after)
        if after is not None:
            self.sio.emit("resume", {"after": after}, callback=self._resume_answered)

    def _resume_answered(self, *_):
        with self._cond:
            self.sequence.answered(self.clock())
            self._cond.notify_all()

    def _disconnected(self, *reason):
        self.connected.clear()
        with self._cond:
            self.sequence.dropped()
            self._changes.append(False)
            self._cond.notify_all()
        log.warning("hub connection lost %s", reason)

    def _message(self, name, data=None):
        with self._cond:
            self.sequence.add(name, data, self.clock())
            self._cond.notify_all()

    # the dispatch thread --------------------------------------------------------
    def _dispatch(self):
        while not self._stopping.is_set():
            with self._cond:
                items, changes = self.sequence.ready(self.clock()), self._changes
                self._changes = []
                if not items and not changes:
                    due = self.sequence.wait(self.clock())
                    self._cond.wait(1.0 if due is None else max(due, 0.001))
                    continue
            for up in changes:
                self._hand_on(self.on_connection, up)
            for name, data in items:
                if name == "snapshot":
                    self._hand_on(self.on_snapshot, data)
                    self.snapshot_seen.set()
                else:
                    self._hand_on(self.on_event, name, data)

    def _hand_on(self, callback, *args):
        try:
            callback(*args)
        except Exception:  # one bad message must not end the link
            log.exception("hub message %s could not be applied", args[0] if args else "")
