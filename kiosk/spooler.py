"""A print spooler for one ticket printer, on plain threads.

It runs in the bridge process (not in the hub's gevent loop): a stuck or
unplugged printer blocks only its own thread. API:

    spooler = Spooler("tcp://192.168.1.50:9100", on_status=callback, paper_mm=80)
    job_id = spooler.submit(slip_dict_or_bytes)   # never blocks on the printer
    spooler.status      # None (ready), "paper_near_end", or a fault
    spooler.pending     # jobs not printed yet
    spooler.wait_idle(timeout)   # True once every job is printed
    spooler.stop()

`submit` takes raw ESC/POS bytes or a slip dict (rendered at once with
kiosk.printing.render, so a bad slip raises SlipError to the caller). Jobs
print in order. Before each job the spooler asks the printer's status, and
again after it: a job is done only when the printer is still fine after it.
On a fault ("paper_out", "cover_open", "offline", "unplugged") the job stays
at the head of the queue and the spooler retries every `retry_seconds`; it
resumes by itself when the printer is back. While idle it polls the status
every `poll_seconds`, so a fault shows before anyone takes a ticket.
Jobs are never dropped while the process lives; a job cut short by a fault
prints again in full after recovery.

`on_status(status)` is called from the spooler's thread on every change and
once at start: status is None when the printer is ready, "paper_near_end"
(still printing) or one of the faults. Exceptions it raises are logged and
ignored, so a slow hub cannot stop printing.
"""
from __future__ import annotations

import collections
import itertools
import logging
import threading

from kiosk import printer_port, printing

log = logging.getLogger(__name__)

_UNKNOWN = object()  # status before the first check, so that it is reported


class Spooler:
    def __init__(self, url, on_status=None, paper_mm=80, retry_seconds=2.0, poll_seconds=15.0,
                 start=True, opener=printer_port.open_port):
        self.url = printer_port.parse_url(url)  # bad URL: PrinterUrlError now, not later
        self.on_status = on_status
        printing.columns(paper_mm)  # SlipError for a width other than 58 or 80
        self.paper_mm = int(paper_mm)
        self.retry_seconds = retry_seconds
        self.poll_seconds = poll_seconds
        self.printed = 0  # jobs printed since start
        self._open = opener
        self._jobs = collections.deque()  # (job id, bytes)
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._status = _UNKNOWN
        self._port = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"spooler {url}", daemon=True)
        if start:
            self.start()

    # -- API -----------------------------------------------------------------
    def start(self):
        self._thread.start()

    def submit(self, job):
        """Queue a slip dict or ESC/POS bytes; returns the job id."""
        data = bytes(job) if isinstance(job, (bytes, bytearray)) else printing.render(job, self.paper_mm)
        with self._cond:
            job_id = next(self._ids)
            self._jobs.append((job_id, data))
            self._cond.notify_all()
        return job_id

    @property
    def status(self):
        return None if self._status is _UNKNOWN else self._status

    @property
    def pending(self):
        with self._cond:
            return len(self._jobs)

    def wait_idle(self, timeout=None):
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs, timeout)

    def stop(self, timeout=5.0):
        """Stop the thread; jobs not printed are left in `.pending`."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._disconnect()

    # -- the thread ------------------------------------------------------------
    def _run(self):
        while True:
            with self._cond:
                if self._stopping:
                    return
                job = self._jobs[0] if self._jobs else None
            if job is None:
                self._check()
                wait = self.poll_seconds if self.status not in printer_port.FAULTS else self.retry_seconds
            else:
                wait = 0 if self._print(*job) else self.retry_seconds
            with self._cond:
                if wait and not self._stopping:
                    # a new job wakes an idle spooler; a faulted one waits for its retry
                    self._cond.wait_for(lambda: self._stopping or (self._jobs and job is None), wait)

    def _print(self, job_id, data):
        """Try one job; True when it printed and left the queue."""
        if self._check() in printer_port.FAULTS:
            return False
        try:
            self._port.write(data)
        except printer_port.PrinterUnavailable as exc:
            log.warning("printer %s: %s", self.url.target, exc)
            self._disconnect()
            self._report("unplugged")
            return False
        if self._check() in printer_port.FAULTS:
            return False  # the fault came during the job: print it again later
        with self._cond:
            if self._jobs and self._jobs[0][0] == job_id:
                self._jobs.popleft()
            self.printed += 1
            self._cond.notify_all()
        return True

    def _check(self):
        """Ask the printer (opening it if needed); report and return its status."""
        status = None
        # a network printer drops an idle connection: one fresh connection
        # is tried before calling the printer unplugged
        for attempt in ("kept", "fresh") if self._port is not None else ("fresh",):
            try:
                if self._port is None:
                    self._port = self._open(self.url)
                status = self._port.status()
                break
            except printer_port.PrinterUnavailable as exc:
                log.info("printer %s (%s connection): %s", self.url.target, attempt, exc)
                self._disconnect()
                status = "unplugged"
        self._report(status)
        return status

    def _disconnect(self):
        if self._port is not None:
            self._port.close()
            self._port = None

    def _report(self, status):
        if status == self._status:
            return
        self._status = status
        if self.on_status is None:
            return
        try:
            self.on_status(status)
        except Exception:  # the callback talks to the hub; printing goes on regardless
            log.exception("on_status callback failed for printer %s", self.url.target)
