"""The event bus: committed events to whoever listens (the live stream, the
surge watch). It is given to the service when the hall is composed; the
Socket.IO stream subscribes to it, nothing is patched on.

Batches reach the listeners in commit order. A listener that itself changes
state (the surge watch raising an alert) commits a new batch while the first
is being delivered; that batch waits until the first has reached every
listener, so no client sees event N+1 before event N.
"""
from __future__ import annotations

import logging
from collections import deque

log = logging.getLogger("hallq.bus")


class EventBus:
    def __init__(self):
        self._listeners = []
        self._waiting = deque()
        self._delivering = False

    def subscribe(self, listener):
        """`listener(events)` is called after each COMMIT with that transaction's events."""
        self._listeners.append(listener)

    def publish(self, events):
        self._waiting.append(events)
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._waiting:
                batch = self._waiting.popleft()
                for listener in tuple(self._listeners):
                    try:
                        listener(batch)
                    except Exception:  # the change is committed: one failing listener must not starve the rest
                        log.exception("listener %r failed on %s", listener, [e["type"] for e in batch])
        finally:
            self._delivering = False
