"""One event to many WebSocket clients: encoded once, framed once, written from one loop.

Why: python-socketio encodes a broadcast once, but python-engineio then puts
it on each client's queue, switches to that client's writer greenlet, frames
it and calls send, about 22 µs of Python per client (docs/performance.md §3);
the last of 200 boards got a call only after 199 writers had run. Here
(`FanoutManager`, the Socket.IO client manager of a single-process hub) the
WebSocket frame is built once and the same bytes go to every WebSocket
client's socket from the emitting greenlet. Each worker of a multi-process
hub (`RedisFanoutManager`) does the same with every event Redis brings it.

Order, and never half a frame from two writers: every byte written to a
WebSocket connection goes through that connection's one `Outbox` (the server
makes it the gevent-websocket connection's writer), engineio's writer
greenlet's frames (pings, anything queued) as well as the fan-out's. An
outbox never yields: it sends what the socket takes at once and keeps the
rest, in order, for its own flusher greenlet. The fan-out writes to a client
directly only while engineio's queue for it is empty — nothing older is
waiting there, and engineio's writer takes a packet from the queue and writes
it to the outbox without yielding in between — and otherwise puts the packet
on that queue, behind the older ones. Clients on long-polling, sessions
upgraded from it (the fan-out does not know their WebSocket) and events with
an acknowledgement or binary data take engineio's own path, unchanged.
"""
from __future__ import annotations

import socket

import gevent
import socketio
from engineio import packet as eio_packet
from geventwebsocket.websocket import Header, WebSocket
from socketio import packet as sio_packet

OUTBOX = "hallq.outbox"  # the WSGI environ key under which the server gives the connection's outbox
PENDING_LIMIT = 1 << 20  # bytes a client may fall behind before its connection is dropped (it resumes)
OPCODE_CLOSE = WebSocket.OPCODE_CLOSE


class Outbox:
    """The bytes out of one WebSocket connection, in the order written, whole
    frames never interleaved; `write` never waits."""

    def __init__(self, sock):
        self.sock = sock
        self.pending = bytearray()  # written but not yet taken by the socket
        self.flushing = False  # a flusher greenlet owns the socket's writes until pending is empty
        self.open = True  # False after the close frame or a failed write: nothing more is written

    def write(self, data):
        if not self.open:
            raise OSError("the WebSocket connection is closed")
        if data[:1] and data[0] & 0x0F == OPCODE_CLOSE:
            self.open = False  # the close frame is the last one
        if self.flushing:
            self._keep(data)
            return
        try:
            sent = self.sock.send(data, 0, 0.0)  # gevent: timeout 0 never waits, raises if the socket is full
        except BlockingIOError:
            sent = 0
        except OSError:
            self.open = False
            raise
        if sent < len(data):
            self._keep(memoryview(data)[sent:])
            self.flushing = True
            gevent.spawn(self._flush)

    def _keep(self, data):
        if len(self.pending) + len(data) > PENDING_LIMIT:
            self.drop()
            raise OSError("the client fell too far behind")
        self.pending += data

    def _flush(self):
        try:
            while self.pending:
                data = bytes(self.pending)
                self.pending.clear()
                self.sock.sendall(data)  # waits for the socket; writes meanwhile go to pending
        except OSError:
            self.open = False
        finally:
            self.flushing = False

    def drop(self):
        """End a connection that cannot keep up: its reader sees the end, engineio closes the session
        and the client reconnects (and resumes)."""
        self.open = False
        self.pending.clear()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FanoutManager(socketio.Manager):
    """python-socketio's in-process client manager, with broadcasts written by `write_frame`."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        room = to or room
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event] + args).encode()
        if callback or namespace not in self.rooms or isinstance(encoded, list):  # acks, binary: engineio's way
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs)
        message = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        frame = websocket_frame(message.encode())
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        sockets, environs = self.server.eio.sockets, self.server.environ
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid not in skip and not write_frame(sockets.get(eio_sid), environs.get(eio_sid), frame):
                self.server._send_eio_packet(eio_sid, message)


class RedisFanoutManager(socketio.RedisManager, FanoutManager):
    """A worker's client manager (`hallq serve --workers N`): every event goes to all the workers
    through Redis (socketio.RedisManager), and each worker writes those it receives to its own
    clients by FanoutManager's loop (PubSubManager hands a received event to the next `emit` in
    the method order, which is FanoutManager's)."""


def websocket_frame(text):
    """An unmasked, unfragmented text frame, as gevent-websocket's own `send` builds it."""
    payload = text.encode("utf-8")
    return bytes(Header.encode_header(True, WebSocket.OPCODE_TEXT, b"", len(payload), 0)) + payload


def write_frame(session, environ, frame):
    """Write `frame` to an Engine.IO session's WebSocket now, if nothing of its own is waiting;
    False: the caller queues it instead."""
    if session is None or session.closed or session.closing or session.queue.qsize():
        return False
    outbox = environ.get(OUTBOX) if environ is not None else None
    if outbox is None or not outbox.open:
        return False
    try:
        outbox.write(frame)
    except OSError:
        pass  # the connection is ending: its reader closes the session
    return True
