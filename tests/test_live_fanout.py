"""The fan-out (hub/live/fanout.py): every client gets every call once and in
order — raw WebSocket boards, python-socketio clients over WebSocket, over
long-polling and upgraded from it, and boards that stop reading for a while
— and, on a socket pair, that an outbox keeps whole frames in order when the
socket is full (on loopback the kernel takes megabytes per connection before
a board's frames wait in the hub) and drops a board that falls too far
behind rather than holding its frames in memory."""
from __future__ import annotations

import selectors
import socket
import threading
import time

import gevent
import gevent.socket
import socketio

from hub.bench.boards import CALLED, Board
from hub.live.fanout import PENDING_LIMIT, Outbox

CALLS = 40


class Boards:
    """Raw WebSocket boards read by one thread (pings answered); each board's ticket.called ids, in the
    order read. Boards in `paused` are not read until `resume()`."""

    def __init__(self):
        self.selector, self.calls, self.lock = selectors.DefaultSelector(), {}, threading.Lock()
        self.paused, self.stopped = set(), False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def add(self, board, paused=False):
        self.calls[board] = []
        self._handle(board)  # what came with the handshake
        (self.paused.add(board) if paused else self.selector.register(board.sock, selectors.EVENT_READ, board))

    def resume(self):
        with self.lock:
            for board in self.paused:
                self.selector.register(board.sock, selectors.EVENT_READ, board)
            self.paused = set()

    def _run(self):
        while not self.stopped:
            with self.lock:
                ready = self.selector.select(timeout=0.05)
            for key, _ in ready:
                self._read(key.data)

    def _read(self, board):
        try:
            data = board.sock.recv(1 << 16)
        except BlockingIOError:
            return
        board.buffer += data
        self._handle(board)

    def _handle(self, board):
        for message in board.messages():
            if message.startswith(b"0"):
                board.send_text("40")  # Engine.IO open -> Socket.IO connect
            elif message == b"2":
                board.send_text("3")
            elif CALLED.match(message):
                self.calls[board].append(int(CALLED.match(message).group(1)))


def connect_paused(hub):
    """A board with a small receive window that answers the open packet, then reads nothing."""
    board = Board("127.0.0.1", hub.port, rcvbuf=4096)
    board.sock.setblocking(True)
    while not any(m.startswith(b"0") for m in board.messages()):
        board.buffer += board.sock.recv(4096)
    board.sock.setblocking(False)
    board.send_text("40")
    return board


def sio_client(hub, transports, calls):
    client = socketio.Client(reconnection=False)
    client.on("ticket.called", lambda data: calls.append(data["ticket"]["id"]))
    client.connect(hub.url, transports=transports, wait_timeout=10)
    return client


def test_every_client_gets_every_call_once_in_order_also_while_some_stop_reading(hub):
    every_call_once_in_order(hub, ("websocket", "polling", "upgraded"))


def every_call_once_in_order(hub, kinds):
    """Raw boards (three of them stop reading a while) and python-socketio clients over each
    transport in `kinds` get every call once, in order."""
    for _ in range(CALLS):
        hub.issue("m03")
    boards = Boards()
    for _ in range(60):
        boards.add(Board("127.0.0.1", hub.port))
    slow = [connect_paused(hub) for _ in range(3)]
    for board in slow:
        boards.add(board, paused=True)
    boards.thread.start()
    lists = {kind: [[] for _ in range(3)] for kind in kinds}
    transports = {"websocket": ["websocket"], "polling": ["polling"], "upgraded": ["polling", "websocket"]}
    clients = [sio_client(hub, transports[kind], calls) for kind, each in lists.items() for calls in each]
    try:
        time.sleep(1.0)  # the snapshots read, the upgrades done
        clerk = hub.login("clerk3", "1111", window="w3")
        called = []
        for _ in range(CALLS):
            r = hub.post("/api/windows/w3/call-next", token=clerk)
            assert r.status_code == 200, r.text
            called.append(r.json()["ticket"]["id"])
            assert hub.post("/api/windows/w3/finish", token=clerk).status_code == 200
        time.sleep(1.0)  # the paused boards' frames wait in the hub for their full sockets
        boards.resume()
        everyone = list(boards.calls.values()) + [c for each in lists.values() for c in each]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(len(c) < CALLS for c in everyone):
            time.sleep(0.1)
        for board, got in boards.calls.items():
            assert got == called, f"{'paused' if board in slow else 'raw'} board: {got} != {called}"
        for kind, each in lists.items():
            for got in each:
                assert got == called, f"python-socketio over {kind}: {got} != {called}"
    finally:
        boards.stopped = True
        for client in clients:
            client.disconnect()


def text_frame(payload):
    return bytes([0x81, len(payload)]) + payload


def test_an_outbox_writes_whole_frames_in_the_order_written_through_a_full_socket():
    """Two writers (as engineio's writer greenlet and the fan-out) into a 4 kB socket read slowly:
    most frames wait in the outbox, and the reader gets every frame whole, in the order written."""
    def run():
        hub_end, board_end = gevent.socket.socketpair()
        hub_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        outbox, written, waited = Outbox(hub_end), [], []

        def writer(tag):
            for i in range(300):
                frame = text_frame(b"%s%04d" % (tag, i) * 20)
                outbox.write(frame)
                written.append(frame)
                waited.append(outbox.flushing)
                if i % 7 == 0:
                    gevent.sleep(0)  # the flusher and the other writer run

        writers = [gevent.spawn(writer, tag) for tag in (b"w", b"f")]
        got, total = bytearray(), 2 * 300 * len(text_frame(b"w0000" * 20))
        while len(got) < total:
            got += board_end.recv(700)
            gevent.sleep(0.0005)
        gevent.joinall(writers, raise_error=True)
        assert any(waited), "the socket never filled: the test did not test the outbox"
        assert bytes(got) == b"".join(written)
        gevent.sleep(0.05)
        assert not outbox.flushing and not outbox.pending
    gevent.spawn(run).get(timeout=30)


def test_a_board_too_far_behind_is_disconnected_rather_than_held_in_memory():
    def run():
        hub_end, board_end = gevent.socket.socketpair()
        outbox, frame, failed = Outbox(hub_end), text_frame(b"x" * 100), None
        try:
            for _ in range(PENDING_LIMIT // len(frame) * 4):  # nobody reads: the kernel's share, then the outbox's
                outbox.write(frame)
        except OSError as exc:
            failed = exc
        assert failed is not None and not outbox.open and not outbox.pending
        board_end.settimeout(5)
        while board_end.recv(1 << 16):  # what the socket took before, then the end of the connection
            pass
    gevent.spawn(run).get(timeout=30)
