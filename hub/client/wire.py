"""Socket.IO v5 over Engine.IO v4 over one WebSocket, on the standard library.

The hub's stream needs little of Socket.IO: one namespace, JSON events, the
acknowledgement of one `resume`. python-socketio's client brings its server,
its asyncio side, its message queues (and with them redis) and requests: some
28 MB of imports in every board and bridge. This is the part of the protocol a
hub client uses, on a plain socket (ssl only for an https hub):

    wire = Wire.connect("http://HUB:8080", auth={"token": KEY}, timeout=5)
    wire.emit("resume", {"after": 41}, ack=True)   # -> its ack id
    for kind, value in wire.packets():             # ("event", (name, data)) | ("ack", id)
        ...
    wire.close()

`packets()` answers the hub's pings and ends (WireClosed) when the
connection drops, is closed, or is silent longer than the hub promised
(its ping interval plus its ping timeout).
"""
from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
from urllib.parse import urlsplit

from hub.client.http import open_socket

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_MESSAGE = 16 * 1024 * 1024  # bytes: a snapshot of a big hall is well under 1 MB
SILENCE_MARGIN = 5.0  # seconds beyond the hub's ping interval + timeout before the link counts as dropped


class WireError(ConnectionError):
    """The hub could not be reached, refused the connection, or broke the protocol."""


class WireClosed(ConnectionError):
    """The connection ended (dropped, closed by either side, or silent too long)."""


def _mask(payload, key):
    """XOR with the 4-byte key, on whole integers (a byte loop is slow for a snapshot)."""
    n = len(payload)
    if not n:
        return b""
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")).to_bytes(n, "little")


def frame(opcode, payload):
    """One masked, final client frame (RFC 6455: a client masks everything it sends)."""
    n, key = len(payload), os.urandom(4)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + key + _mask(payload, key)


def parse_packet(text):
    """A Socket.IO packet inside an Engine.IO message packet ("4..."):
    ("event", (name, data)) for `2[...]`, ("ack", id) for `3ID[...]`,
    ("connect", body) for `0{...}`, ("refused", message) for `4{...}`,
    ("disconnect", None) for `1`; None for anything else (binary, other namespaces)."""
    kind, rest = text[:1], text[1:]
    if kind == "1":
        return ("disconnect", None)
    if kind not in "0234" or rest.startswith("/"):
        return None
    digits = len(rest) - len(rest.lstrip("0123456789"))
    ack_id, body = (int(rest[:digits]) if digits else None), rest[digits:]
    try:
        value = json.loads(body) if body else None
    except ValueError:
        return None
    if kind == "0":
        return ("connect", value)
    if kind == "4":
        return ("refused", value.get("message") if isinstance(value, dict) else value)
    if kind == "3":
        return ("ack", ack_id) if ack_id is not None else None
    if not isinstance(value, list) or not value or not isinstance(value[0], str):
        return None
    return ("event", (value[0], value[1] if len(value) > 1 else None))


