"""Opening a device line from its URL; nothing else knows which kind it is.

    serial:///dev/ttyUSB0?baudrate=9600&parity=N   a local port, with settings
    /dev/ttyUSB0, /dev/pts/5, /path/to/symlink     a local port or pty, 9600 8N1
    socket://HOST:PORT                             a serial-to-Ethernet converter (raw TCP)
    rfc2217://HOST:PORT, loop://, spy://...        any other pyserial URL handler

Every port comes back as a pyserial object (read, write, in_waiting,
reset_input_buffer, close) with a short read timeout, so a line thread can
poll it without ever blocking for long.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import serial

READ_TIMEOUT = 0.01  # seconds; the line loops on its own deadline
DEFAULT_BAUDRATE = 9600
SETTINGS = {"baudrate": int, "bytesize": int, "parity": str, "stopbits": float}


class TransportError(OSError):
    """A line that cannot be opened; the message names the URL and the cause."""


def _serial_settings(query, url):
    settings = {"baudrate": DEFAULT_BAUDRATE}
    for key, value in parse_qsl(query):
        if key not in SETTINGS:
            raise TransportError(f"串口地址 {url} 含未知参数 '{key}' (可用: {', '.join(SETTINGS)})")
        try:
            settings[key] = SETTINGS[key](value)
        except ValueError:
            raise TransportError(f"串口地址 {url} 的参数 {key}={value!r} 无效") from None
    return settings


def open_transport(url, read_timeout=READ_TIMEOUT):
    """An open pyserial port for `url`; TransportError when it cannot be opened."""
    if not url:
        raise TransportError("设备没有配置串口地址 (url)")
    try:
        if url.startswith("serial://"):
            parts = urlsplit(url)
            path = parts.path or parts.netloc
            return serial.Serial(path, timeout=read_timeout, exclusive=True,
                                 **_serial_settings(parts.query, url))
        if "://" in url:
            return serial.serial_for_url(url, timeout=read_timeout)
        return serial.Serial(url, DEFAULT_BAUDRATE, timeout=read_timeout, exclusive=True)
    except TransportError:
        raise
    except (serial.SerialException, OSError, ValueError) as exc:
        raise TransportError(f"无法打开串口 {url}: {exc}") from exc


def byte_seconds(port):
    """How long one character takes on the wire (10 bits for 8N1)."""
    baudrate = getattr(port, "baudrate", None) or DEFAULT_BAUDRATE
    return 10.0 / baudrate


def describe_error(exc):
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
