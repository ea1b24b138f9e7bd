"""One serial line and the devices on it, seen from the master (the bridge).

A Line owns its port and one thread. Other threads only say what a device
should show (set_state, flash, send_once); the line thread sends it between
polls, re-sends a device's whole state when it comes back, reopens a port
that vanished, and reports every change of online/shows/fault through
`on_status`. Events from devices (keys, scores) go to `on_event`. Both
callbacks run on the line thread and must return at once.
"""
from __future__ import annotations

import logging
import threading
import time
import termios
from collections import deque
from dataclasses import dataclass, field

import serial

from firmware_bridge import messages as m
from firmware_bridge.frame import BROADCAST
from firmware_bridge.protocols import ProtocolError
from firmware_bridge.transport import TransportError, byte_seconds, describe_error, open_transport

log = logging.getLogger("hallq.bridge")
PORT_ERRORS = (serial.SerialException, OSError, termios.error)
# faults as the hub shows them (short: the status API takes 32 characters)
UNPLUGGED = "unplugged"  # the port vanished or cannot be opened
REFUSED = "拒绝命令"  # the device answered NAK
OFFLINE_POLL = 1.0  # seconds between presence polls of an offline device
REOPEN_INTERVAL = 1.0
MAX_WAIT = 0.5


@dataclass(eq=False)
class Target:
    """A device on the line: its settings and what it should show."""
    device_id: str
    kind: str
    address: int
    protocol: object
    poll_interval: float = 1.0
    reply_timeout: float = 0.1
    retries: int = 2
    traffic: object = None
    state: tuple = ()
    flash_messages: tuple = ()
    flash_until: float = 0.0
    oneshots: deque = field(default_factory=deque)
    version: int = 0
    sent_version: int = -1
    online: bool | None = None
    shows: str = ""
    fault: str | None = None
    last_seq: int = 0
    next_poll: float = 0.0
    reported: tuple = ()

    def wanted(self, now):
        return self.flash_messages if self.flash_messages and now < self.flash_until else self.state


def shown_text(message, before):
    if isinstance(message, (m.ShowText, m.DisplayLine, m.Prompt)):
        return message.text
    return "" if isinstance(message, m.Clear) else before