class Wire:
    def __init__(self, sock, reader, silence):
        self.sock, self._reader, self.silence = sock, reader, silence
        self._send_lock = threading.Lock()
        self._next_ack = 0
        self._early = []  # events the hub sent before it confirmed the namespace (its snapshot)
        self.closed = False

    @classmethod
    def connect(cls, url, auth=None, timeout=5.0, path="/socket.io/"):
        """Open the WebSocket, the Engine.IO session and the Socket.IO namespace;
        WireError when the hub is away or refuses (a bad key)."""
        parts = urlsplit(url)
        secure = parts.scheme in ("https", "wss")
        host, port = parts.hostname or "127.0.0.1", parts.port or (443 if secure else 80)
        try:
            sock = open_socket(host, port, secure, timeout)
        except OSError as exc:
            raise WireError(f"{url}: {exc}") from exc
        wire = cls(sock, sock.makefile("rb"), timeout)
        try:
            wire._handshake(f"{host}:{port}", path, timeout)
            wire._open(auth)
        except (OSError, WireClosed, ValueError) as exc:
            wire.close()
            raise WireError(f"{url}: {exc}") from exc
        except WireError:
            wire.close()
            raise
        return wire

    # opening ------------------------------------------------------------------
    def _handshake(self, hostport, path, timeout):
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: {hostport}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        status = self._reader.readline(4096)
        if not status:
            raise WireClosed("the hub closed the connection during the WebSocket handshake")
        while self._reader.readline(4096) not in (b"\r\n", b"\n", b""):
            pass  # the headers: nothing in them matters once the status is 101
        if status.split(b" ", 2)[1:2] != [b"101"]:
            raise WireError(f"WebSocket refused: {status.decode('latin-1').strip()}")

    def _open(self, auth):
        opening = self._message()
        if not opening.startswith("0"):
            raise WireError(f"no Engine.IO open packet: {opening[:40]!r}")
        session = json.loads(opening[1:])
        ping = (session.get("pingInterval", 25000) + session.get("pingTimeout", 20000)) / 1000
        self._send("40" + (json.dumps(auth, separators=(",", ":")) if auth else ""))
        while True:
            packet = self._next()
            if packet is None:
                continue
            if packet[0] == "connect":
                break
            if packet[0] == "refused":
                raise WireError(f"the hub refused the connection: {packet[1]}")
            if packet[0] == "disconnect":
                raise WireError("the hub closed the namespace while opening it")
            self._early.append(packet)
        self.silence = ping + SILENCE_MARGIN
        self.sock.settimeout(self.silence)

    # talking ------------------------------------------------------------------
    def emit(self, name, data=None, ack=False):
        """Send an event; with ack=True its ack id, to look for in packets()."""
        ack_id = None
        if ack:
            with self._send_lock:
                ack_id = self._next_ack = self._next_ack + 1
        self._send(f"42{'' if ack_id is None else ack_id}"
                   + json.dumps([name, data], ensure_ascii=False, separators=(",", ":")))
        return ack_id

    def packets(self):
        """Events and acks as they come; WireClosed at the end."""
        early, self._early = self._early, []
        yield from early
        while True:
            packet = self._next()
            if packet is None or packet[0] == "connect":
                continue
            if packet[0] == "disconnect":
                raise WireClosed("the hub closed the namespace")
            if packet[0] == "refused":
                raise WireClosed(f"the hub refused: {packet[1]}")
            yield packet

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            with self._send_lock:
                self.sock.sendall(frame(OP_TEXT, b"41") + frame(OP_CLOSE, struct.pack("!H", 1000)))
        except OSError:
            pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in packets()
        except OSError:
            pass
        self._reader.close()
        self.sock.close()

    # Engine.IO ---------------------------------------------------------------
    def _next(self):
        """The next Socket.IO packet, or None for a packet that carries none (a ping, answered here)."""
        message = self._message()
        kind = message[:1]
        if kind == "2":
            self._send("3" + message[1:])
        elif kind == "1":
            raise WireClosed("the hub closed the Engine.IO session")
        elif kind == "4":
            return parse_packet(message[1:])
        return None

    def _send(self, text):
        self._send_frame(OP_TEXT, text.encode())

    def _send_frame(self, opcode, payload):
        data = frame(opcode, payload)
        with self._send_lock:
            if self.closed:
                raise WireClosed("closed")
            try:
                self.sock.sendall(data)
            except OSError as exc:
                raise WireClosed(f"send failed: {exc}") from exc

    # WebSocket ------------------------------------------------------------------
    def _message(self):
        """The next whole text message (fragments joined, pings answered, binary skipped)."""
        parts, size, kind = [], 0, None
        while True:
            fin, opcode, payload = self._frame()
            if opcode == OP_PING:
                self._send_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                raise WireClosed("the hub closed the WebSocket")
            if opcode != OP_CONT:
                parts, size, kind = [], 0, opcode  # a new message (a stray continuation joins none)
            size += len(payload)
            if size > MAX_MESSAGE:
                raise WireClosed(f"a message over {MAX_MESSAGE} bytes")
            parts.append(payload)
            if fin:
                if kind == OP_TEXT:
                    return b"".join(parts).decode("utf-8", "replace")
                parts, size, kind = [], 0, None

    def _frame(self):
        head = self._read(2)
        fin, opcode, masked, length = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        if length > MAX_MESSAGE:
            raise WireClosed(f"a frame over {MAX_MESSAGE} bytes")
        key = self._read(4) if masked else None
        payload = self._read(length)
        return bool(fin), opcode, _mask(payload, key) if key else payload

    def _read(self, n):
        try:
            data = self._reader.read(n) if n else b""
        except (OSError, ValueError) as exc:  # a timeout (silence), a reset, or closed under us
            raise WireClosed(str(exc) or type(exc).__name__) from exc
        if len(data) < n:
            raise WireClosed("the connection ended")
        return data
