"""sd_notify without a systemd Python dependency: one datagram to $NOTIFY_SOCKET.

The hub runs as `Type=notify` with `WatchdogSec=`: it says READY=1 once it
listens, and a greenlet says WATCHDOG=1 while the hub's loop is healthy. If
the loop stalls, the pings stop and systemd restarts the hub.

Every function reads the environment when called (nothing at import time),
never raises on a missing or dead socket (a notification is advice, the hub
must run the same outside systemd), and returns whether the message was sent.
"""
from __future__ import annotations

import os
import socket

_ERRORS = (OSError, ValueError)


def _address(env):
    path = (env if env is not None else os.environ).get("NOTIFY_SOCKET", "")
    if not path:
        return None
    if path.startswith("@"):  # Linux abstract namespace
        return "\0" + path[1:]
    if not path.startswith("/"):
        return None  # vsock addresses etc.: not used on a hall's Pi
    return path


def notify(message, env=None):
    """Send `message` (e.g. "READY=1\\nSTATUS=listening") to systemd.

    Returns False when not started by systemd or when sending failed."""
    address = _address(env)
    if address is None:
        return False
    data = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(data, address)
        return True
    except _ERRORS:
        return False


def notify_ready(status=None, env=None):
    """READY=1 (and STATUS=): call once the hub listens on its port."""
    message = "READY=1"
    if status:
        message += "\nSTATUS=" + _one_line(status)
    message += f"\nMAINPID={os.getpid()}"
    return notify(message, env)


def notify_watchdog(env=None):
    """WATCHDOG=1: call at least every `ping_interval()` seconds while healthy."""
    return notify("WATCHDOG=1", env)


def notify_status(text, env=None):
    """STATUS=: a one-line state shown by `systemctl status hallq-hub`."""
    return notify("STATUS=" + _one_line(text), env)


def notify_stopping(env=None):
    """STOPPING=1: the hub is shutting down cleanly."""
    return notify("STOPPING=1", env)


def notify_reloading(env=None):
    return notify("RELOADING=1", env)


def watchdog_interval(env=None):
    """The watchdog timeout in seconds from $WATCHDOG_USEC, or None when off.

    $WATCHDOG_PID, when set, names the process meant; another process
    (a child, a test runner) gets None."""
    env = env if env is not None else os.environ
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if pid:
        try:
            if int(pid) != os.getpid():
                return None
        except ValueError:
            return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 if value > 0 else None


def ping_interval(env=None):
    """How often to ping: half the watchdog timeout (as sd_watchdog_enabled(3) advises)."""
    timeout = watchdog_interval(env)
    return None if timeout is None else timeout / 2


def run_watchdog(healthy, sleep, env=None, max_rounds=None):
    """Ping the watchdog every `ping_interval()` while `healthy()` is true.

    `sleep` is the caller's sleep (gevent.sleep in the hub) so this runs in a
    greenlet. When `healthy()` returns false the pings are skipped, so
    systemd restarts a hub stuck in that state after WatchdogSec. Returns at
    once when no watchdog is configured; `max_rounds` bounds the loop (tests).
    Returns the number of pings sent."""
    interval = ping_interval(env)
    if interval is None:
        return 0
    pings = rounds = 0
    while max_rounds is None or rounds < max_rounds:
        rounds += 1
        try:
            ok = healthy()
        except Exception:  # a failing probe means unhealthy, not a dead watchdog greenlet
            ok = False
        if ok and notify_watchdog(env):
            pings += 1
        sleep(interval)
    return pings


def _one_line(text):
    return " ".join(str(text).split())
