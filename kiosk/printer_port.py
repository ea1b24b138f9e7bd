"""The ticket printer's transport, opened from a URL, and its real-time status.

URLs (the hall file's `printer` or a printer device's `url`):
- `tcp://HOST:9100`                      network printer (python-escpos Network)
- `serial:///dev/ttyUSB0?baudrate=9600`  serial printer (python-escpos Serial);
  also `bytesize`, `parity` (N/E/O), `stopbits`, `xonxoff`, `dsrdtr` (0/1)
- `usb://VID:PID` (hex, e.g. usb://0416:5011)  the kernel's usblp device
  (/dev/usb/lpN) with that id, else python-escpos Usb when pyusb is installed
- `file:///PATH`                         raw ESC/POS bytes appended to PATH
Any URL takes `?status=0` for a printer that never answers status requests
and `?timeout=SECONDS` for the status reply (default 2).

`open_port(url)` returns a PrinterPort: `.write(bytes)`, `.status()` ->
None (ready), "paper_near_end" (prints, but warn) or a fault that stops
printing ("paper_out", "cover_open", "offline"); `.close()`. A printer that
cannot be opened, fails a write or stays silent to a status request raises
PrinterUnavailable (the fault "unplugged"). Status comes from DLE EOT 1
(printer), 2 (offline cause) and 4 (roll paper sensor) on bidirectional
transports; a file has no status, so only write errors count there.
"""
from __future__ import annotations

import glob
import os
import select
import socket
import time
import urllib.parse
from dataclasses import dataclass

from hub.rules import printer as printer_faults

FAULTS = ("paper_out", "cover_open", "offline", "unplugged")  # printing stops
WARNINGS = ("paper_near_end",)  # printing goes on
FAULT_NAMES = printer_faults.FAULT_NAMES  # the hall's words for each fault (hub/rules/printer.py)
DLE_EOT = b"\x10\x04"


class PrinterUrlError(ValueError):
    """A printer URL that cannot be used; the message says why, in Chinese."""


class PrinterUnavailable(OSError):
    """The printer cannot be reached (fault "unplugged")."""


@dataclass(frozen=True)
class PrinterUrl:
    scheme: str  # tcp | serial | usb | file
    target: str  # host, device path or file path
    port: int = 0
    vendor: int = 0
    product: int = 0
    options: tuple = ()  # (name, value) pairs from the query string
    status: bool = True
    timeout: float = 2.0

    def option(self, name, default=None):
        return dict(self.options).get(name, default)


def parse_url(url):
    """PrinterUrl for a URL, or PrinterUrlError naming what is wrong."""
    parts = urllib.parse.urlsplit(str(url or ""))
    query = dict(urllib.parse.parse_qsl(parts.query))
    status = query.pop("status", "1") not in ("0", "false", "no", "off")
    try:
        timeout = float(query.pop("timeout", 2.0))
    except ValueError:
        raise PrinterUrlError(f"打印机地址 {url!r} 的 timeout 必须是秒数") from None
    common = dict(options=tuple(sorted(query.items())), status=status, timeout=timeout)
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise PrinterUrlError(f"打印机地址 {url!r} 缺少主机名，例如 tcp://192.168.1.50:9100")
        try:
            port = parts.port or 9100
        except ValueError:
            raise PrinterUrlError(f"打印机地址 {url!r} 的端口号无效") from None
        return PrinterUrl("tcp", parts.hostname, port=port, **common)
    if parts.scheme in ("serial", "file"):
        if not parts.path:
            raise PrinterUrlError(f"打印机地址 {url!r} 缺少路径，例如 {parts.scheme}:///dev/ttyUSB0")
        return PrinterUrl(parts.scheme, parts.path, **common)
    if parts.scheme == "usb":
        vid, _, pid = parts.netloc.partition(":")
        try:
            return PrinterUrl("usb", parts.netloc, vendor=int(vid, 16), product=int(pid, 16), **common)
        except ValueError:
            raise PrinterUrlError(f"打印机地址 {url!r} 应为 usb://VID:PID (十六进制)，例如 usb://0416:5011") from None
    raise PrinterUrlError(
        f"打印机地址 {url!r} 不受支持，可用: usb://VID:PID, serial:///dev/ttyUSB0?baudrate=9600, "
        "tcp://HOST:9100, file:///PATH")


def fault_from_status(printer, offline_cause, paper):
    """The hall's name for the printer's state, from the replies to
    DLE EOT 1, 2 and 4 (Epson-compatible bit layout); None when ready."""
    if (paper & 0x60) == 0x60 or offline_cause & 0x20:
        return "paper_out"
    if offline_cause & 0x04:
        return "cover_open"
    if printer & 0x08:
        return "offline"
    if (paper & 0x0C) == 0x0C:
        return "paper_near_end"
    return None


def _is_status_byte(value):
    # bits 1 and 4 are fixed to 1, bits 0 and 7 to 0 in every DLE EOT reply
    return (value & 0x93) == 0x12


