"""Simulated bars, keypads and rating pads: the same bytes as the real ones.

A SimDevice is the behaviour of one device's firmware (pure: messages in,
replies out, given a clock). A SimLine puts one or more of them on a pty the
way an RS-485 line carries several addresses, with a stable symlink to the
pty (like udev's /dev/serial/by-id) so that an unplug/replug gives a new pty
behind the same path. Fault switches per device: silent (stops answering),
garbage (line noise around replies, every third reply torn), slow (replies
after a delay longer than the master waits; the late reply lands in a later
exchange, as on a real bus).
"""
from __future__ import annotations

import logging
import os
import random
import select
import threading
import time
import tty
import unicodedata
from collections import deque

from firmware_bridge import messages as m

log = logging.getLogger("hallq.sim")
MAX_EVENTS = 16
IDLE_GAP = 0.01  # seconds of silence that end a partial frame


RECEIVED_KEPT = 200


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class SimDevice:
    def __init__(self, device_id, kind, address, protocol, width=16, clock=time.monotonic, on_change=None):
        self.device_id, self.kind, self.address, self.protocol = device_id, kind, address, protocol
        self.width, self._clock = width, clock
        self._on_change = on_change or (lambda device: None)
        self.text, self.mode, self.brightness, self.blinks = "", m.AUTO_SCROLL, 100, 0
        self.prompt, self.prompt_until = None, 0.0
        self._events = deque()
        self._seq = 0
        self.silent, self.garbage, self.slow = False, False, 0.0
        # the latest requests addressed to it, for tests and the console (a bar is polled every second for years)
        self.received = deque(maxlen=RECEIVED_KEPT)
        self.lock = threading.Lock()

    # what a person in the hall sees ---------------------------------------
    @property
    def shows(self):
        return self.prompt if self.prompt is not None else self.text

    @property
    def scrolling(self):
        return self.mode == m.SCROLL or (self.mode == m.AUTO_SCROLL and display_width(self.shows) > self.width)

    # a person's hand --------------------------------------------------------
    def press(self, key):
        """A keypad key (messages.KEYS) or a pad score (1..5)."""
        with self.lock:
            if self.kind == "keypad":
                key = str(key).replace("-", "_")
                if key not in m.KEYS:
                    raise ValueError(f"呼叫器没有按键 '{key}' (可用: {', '.join(m.KEYS)})")
                self._push(lambda seq: m.KeyEvent(self.address, seq, key))
            elif self.kind == "pad":
                score = int(key) if str(key).isdigit() else 0
                if not 1 <= score <= 5:
                    raise ValueError(f"评价器只有 1..5 分: '{key}'")
                self._end_prompt()
                self._push(lambda seq: m.ScoreEvent(self.address, seq, score))
            else:
                raise ValueError(f"{self.device_id} 没有按键")

    def tick(self):
        with self.lock:
            if self.prompt is not None and self._clock() >= self.prompt_until:
                self._end_prompt()
                self._push(lambda seq: m.PromptTimeout(self.address, seq))

    # the firmware -----------------------------------------------------------
    def handle(self, message):
        """The reply to a request addressed to this device (None: no answer)."""
        if self.silent:
            return None
        self.tick()
        with self.lock:
            self.received.append(message)
            before = self.shows
            reply = self._apply(message)
        if self.shows != before:
            self._on_change(self)
        return reply

    def _apply(self, msg):
        a = self.address
        if isinstance(msg, m.Poll):
            if self._events and self._events[0][2] and self._events[0][0] == msg.ack_seq:
                self._events.popleft()
            if self._events:
                self._events[0][2] = True
                return self._events[0][1]
            return m.Ack(a)
        if isinstance(msg, m.Identify):
            return m.Identity(a, self.kind, "sim-1.0")
        handled = {
            "bar": (m.ShowText, m.Clear, m.Brightness, m.Blink),
            "keypad": (m.DisplayLine,),
            "pad": (m.DisplayLine, m.Prompt, m.CancelPrompt),
        }[self.kind]
        if not isinstance(msg, handled):
            return m.Nak(a, m.NAK_UNKNOWN_COMMAND)
        if isinstance(msg, m.ShowText):
            self.text, self.mode, self.blinks = msg.text, msg.mode, 0
        elif isinstance(msg, m.Clear):
            self.text = ""
        elif isinstance(msg, m.Brightness):
            self.brightness = msg.level
        elif isinstance(msg, m.Blink):
            self.blinks = msg.times
        elif isinstance(msg, m.DisplayLine):
            self.text = msg.text
        elif isinstance(msg, m.Prompt):
            self.prompt, self.prompt_until = msg.text, self._clock() + msg.seconds
        elif isinstance(msg, m.CancelPrompt):
            self._end_prompt()
        return m.Ack(a)

    def _push(self, make):
        self._seq = self._seq % 255 + 1
        self._events.append([self._seq, make(self._seq), False])
        while len(self._events) > MAX_EVENTS:
            self._events.popleft()

    def _end_prompt(self):
        if self.prompt is not None:
            self.prompt = None
            self._on_change(self)


