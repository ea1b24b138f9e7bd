"""sd_notify over $NOTIFY_SOCKET: what systemd receives from the hub."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hub.ops import sdnotify

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def systemd_socket(tmp_path):
    """A unix datagram socket standing in for systemd's notify socket."""
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(20)
    yield sock, {"NOTIFY_SOCKET": str(path)}
    sock.close()


def test_ready_carries_status_and_main_pid(systemd_socket):
    sock, env = systemd_socket
    assert sdnotify.notify_ready("listening on 0.0.0.0:8080", env=env) is True
    lines = sock.recv(4096).decode().split("\n")
    assert lines[0] == "READY=1"
    assert "STATUS=listening on 0.0.0.0:8080" in lines
    assert f"MAINPID={os.getpid()}" in lines


def test_watchdog_status_and_stopping_messages(systemd_socket):
    sock, env = systemd_socket
    sdnotify.notify_watchdog(env=env)
    sdnotify.notify_status("3 个窗口\n开放", env=env)
    sdnotify.notify_stopping(env=env)
    assert [sock.recv(4096).decode() for _ in range(3)] == ["WATCHDOG=1", "STATUS=3 个窗口 开放", "STOPPING=1"]


def test_abstract_namespace_socket():
    name = f"hallq-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        assert sdnotify.notify_watchdog(env={"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(100) == b"WATCHDOG=1"


def test_outside_systemd_nothing_is_sent_and_nothing_raises(tmp_path):
    assert sdnotify.notify_ready(env={}) is False
    assert sdnotify.notify_watchdog(env={"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}) is False
    assert sdnotify.notify("READY=1", env={"NOTIFY_SOCKET": "vsock:2:1234"}) is False


def test_watchdog_interval_from_environment():
    pid = str(os.getpid())
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": pid}) == 30.0
    assert sdnotify.ping_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    # meant for another process, absent, or nonsense: no watchdog
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert sdnotify.watchdog_interval({}) is None
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "soon"}) is None
    assert sdnotify.ping_interval({"WATCHDOG_USEC": "0"}) is None


def test_run_watchdog_pings_only_while_healthy(systemd_socket):
    sock, env = systemd_socket
    env = dict(env, WATCHDOG_USEC="4000000")
    health = iter([True, False, True, RuntimeError("probe broke")])
    sleeps = []

    def healthy():
        value = next(health)
        if isinstance(value, Exception):
            raise value
        return value

    pings = sdnotify.run_watchdog(healthy, sleeps.append, env=env, max_rounds=4)
    assert pings == 2  # the unhealthy round and the failing probe send nothing
    assert sleeps == [2.0] * 4  # half the watchdog timeout
    sock.settimeout(0.5)
    assert [sock.recv(100), sock.recv(100)] == [b"WATCHDOG=1", b"WATCHDOG=1"]
    with pytest.raises(socket.timeout):
        sock.recv(100)


def test_run_watchdog_returns_at_once_without_a_watchdog():
    assert sdnotify.run_watchdog(lambda: True, lambda s: pytest.fail("slept"), env={}) == 0


def test_the_hub_says_ready_and_pings_the_watchdog(systemd_socket, tmp_path):
    """`hallq serve` under a fake systemd: READY=1 once it listens, then WATCHDOG=1."""
    sock, env = systemd_socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child_env = dict(os.environ, **env, WATCHDOG_USEC="1000000")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli.main", "serve", "--db", str(tmp_path / "hallq.db"), "--port", str(port)],
        cwd=ROOT, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        messages = []
        while not any(m.startswith("WATCHDOG=1") for m in messages):
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                pytest.fail(f"no watchdog ping; got {messages}; hub said {proc.stderr.read1(4000)!r}")
        ready = [m for m in messages if "READY=1" in m]
        assert ready and messages.index(ready[0]) < len(messages) - 1
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # READY came once the hub listened: the port takes connections
    finally:
        proc.terminate()
        proc.wait(10)
