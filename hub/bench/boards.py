"""Many light board clients for `hallq bench`: each worker process holds a
share of the N connections as raw WebSocket sockets speaking Engine.IO v4 /
Socket.IO v5 frames (the protocol the hub's python-socketio serves), on one
epoll loop. A Python Socket.IO client per board would cost more CPU than the
hub under test; this keeps the measuring side light.

Each ticket.called message is timed when its bytes are read; the parent
takes, per call, the latest time over all boards.
"""
from __future__ import annotations

import base64
import json
import os
import re
import selectors
import socket
import struct
import time

CALLED = re.compile(rb'^42\["ticket\.called",\s*\{"ticket":\s*\{"id":\s*(\d+)')
CONNECT_TIMEOUT = 20.0


class Board:
    """One WebSocket connection to /socket.io/, public (no token), like a board or a phone page."""

    def __init__(self, host, port, rcvbuf=None):
        """`rcvbuf`: a small receive buffer in bytes, for a board that reads late (tests)."""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: sets the window
        self.sock.settimeout(CONNECT_TIMEOUT)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("hub closed the connection during the WebSocket handshake")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"WebSocket handshake refused: {head[:80]!r}")
        self.sock.setblocking(False)
        self.fragments = b""
        self.ready = False  # snapshot received

    def send_text(self, text):
        """A masked text frame (clients must mask)."""
        payload = text.encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if len(payload) < 126:
            header = struct.pack("!BB", 0x81, 0x80 | len(payload))
        else:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, len(payload))
        self.sock.setblocking(True)
        try:
            self.sock.sendall(header + mask + masked)
        finally:
            self.sock.setblocking(False)

    def messages(self):
        """Complete text messages in the buffer (server frames are unmasked)."""
        buf, pos, out = self.buffer, 0, []
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if len(buf) - pos < head + length:
                break
            payload = buf[pos + head:pos + head + length]
            pos += head + length
            opcode = b0 & 0x0F
            if opcode in (0x1, 0x0):
                self.fragments += payload
                if b0 & 0x80:
                    out.append(self.fragments)
                    self.fragments = b""
            elif opcode == 0x8:
                raise ConnectionError("hub closed the WebSocket")
        self.buffer = buf[pos:]
        return out


def worker(host, port, count, conn):
    """A child process: open `count` boards, report ready, then time ticket.called until told to stop."""
    boards, selector, called, errors = [], selectors.DefaultSelector(), {}, []
    try:
        for _ in range(count):
            board = Board(host, port)
            boards.append(board)
            selector.register(board.sock, selectors.EVENT_READ, board)
            _handle(board, board.messages(), time.monotonic(), called)  # bytes that came with the handshake
    except OSError as exc:
        conn.send(("error", f"board connection failed after {len(boards)}: {exc}"))
        return
    selector.register(conn, selectors.EVENT_READ, None)
    deadline = time.monotonic() + CONNECT_TIMEOUT
    announced = False
    while True:
        if not announced and all(b.ready for b in boards):
            conn.send(("ready", len(boards)))
            announced = True
        if not announced and time.monotonic() > deadline:
            conn.send(("error", f"only {sum(b.ready for b in boards)} of {len(boards)} boards got a snapshot"))
            return
        for key, _ in selector.select(timeout=1.0):
            board = key.data
            if board is None:
                conn.recv()
                conn.send(("result", called, errors, sum(b.ready for b in boards)))
                for b in boards:
                    b.sock.close()
                return
            try:
                data = board.sock.recv(1 << 18)
            except BlockingIOError:
                continue
            except OSError as exc:
                data, errors = b"", errors + [str(exc)]
            now = time.monotonic()
            if not data:
                selector.unregister(board.sock)
                board.ready = False
                errors.append("a board lost its connection")
                continue
            board.buffer += data
            try:
                _handle(board, board.messages(), now, called)
            except (ConnectionError, OSError) as exc:
                selector.unregister(board.sock)
                errors.append(str(exc))


def _handle(board, messages, now, called):
    for m in messages:
        match = CALLED.match(m)
        if match:
            ticket = int(match.group(1))
            latest, boards = called.get(ticket, (0.0, 0))
            called[ticket] = (max(latest, now), boards + 1)
        elif m.startswith(b'42["ticket.called"'):
            ticket = json.loads(m[2:])[1]["ticket"]["id"]  # payload in another key order
            latest, boards = called.get(ticket, (0.0, 0))
            called[ticket] = (max(latest, now), boards + 1)
        elif m == b"2":
            board.send_text("3")  # Engine.IO ping -> pong
        elif m.startswith(b"0"):
            board.send_text("40")  # Engine.IO open -> Socket.IO connect to "/"
        elif m.startswith(b'42["snapshot"'):
            board.ready = True


def sio_worker(host, port, count, conn):
    """A child process: `count` ordinary python-socketio clients (WebSocket transport), as a board
    program or a phone page's library would connect; the same reports as `worker`."""
    import threading

    import socketio

    called, errors, lock, ready = {}, [], threading.Lock(), []

    def board():
        # websocket-client checks each text frame's UTF-8 in pure Python (~1 ms for a 3 kB call) before
        # decoding it strictly anyway; on a board that is the board's own CPU, here it would be the
        # hub's machine's: the check is left to the decoding
        client = socketio.Client(reconnection=False, websocket_extra_options={"skip_utf8_validation": True})
        got = threading.Event()

        @client.on("snapshot")
        def snapshot(_data):
            got.set()

        @client.on("ticket.called")
        def on_called(data):
            now = time.monotonic()
            ticket = data["ticket"]["id"]
            with lock:
                latest, boards = called.get(ticket, (0.0, 0))
                called[ticket] = (max(latest, now), boards + 1)
        client.connect(f"http://{host}:{port}", transports=["websocket"], wait_timeout=CONNECT_TIMEOUT)
        if not got.wait(CONNECT_TIMEOUT):
            raise ConnectionError("a python-socketio board got no snapshot")
        return client

    clients = []
    try:
        for _ in range(count):
            clients.append(board())
    except Exception as exc:  # noqa: BLE001  (any failure to connect is reported to the parent)
        conn.send(("error", f"python-socketio board failed after {len(clients)}: {exc}"))
        return
    conn.send(("ready", len(clients)))
    conn.recv()
    with lock:
        result = dict(called)
    ready = sum(c.connected for c in clients)
    conn.send(("result", result, errors, ready))
    for c in clients:
        c.disconnect()