class PrinterPort:
    """One open connection to a printer; not thread-safe (one spooler owns it)."""

    def __init__(self, url, write, read=None, close=None, printer=None):
        self.url = url
        self.printer = printer  # the python-escpos printer, when one is used
        self._write, self._read, self._close = write, read, close
        self.bidirectional = read is not None and url.status

    def write(self, data):
        try:
            self._write(bytes(data))
        except (OSError, ValueError) as exc:
            raise PrinterUnavailable(f"写入打印机失败: {exc}") from exc
        except Exception as exc:  # python-escpos and pyserial wrap errors their own way
            raise PrinterUnavailable(f"写入打印机失败: {exc}") from exc

    def status(self):
        if not self.bidirectional:
            return None
        self._drain()
        printer = self._ask(1)
        offline_cause = self._ask(2) if printer & 0x08 else 0x12
        paper = self._ask(4)
        return fault_from_status(printer, offline_cause, paper)

    def _ask(self, n):
        self.write(DLE_EOT + bytes([n]))
        deadline = time.monotonic() + self.url.timeout
        while True:
            left = deadline - time.monotonic()
            reply = self._recv(left) if left > 0 else b""
            if not reply:
                raise PrinterUnavailable(f"打印机对状态查询 (DLE EOT {n}) 无应答")
            if _is_status_byte(reply[-1]):
                return reply[-1]

    def _drain(self):
        """Drop bytes the printer sent on its own (ASB, late replies)."""
        while self._recv(0):
            pass

    def _recv(self, timeout):
        try:
            return self._read(timeout)
        except PrinterUnavailable:
            raise
        except Exception as exc:  # EIO from a vanished tty, pyserial's SerialException
            raise PrinterUnavailable(f"读取打印机状态失败: {exc}") from exc

    def close(self):
        if self._close is not None:
            try:
                self._close()
            except Exception:  # closing a dead connection is not news
                pass
        if self.printer is not None:
            self.printer._device = False  # so python-escpos's __del__ does not close again


def open_port(url):
    """Open the printer behind `url`; PrinterUnavailable if it is not there."""
    parsed = url if isinstance(url, PrinterUrl) else parse_url(url)
    opener = {"tcp": _open_tcp, "serial": _open_serial, "usb": _open_usb, "file": _open_file}
    return opener[parsed.scheme](parsed)


def _open_tcp(url):
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Network

    printer = Network(url.target, url.port, timeout=max(url.timeout, 5))
    try:
        printer.open()
    except DeviceNotFoundError as exc:
        raise PrinterUnavailable(f"无法连接网络打印机 {url.target}:{url.port}") from exc
    sock = printer.device

    def read(timeout):
        try:
            if timeout > 0:
                sock.settimeout(timeout)
            else:
                sock.setblocking(False)
            data = sock.recv(16)
        except (BlockingIOError, socket.timeout):
            return b""
        finally:
            sock.settimeout(max(url.timeout, 5))
        if not data:
            raise PrinterUnavailable("网络打印机断开了连接")
        return data

    return PrinterPort(url, printer._raw, read, printer.close, printer)


def _open_serial(url):
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Serial

    opts = dict(url.options)
    try:
        printer = Serial(url.target, baudrate=int(opts.get("baudrate", 9600)),
                         bytesize=int(opts.get("bytesize", 8)), timeout=url.timeout,
                         parity=opts.get("parity"), stopbits=int(opts.get("stopbits", 1)),
                         xonxoff=opts.get("xonxoff", "0") == "1", dsrdtr=opts.get("dsrdtr", "1") == "1")
    except ValueError:
        raise PrinterUrlError(f"串口参数无效: {dict(url.options)}") from None
    try:
        printer.open()
    except DeviceNotFoundError as exc:
        raise PrinterUnavailable(f"无法打开串口打印机 {url.target}") from exc
    port = printer.device
    # a printer holding the line busy (flow control) must not hang the spooler
    port.write_timeout = max(5.0, url.timeout)

    def read(timeout):
        if timeout <= 0:
            return port.read(port.in_waiting) if port.in_waiting else b""
        port.timeout = timeout
        return port.read(1)

    # close without python-escpos's flush: tcdrain hangs on a printer holding the line busy
    return PrinterPort(url, printer._raw, read, port.close, printer)


def usblp_path(vendor, product):
    """/dev/usb/lpN of the USB printer with this id, found through sysfs."""
    for link in sorted(glob.glob("/sys/class/usbmisc/lp*")):
        usb_device = os.path.dirname(os.path.realpath(os.path.join(link, "device")))
        try:
            with open(os.path.join(usb_device, "idVendor")) as f_vid, \
                    open(os.path.join(usb_device, "idProduct")) as f_pid:
                found = (int(f_vid.read(), 16), int(f_pid.read(), 16))
        except (OSError, ValueError):
            continue
        if found == (vendor, product):
            return "/dev/usb/" + os.path.basename(link)
    return None


def _open_usb(url):
    path = usblp_path(url.vendor, url.product)
    if path is not None:
        return _open_device_file(url, path)
    try:
        import usb.core  # noqa: F401  pyusb, optional
    except ImportError:
        raise PrinterUnavailable(
            f"未找到 USB 打印机 {url.target} (没有对应的 /dev/usb/lp* 设备，也未安装 pyusb)") from None
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Usb

    printer = Usb(url.vendor, url.product, timeout=int(url.timeout * 1000))
    try:
        printer.open()
    except DeviceNotFoundError as exc:
        raise PrinterUnavailable(f"未找到 USB 打印机 {url.target}") from exc

    def read(timeout):
        try:
            return bytes(printer.device.read(printer.in_ep, 16, max(1, int(timeout * 1000))))
        except Exception:  # pyusb raises USBTimeoutError on silence
            return b""

    return PrinterPort(url, printer._raw, read, printer.close, printer)


def _open_device_file(url, path):
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    except OSError as exc:
        raise PrinterUnavailable(f"无法打开打印机设备 {path}: {exc.strerror}") from exc

    def write(data):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    def read(timeout):
        ready, _, _ = select.select([fd], [], [], max(timeout, 0))
        return os.read(fd, 16) if ready else b""

    return PrinterPort(url, write, read, lambda: os.close(fd))


def _open_file(url):
    try:
        sink = open(url.target, "ab")
    except OSError as exc:
        raise PrinterUnavailable(f"无法打开打印文件 {url.target}: {exc.strerror}") from exc

    def write(data):
        sink.write(data)
        sink.flush()

    return PrinterPort(url, write, None, sink.close)
