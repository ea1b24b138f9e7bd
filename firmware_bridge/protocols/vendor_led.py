"""An example vendor protocol: the ASCII framing of a cheap LED window bar.

Shipped to show how a hall plugs in its supplier's framing (entry point
`vendor-led` in the `hallq.devices` group). Bars only: no keys, no events.

    ! AA C payload * XX \\r
    AA: address, two decimal digits (00..99)
    C:  T static text · A text, scrolled when too long · S scrolled text
        C clear · L brightness (3 digits, 000..100) · F blink (2 digits times, 2 digits period in 0.1 s)
        P poll · K ok · E error (1 digit reason)
    XX: XOR of the bytes from AA to the end of the payload, two upper-case hex digits
Text is GB18030; no byte of a GB18030 character is '!', '*' or CR, so the
frame needs no escaping.
"""
from __future__ import annotations

from firmware_bridge import messages as m
from firmware_bridge.protocols import ProtocolError, decode_text, encode_text

START, END, CHECK = ord("!"), ord("\r"), ord("*")
MAX_FRAME = 260
TEXT_COMMANDS = {m.STATIC: b"T", m.AUTO_SCROLL: b"A", m.SCROLL: b"S"}
TEXT_MODES = {v[0]: k for k, v in TEXT_COMMANDS.items()}


def _xor(data):
    x = 0
    for b in data:
        x ^= b
    return x


def _digits(value, width, name, low, high):
    if not isinstance(value, int) or not low <= value <= high:
        raise ProtocolError(f"{name} 必须是 {low}..{high} 的整数: {value!r}")
    return str(value).zfill(width).encode()


def _body(msg):
    if isinstance(msg, m.ShowText):
        if msg.mode not in TEXT_COMMANDS:
            raise ProtocolError(f"mode 必须是 0..2: {msg.mode!r}")
        return TEXT_COMMANDS[msg.mode] + encode_text(msg.text, 240).replace(b"*", b"x").replace(b"!", b"|")
    if isinstance(msg, m.Clear):
        return b"C"
    if isinstance(msg, m.Brightness):
        return b"L" + _digits(msg.level, 3, "level", 0, 100)
    if isinstance(msg, m.Blink):
        return b"F" + _digits(msg.times, 2, "times", 0, 99) + _digits(msg.period_ds, 2, "period_ds", 1, 99)
    if isinstance(msg, m.Poll):
        return b"P"
    if isinstance(msg, m.Ack):
        return b"K"
    if isinstance(msg, m.Nak):
        return b"E" + _digits(msg.reason, 1, "reason", 0, 9)
    raise ProtocolError(f"vendor-led 协议无法表示 {type(msg).__name__} (只支持窗口屏)")


def _message(address, body):
    cmd, rest = body[:1], body[1:]
    if cmd[:1] and cmd[0] in TEXT_MODES:
        return m.ShowText(address, decode_text(rest), TEXT_MODES[cmd[0]])
    simple = {b"C": m.Clear, b"P": m.Poll, b"K": m.Ack}
    if cmd in simple and not rest:
        return simple[cmd](address)
    if cmd == b"L" and len(rest) == 3 and rest.isdigit() and int(rest) <= 100:
        return m.Brightness(address, int(rest))
    if cmd == b"F" and len(rest) == 4 and rest.isdigit() and int(rest[2:]) >= 1:
        return m.Blink(address, int(rest[:2]), int(rest[2:]))
    if cmd == b"E" and len(rest) == 1 and rest.isdigit():
        return m.Nak(address, int(rest))
    return m.Unknown(address, cmd[0] if cmd else 0, rest)


class VendorLedDecoder:
    def __init__(self):
        self._buf = bytearray()
        self.dropped = 0

    def _drop(self, n):
        del self._buf[:n]
        self.dropped += n

    def feed(self, data):
        self._buf += data
        out = []
        while True:
            start = self._buf.find(START)
            if start < 0:
                self._drop(len(self._buf))
                return out
            self._drop(start)
            end = self._buf.find(END)
            if end < 0:
                if len(self._buf) > MAX_FRAME:
                    self._drop(1)
                    continue
                return out
            frame = bytes(self._buf[:end + 1])
            msg = self._parse(frame)
            if msg is None:
                self._drop(1)
            else:
                del self._buf[:end + 1]
                out.append(msg)

    def flush(self):
        out = self.feed(b"")
        while self._buf:
            self._drop(1)
            out += self.feed(b"")
        return out

    @staticmethod
    def _parse(frame):
        star = frame.rfind(CHECK)
        body, check = frame[1:star], frame[star + 1:-1]
        if star < 4 or START in body or not body[:2].isdigit():
            return None
        if check != f"{_xor(body):02X}".encode():
            return None
        return _message(int(body[:2]), body[2:])


class VendorLedProtocol:
    name = "vendor-led"
    kinds = frozenset({"bar"})

    def encode(self, message):
        if not 0 <= message.address <= 99:
            raise ProtocolError(f"vendor-led 地址必须是 0..99: {message.address}")
        body = str(message.address).zfill(2).encode() + _body(message)
        return b"!" + body + b"*" + f"{_xor(body):02X}".encode() + b"\r"

    def decoder(self):
        return VendorLedDecoder()