class Line:
    def __init__(self, url, targets, on_event=None, on_status=None, opener=open_transport, clock=time.monotonic):
        self.url = url
        self.targets = {t.device_id: t for t in targets}
        self._on_event = on_event or (lambda target, message: None)
        self._on_status = on_status or (lambda target: None)
        self._opener, self._clock = opener, clock
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._port = None
        self._port_fault = None
        self._thread = threading.Thread(target=self._run, name=f"line {url}", daemon=True)

    # called from any thread ----------------------------------------------
    def start(self):
        self._thread.start()
        return self

    def stop(self, timeout=2.0):
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._close()

    def set_state(self, device_id, messages):
        """What the device shows from now on, and again whenever it comes back."""
        with self._cond:
            target = self.targets[device_id]
            if tuple(messages) == target.state:
                return
            target.state = tuple(messages)
            target.version += 1
            self._cond.notify_all()

    def flash(self, device_id, messages, seconds):
        """Show `messages` for `seconds`, then the state again (no messages: at once)."""
        with self._cond:
            target = self.targets[device_id]
            target.flash_messages, target.flash_until = tuple(messages), self._clock() + seconds
            target.version += 1
            self._cond.notify_all()

    def send_once(self, device_id, message):
        """A momentary effect (a blink) that is not part of the state."""
        with self._cond:
            self.targets[device_id].oneshots.append(message)
            self._cond.notify_all()

    # the line thread -----------------------------------------------------
    def _run(self):
        while not self._stopping.is_set():
            if self._port is None and not self._open():
                self._stopping.wait(REOPEN_INTERVAL)
                continue
            job = self._next_job()
            if job is None:
                continue
            try:
                self._do(*job)
            except PORT_ERRORS as exc:
                log.warning("line %s lost: %s", self.url, describe_error(exc))
                self._lose_port()
            except Exception:  # a faulty plug-in protocol or callback must not stop the line
                log.exception("line %s: unexpected error, going on", self.url)
                self._stopping.wait(0.1)

    def _open(self):
        try:
            self._port = self._opener(self.url)
        except TransportError as exc:
            if str(exc) != self._port_fault:
                log.warning("%s", exc)
                self._port_fault = str(exc)
                self._mark_all_offline(UNPLUGGED)
            return False
        log.info("line %s open", self.url)
        self._port_fault = None
        now = self._clock()
        with self._cond:
            for target in self.targets.values():
                target.next_poll, target.last_seq = now, 0
        return True

    def _close(self):
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                pass

    def _lose_port(self):
        self._close()
        self._port_fault = None
        self._mark_all_offline(UNPLUGGED)

    def _mark_all_offline(self, fault):
        for target in self.targets.values():
            self._set_presence(target, False, fault)

    def _next_job(self):
        with self._cond:
            now = self._clock()
            wake = now + MAX_WAIT
            for target in self.targets.values():
                if target.flash_messages and now >= target.flash_until:
                    target.flash_messages = ()
                    target.version += 1
                if target.online:
                    # the state first: a blink asked for with a new text belongs to that text
                    if target.version != target.sent_version:
                        return "state", target, target.wanted(now), target.version
                    if target.oneshots:
                        return "once", target, (target.oneshots.popleft(),), target.version
                if target.flash_messages:
                    wake = min(wake, target.flash_until)
            due = min(self.targets.values(), key=lambda t: t.next_poll, default=None)
            if due is not None and due.next_poll <= now:
                return "poll", due, (m.Poll(due.address, due.last_seq),), due.version
            if due is not None:
                wake = min(wake, due.next_poll)
            self._cond.wait(max(0.0, wake - now))
            return None

    def _do(self, job, target, messages, version):
        attempts = 1 if target.online is False else 1 + target.retries
        for message in messages:
            reply = self._transact(target, message, attempts)
            if reply is None:
                self._failed(target)
                return
            self._answered(target)
            if job == "poll":
                self._polled(target, reply)
            elif isinstance(reply, m.Nak):
                log.warning("%s refused %s (reason %s)", target.device_id, m.describe(message), reply.reason)
                target.fault = REFUSED
            elif isinstance(reply, m.Ack):
                target.shows = shown_text(message, target.shows)
        if job == "state":
            target.sent_version = version
        self._report(target)

    def _transact(self, target, message, attempts):
        try:
            data = target.protocol.encode(message)
        except (ProtocolError, ValueError) as exc:
            log.warning("%s: %s", target.device_id, exc)
            return m.Nak(target.address, m.NAK_BAD_PAYLOAD)
        span = target.reply_timeout + byte_seconds(self._port) * (len(data) + 16)
        for attempt in range(attempts):
            self._port.reset_input_buffer()
            self._port.write(data)
            if target.traffic:
                target.traffic.sent(data, message)
            if message.address == BROADCAST:
                return m.Ack(BROADCAST)
            reply = self._read_reply(target, self._clock() + span)
            if reply is not None:
                return reply
            if target.traffic:
                target.traffic.note(f"no reply (attempt {attempt + 1}/{attempts})")
        return None

    def _read_reply(self, target, deadline):
        decoder, logged = target.protocol.decoder(), 0
        while True:
            final = self._clock() >= deadline
            if final:
                decoded = decoder.flush()
            else:
                chunk = self._port.read(max(1, self._port.in_waiting))
                if target.traffic:
                    target.traffic.received(chunk)
                decoded = decoder.feed(chunk)
            reply = self._pick(target, decoded, decoder.dropped - logged)
            logged = decoder.dropped
            if reply is not None or final:
                return reply

    @staticmethod
    def _pick(target, decoded, dropped):
        if target.traffic and dropped:
            target.traffic.garbage(dropped)
        for message in decoded:
            if target.traffic:
                target.traffic.decoded(message)
            if message.address == target.address and isinstance(message, m.REPLIES):
                return message
        return None

    def _polled(self, target, reply):
        if isinstance(reply, m.EVENTS):
            target.next_poll = self._clock()  # more may be queued: ask again at once
            if reply.seq != target.last_seq:
                target.last_seq = reply.seq
                self._on_event(target, reply)

    def _answered(self, target):
        target.next_poll = self._clock() + target.poll_interval
        if target.online is not True:
            with self._cond:
                target.version += 1  # it may have lost what it showed: send the state again
            self._set_presence(target, True, None)

    def _failed(self, target):
        target.next_poll = self._clock() + OFFLINE_POLL
        if target.online is not False:
            target.last_seq = 0
            log.warning("%s (address %s on %s) does not answer", target.device_id, target.address, self.url)
            self._set_presence(target, False, None)

    def _set_presence(self, target, online, fault):
        if target.online == online and target.fault == fault:
            return
        target.online, target.fault = online, fault
        if not online:
            target.last_seq = 0
        self._report(target)

    def _report(self, target):
        now = (target.online, target.shows, target.fault)
        if target.reported != now:
            target.reported = now
            self._on_status(target)