class SimLine:
    """One pty carrying the devices of one line."""

    def __init__(self, devices, link_path):
        self.devices = list(devices)
        self.link_path = link_path
        self.pty_path = None
        self._fds = None
        self._thread = None
        self._stop = threading.Event()
        self._replies = 0

    @property
    def plugged(self):
        return self._fds is not None

    def plug(self):
        if self.plugged:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: a raw wire
        os.set_blocking(master, False)
        self._fds, self.pty_path = (master, slave), os.ttyname(slave)
        tmp = f"{self.link_path}.{os.getpid()}.tmp"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(self.pty_path, tmp)
        os.replace(tmp, self.link_path)  # atomic: a reader never sees a missing link while plugged
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(master,), name=f"sim {self.link_path}", daemon=True)
        self._thread.start()

    def unplug(self):
        """Like pulling the USB adapter: the pty goes away, the path with it."""
        if not self.plugged:
            return
        self._stop.set()
        self._thread.join(2.0)
        if os.path.lexists(self.link_path):
            os.unlink(self.link_path)
        for fd in self._fds:
            os.close(fd)
        self._fds, self.pty_path = None, None

    def _run(self, master):
        decoders = {}
        for device in self.devices:
            decoders.setdefault(id(device.protocol), (device.protocol, device.protocol.decoder()))
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], IDLE_GAP)
            for device in self.devices:
                device.tick()
            if not ready:
                for protocol, decoder in decoders.values():
                    self._dispatch(master, protocol, decoder.flush())
                continue
            try:
                data = os.read(master, 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                time.sleep(IDLE_GAP)
                continue
            for protocol, decoder in decoders.values():
                try:
                    self._dispatch(master, protocol, decoder.feed(data))
                except Exception:  # a faulty plug-in protocol: this line stays up
                    log.exception("simulated line %s", self.link_path)

    def _dispatch(self, master, protocol, decoded):
        for message in decoded:
            if not isinstance(message, m.REQUESTS + (m.Unknown,)):
                continue
            for device in self.devices:
                if device.protocol is protocol and device.address == message.address:
                    reply = device.handle(message) if not isinstance(message, m.Unknown) else (
                        None if device.silent else m.Nak(device.address, m.NAK_UNKNOWN_COMMAND))
                    if reply is not None:
                        self._send(master, device, protocol.encode(reply))

    def _send(self, master, device, data):
        if device.garbage:
            self._replies += 1
            if self._replies % 3 == 0:
                torn = bytearray(data)
                torn[len(torn) // 2] ^= 0xFF
                data = bytes(torn)
            noise = bytes(random.choice((0x02, 0x03, 0xFF, 0x00, 0x41)) for _ in range(random.randint(2, 9)))
            data = noise + data + noise[::-1]
        if device.slow:
            # late, without holding the line: the others on it still answer in time
            threading.Timer(device.slow, self._write, (master, data)).start()
        else:
            self._write(master, data)

    def _write(self, master, data):
        if self._fds is None or self._fds[0] != master:
            return  # unplugged meanwhile
        try:
            os.write(master, data)
        except OSError:
            pass  # nobody reading, buffer full: a real device would not notice either
