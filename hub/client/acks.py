"""Call acknowledgements: `POST /api/calls/<event_id>/ack` from a thread of
its own, with a few retries, so a hub that is away never slows a board down.

The hub keeps one ack per call and device, so what was once reported
(shown, spoken) is never taken back by a later, lesser ack. Everything kept
here is bounded: a board runs for years.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict, deque

from hub.client.http import HubHttp, HubUnreachable

log = logging.getLogger("hallq.client")
REMEMBERED = 1000  # calls whose reported (shown, spoken) is kept
RECENT = 50  # answers kept for diagnostics
MAX_QUEUED = 1000  # acks waiting to go out; beyond, the oldest are dropped


class CallAcks:
    def __init__(self, url, device, key, http=None, attempts=3, retry_delay=0.5):
        self.device = device
        self.http = http or HubHttp(url, key=key)
        self.attempts, self.retry_delay = attempts, retry_delay
        self._queue = queue.Queue(MAX_QUEUED)
        self._lock = threading.Lock()
        self._reported = OrderedDict()  # event_id -> (shown, spoken), oldest first
        self.recent = deque(maxlen=RECENT)  # (event_id, shown, spoken, HTTP status or None)
        self.sent = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="hallq-call-acks", daemon=True)
        self._thread.start()

    def ack(self, event_id, shown=True, spoken=False):
        if event_id is None:
            return
        with self._lock:
            before = self._reported.get(event_id, (False, False))
            now = (before[0] or shown, before[1] or spoken)
            if now == before:
                return
            self._reported[event_id] = now
            self._reported.move_to_end(event_id)
            while len(self._reported) > REMEMBERED:
                self._reported.popitem(last=False)
        while True:
            try:
                self._queue.put_nowait((event_id, *now))
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self._queue.task_done()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def flush(self, timeout=5.0):
        """Wait until queued acks are sent (a board about to exit)."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < end:
            time.sleep(0.02)

    def _run(self):
        while True:
            event_id, shown, spoken = self._queue.get()
            try:
                self.recent.append((event_id, shown, spoken, self._post(event_id, shown, spoken)))
                self.sent += 1
            finally:
                self._queue.task_done()

    def _post(self, event_id, shown, spoken):
        body = {"device": self.device, "shown": shown, "spoken": spoken}
        for attempt in range(self.attempts):
            try:
                status, answer = self.http.request("POST", f"/api/calls/{event_id}/ack", body)
            except HubUnreachable as exc:
                log.warning("确认呼叫 %s 失败 (第 %d 次): %s", event_id, attempt + 1, exc)
                time.sleep(self.retry_delay * (attempt + 1))
                continue
            if status >= 400:
                log.warning("确认呼叫 %s 被拒绝: HTTP %s %s", event_id, status, answer)
            return status
        return None
