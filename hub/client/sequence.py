"""The one rule for what a hub client hands on, and in which order. Pure:
no sockets, no threads, time passed in.

- The link tracks `last`, the newest event id it handed on (an event's or a
  snapshot's `event_id`).
- The first `snapshot` replaces everything; events are then handed on in
  event-id order, each id once (a repeat or an older id is dropped).
- After a drop the link sends `resume {"after": last}` on reconnecting and
  holds what arrives until the hub has answered it (the resume's ack, or
  RESUME_WAIT). Then, in order: the missed events up to the new snapshot's
  event_id (the hub marks them `"replay": true`), the snapshot itself
  (which replaces state: it is the hall as of that event id), then the
  events after it. When the hub answers a long absence with a snapshot
  instead of a replay, the newest snapshot wins.
- An event that leaves a gap in the ids waits up to REORDER_WAIT for the
  missing one: a client whose messages can overtake each other (as with
  python-socketio's thread per message) gets them back in order; the staff
  and device streams have no gaps, the public one skips staff-only events.
- Messages without an event id (the coalesced `queues.changed`) carry
  counts only: handed on as they come, after the first snapshot.

Every buffer here is bounded.
"""
from __future__ import annotations

from collections import deque

REORDER_WAIT = 0.05  # seconds an event waits for a missing lower id
RESUME_WAIT = 5.0  # seconds to wait for the hub's answer to a resume
MAX_PENDING = 2000  # events held at most (the hub replays at most 500)
MAX_PLAIN = 100  # id-less messages held at most


def event_id_of(data):
    value = data.get("event_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Sequencer:
    def __init__(self, reorder_wait=REORDER_WAIT, resume_wait=RESUME_WAIT):
        self.reorder_wait, self.resume_wait = reorder_wait, resume_wait
        self.last = None  # newest event id handed on
        self.resume_from = None  # the `after` of an outstanding resume
        self.resume_sent = None  # when it went out
        self.resume_answered = None  # when the hub acknowledged it
        self.snapshot = None  # the newest snapshot not yet handed on
        self.pending = {}  # event id -> (arrived, name, data)
        self.plain = deque(maxlen=MAX_PLAIN)  # (name, data) without an event id

    # what happens to the connection ------------------------------------
    def dropped(self):
        """The connection is gone: the next one resumes from `last`."""
        if self.last is not None:
            self.resume_from = self.last
            self.resume_sent = self.resume_answered = None

    def connected(self, now):
        """The connection is up: the `after` to send in a resume, or None."""
        if self.resume_from is None:
            return None
        self.resume_sent, self.resume_answered = now, None
        return self.resume_from

    def answered(self, now):
        self.resume_answered = now

    # what arrives ---------------------------------------------------------
    def add(self, name, data, now):
        if not isinstance(data, dict):
            return
        if name == "snapshot":
            if self.snapshot is None or (event_id_of(data) or 0) >= (event_id_of(self.snapshot) or 0):
                self.snapshot = data
            return
        event_id = event_id_of(data)
        if event_id is None:
            self.plain.append((name, data))
            return
        if self.last is not None and event_id <= self.last and self.resume_from is None:
            return  # seen before
        held = self.pending.get(event_id)
        if held is None or (held[2].get("replay") and not data.get("replay")):
            self.pending[event_id] = (held[0] if held else now, name, data)
        while len(self.pending) > MAX_PENDING:
            del self.pending[min(self.pending)]

    # what to hand on --------------------------------------------------------
    def ready(self, now):
        """[(name, data)] to hand on now, in order ("snapshot" among them)."""
        if self.resume_from is not None:
            if not self._resume_over(now):
                return []
            self.resume_from = None
            return self._with_snapshot(now, floor=self.last)
        if self.snapshot is not None:
            return self._with_snapshot(now, floor=self.last)
        if self.last is None:
            return []  # nothing is handed on before the first snapshot
        return self._events(now) + self._plain()

    def wait(self, now):
        """Seconds until `ready` may have something new without a new message."""
        if self.resume_from is not None:
            if self.resume_sent is None:
                return None
            if self.resume_answered is not None:
                return max(0.0, self.resume_answered + self.reorder_wait - now)
            return max(0.0, self.resume_sent + self.resume_wait - now)
        if self.pending and self.last is not None:
            first = min(self.pending)
            return max(0.0, self.pending[first][0] + self.reorder_wait - now)
        return None

    def _resume_over(self, now):
        if self.resume_sent is None:
            return False
        if self.resume_answered is not None:  # the ack may overtake the last replays by a thread
            return now - self.resume_answered >= self.reorder_wait
        return now - self.resume_sent >= self.resume_wait

    def _with_snapshot(self, now, floor):
        out = []
        snapshot, self.snapshot = self.snapshot, None
        top = event_id_of(snapshot) if snapshot is not None else None
        if top is not None:
            for event_id in sorted(self.pending):
                if event_id > top:
                    break
                arrived, name, data = self.pending.pop(event_id)
                if floor is not None and floor < event_id:
                    out.append((name, data))
        if snapshot is not None:
            out.append(("snapshot", snapshot))
            self.last = top if top is not None else (self.last or 0)
        if self.last is None:
            return out
        return out + self._events(now, eager=True) + self._plain()

    def _events(self, now, eager=False):
        out = []
        while self.pending:
            event_id = min(self.pending)
            arrived, name, data = self.pending[event_id]
            if event_id <= self.last:
                del self.pending[event_id]
                continue
            if event_id != self.last + 1 and not eager and now - arrived < self.reorder_wait:
                break  # a lower id may still be on its way
            del self.pending[event_id]
            self.last = event_id
            out.append((name, data))
        return out

    def _plain(self):
        out = list(self.plain)
        self.plain.clear()
        return out
