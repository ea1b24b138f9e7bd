"""The standard-library transport of hub.client: the Socket.IO wire against a
real hub, and HubHttp against a real hub and against the HTTP answers a
proxy or another server may give (chunked, closed after the answer)."""
import json
import socket
import subprocess
import sys
import threading

import pytest

from hub.client.http import HubHttp, HubUnreachable
from hub.client.wire import Wire, WireClosed, WireError, frame, parse_packet
from hubproc import ROOT

BOARD_KEY = "demo-board-1-key-0000"


def test_the_wire_gets_the_snapshot_then_live_events_and_its_resume_answered(hub):
    wire = Wire.connect(hub.url, auth={"token": BOARD_KEY}, timeout=5)
    try:
        packets = wire.packets()
        first = [next(packets) for _ in range(2)]  # the board's own device.changed may come first
        snapshot = next(value[1] for kind, value in first if kind == "event" and value[0] == "snapshot")
        assert isinstance(snapshot["event_id"], int)
        ack = wire.emit("resume", {"after": snapshot["event_id"]}, ack=True)
        issued = hub.issue()
        seen = []
        for kind, value in packets:
            seen.append((kind, value if kind == "ack" else value[0]))
            if kind == "event" and value[0] == "ticket.issued":
                assert value[1]["ticket"]["number"] == issued["number"]
                break
        assert ("ack", ack) in seen
    finally:
        wire.close()


def test_a_wrong_device_key_is_refused_with_the_hubs_reason(hub):
    with pytest.raises(WireError) as refused:
        Wire.connect(hub.url, auth={"token": "not-a-key"}, timeout=5)
    assert "refused" in str(refused.value)


def test_an_absent_hub_is_a_wire_error_naming_it():
    with pytest.raises(WireError) as absent:
        Wire.connect("http://127.0.0.1:9", timeout=1)
    assert "127.0.0.1:9" in str(absent.value)


def test_a_closed_wire_ends_its_reader():
    a, b = socket.socketpair()
    wire = Wire(a, a.makefile("rb"), 5)
    ended = []

    def read():
        try:
            list(wire.packets())
        except WireClosed:
            ended.append(True)

    reader = threading.Thread(target=read)
    reader.start()
    wire.close()
    reader.join(2)
    b.close()
    assert ended == [True]


def test_socket_io_packets_are_read_as_the_hub_sends_them():
    assert parse_packet('2["ticket.called",{"event_id":7}]') == ("event", ("ticket.called", {"event_id": 7}))
    assert parse_packet('2["queues.changed"]') == ("event", ("queues.changed", None))
    assert parse_packet("312[]") == ("ack", 12)
    assert parse_packet('0{"sid":"x"}') == ("connect", {"sid": "x"})
    assert parse_packet('4{"message":"Connection rejected by server"}') == ("refused", "Connection rejected by server")
    assert parse_packet("1") == ("disconnect", None)
    assert parse_packet('2/admin,["x",1]') is None  # another namespace
    assert parse_packet("2[not json") is None
    assert parse_packet("2{}") is None


def test_client_frames_are_masked_and_carry_their_length():
    for size in (0, 125, 126, 70000):
        data = frame(0x1, b"a" * size)
        assert data[0] == 0x81 and data[1] & 0x80
        length = data[1] & 0x7F
        head = 2 + {126: 2, 127: 8}.get(length, 0)
        assert len(data) == head + 4 + size
        key, body = data[head:head + 4], data[head + 4:]
        assert bytes(b ^ key[i % 4] for i, b in enumerate(body)) == b"a" * size


# HubHttp ---------------------------------------------------------------------------
def test_http_keeps_one_connection_alive_and_reopens_it_after_a_hub_restart(hub):
    http = HubHttp(hub.url)
    assert http.get("/api/health")["version"]
    first = http._local.conn
    assert http.get("/api/health")["version"] and http._local.conn is first  # kept alive
    hub.restart()
    assert http.get("/api/health")["version"]  # the dead connection was noticed, not used
    assert http._local.conn is not first
    status, body = http.request("GET", "/api/tickets/999999")
    assert status == 404 and body["error"]["code"]


ANSWERS = {
    "chunked": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n"
               b"5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n",
    "close": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"b\": 2}",
    "continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 8\r\n"
                b"Connection: close\r\n\r\n{\"c\": 3}",
    "garbage": b"SSH-2.0-OpenSSH_9.2\r\n",
    "short": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"d\"",
}


@pytest.fixture
def server():
    """A one-answer-per-connection server (each answer says so, or is HTTP/1.0): the path names the answer."""
    listener = socket.create_server(("127.0.0.1", 0))
    requests = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(4096)
                requests.append(head)
                conn.sendall(ANSWERS[head.split(b" ")[1].decode().strip("/")])

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", requests
    listener.close()


def test_http_reads_chunked_and_close_delimited_answers_and_skips_an_interim_one(server):
    url, requests = server
    http = HubHttp(url)
    assert http.get("/chunked") == {"a": 1}
    assert http.get("/close") == {"b": 2}
    assert http.post("/continue", {"x": "中"}) == {"c": 3}
    posted = requests[-1]
    assert b"Content-Type: application/json" in posted and b"Accept-Language: zh-CN" in posted


def test_http_says_the_hub_is_unreachable_for_a_broken_answer(server):
    url, _ = server
    for path in ("/garbage", "/short"):
        with pytest.raises(HubUnreachable) as broken:
            HubHttp(url, timeout=(1, 2)).get(path)
        assert url in str(broken.value)


def test_a_board_and_a_bridge_import_no_socketio_requests_or_ssl():
    code = ("import sys, display.board_link, display.commands, firmware_bridge.bridge, hub.client.acks;"
            "print(json.dumps(sorted(m for m in ('socketio', 'engineio', 'requests', 'urllib3', 'ssl') "
            "if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", "import json;" + code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []
