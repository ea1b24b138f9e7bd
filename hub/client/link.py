"""The Socket.IO link to the hub (hub.client.wire: one WebSocket, standard library).

    link = HubLink(url, token=KEY, on_snapshot=..., on_event=..., on_connection=...)
    link.start()                 # connects in the background, retrying with back-off
    link.wait_snapshot(10)       # True once the first snapshot was handed on
    link.stop()

`on_snapshot(data)` replaces the caller's state; `on_event(name, data)` gets
each event once, in event-id order (`data["replay"]` is true for events the
hub replayed after a drop); `on_connection(up)` follows the connection. All
three run on the link's one dispatch thread, never two at a time, and never
on the socket thread: a slow caller delays its own view, not the connection.
What is handed on, and when, is `hub.client.sequence.Sequencer`'s rule.
"""
from __future__ import annotations

import logging
import random
import threading
import time

from hub.client.http import HubUnreachable
from hub.client.sequence import Sequencer
from hub.client.wire import Wire, WireClosed, WireError

log = logging.getLogger("hallq.client")
BACKOFF = (0.2, 5.0)  # first and longest wait between two connection attempts, seconds
GROWTH = 1.25  # each wait a quarter longer than the one before
JITTER = 0.25  # share of a wait drawn at random, so a hall's clients do not all come back at once
CONNECT_TIMEOUT = 5.0


def retry_delay(attempt, backoff=BACKOFF, rand=random.random):
    """The wait before connection attempt `attempt` + 1 after a drop (0: the first retry).
    A restarted hub answers again within about a second (and holds connections
    in its listen queue while it starts), so the first tries come fast and the
    waits grow slowly (0.2, 0.25, 0.31 … s: five tries in the first two seconds)
    up to `backoff[1]`, where doubling would leave a board dark for a second or
    more after the hub is back."""
    first, longest = backoff
    return min(first * GROWTH ** attempt, longest) * (1 + JITTER * (2 * rand() - 1))


def _ignore(*_):
    pass


class HubLink:
    def __init__(self, url, token=None, on_snapshot=None, on_event=None, on_connection=None,
                 backoff=BACKOFF, clock=time.monotonic):
        self.url = url.rstrip("/")
        self.token = token
        self.on_snapshot = on_snapshot or _ignore
        self.on_event = on_event or _ignore
        self.on_connection = on_connection or _ignore
        self.backoff, self.clock = backoff, clock
        self.sequence = Sequencer()
        self.connected = threading.Event()
        self.snapshot_seen = threading.Event()
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._changes = []  # connection changes not yet handed on
        self._wire = None  # the connection of the moment
        self._wire_lock = threading.Lock()
        self._resume_ack = None  # the ack id of the resume sent on this connection
        self._dispatcher = None
        self._connector = None

    @property
    def last_event_id(self):
        with self._cond:
            return self.sequence.last

    # life -------------------------------------------------------------------
    def start(self):
        """Connect in the background; after a drop the link reconnects by itself."""
        self._stopping.clear()
        if self._dispatcher is None or not self._dispatcher.is_alive():
            self._dispatcher = threading.Thread(target=self._dispatch, name="hallq-link-dispatch", daemon=True)
            self._dispatcher.start()
        if self._connector is None or not self._connector.is_alive():
            self._connector = threading.Thread(target=self._run, name="hallq-link-socket", daemon=True)
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
        with self._wire_lock:
            wire = self._wire
        if wire is not None:
            wire.close()
        if self._connector is not None:
            self._connector.join(2.0)
        with self._cond:
            self._cond.notify_all()
        if self._dispatcher is not None:
            self._dispatcher.join(2.0)

    close = stop

    # the socket thread: connect, read, and after a drop connect again ------------
    def _run(self):
        attempt = 0
        while not self._stopping.is_set():
            try:
                wire = Wire.connect(self.url, auth={"token": self.token} if self.token else None,
                                    timeout=CONNECT_TIMEOUT)
            except WireError as exc:
                wait = retry_delay(attempt, self.backoff)
                attempt += 1
                log.warning("hub %s unreachable (%s), retrying in %.2f s", self.url, exc, wait)
                self._stopping.wait(wait)
                continue
            with self._wire_lock:
                self._wire = wire
            if self._stopping.is_set():
                wire.close()
            try:
                self._connected(wire)
                for kind, value in wire.packets():
                    if kind == "event":
                        self._message(*value)
                    elif kind == "ack" and value == self._resume_ack:
                        self._resume_answered()
            except WireClosed as exc:
                if not self._stopping.is_set():
                    log.warning("hub connection lost (%s)", exc)
            finally:
                wire.close()
                with self._wire_lock:
                    self._wire = None
                self._disconnected()
            if not self._stopping.is_set():  # the hub is restarting, or the network blinked
                self._stopping.wait(retry_delay(0, self.backoff))
            attempt = 1

    def _connected(self, wire):
        with self._cond:
            after = self.sequence.connected(self.clock())
            self._changes.append(True)
            self._cond.notify_all()
        self.connected.set()
        log.info("connected to hub %s (resume after %s)", self.url, after)
        self._resume_ack = wire.emit("resume", {"after": after}, ack=True) if after is not None else None

    def _resume_answered(self):
        with self._cond:
            self.sequence.answered(self.clock())
            self._cond.notify_all()

    def _disconnected(self):
        self.connected.clear()
        with self._cond:
            self.sequence.dropped()
            self._changes.append(False)
            self._cond.notify_all()

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
