"""Stable names for the hall's USB-serial adapters (RS-485 lines, USB-serial devices).

Linux names adapters ttyUSB0, ttyUSB1 ... in the order they wake up, which
changes between boots. `find_adapters()` reads sysfs for each adapter's
vendor, product, serial number and USB port; `udev_rules()` turns them into
rules that give each one a name that stays: /dev/hallq-rs485-0, -1, ...
matched by vendor and serial number, or by the USB port it is plugged into
when the adapter has no serial number (most CH340 clones) or shares one with
another adapter. Numbering follows the USB ports, so it is the same on every run.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

TTY_PREFIXES = ("ttyUSB", "ttyACM")


@dataclass(frozen=True)
class Adapter:
    tty: str  # ttyUSB0
    vendor: str  # idVendor, e.g. 0403
    product: str  # idProduct, e.g. 6001
    serial: str  # "" when the adapter has none
    port: str  # the USB device's kernel name, e.g. 1-1.2 (the physical port path)
    description: str = ""


def find_adapters(sys_root="/sys"):
    adapters = []
    class_dir = os.path.join(sys_root, "class", "tty")
    if not os.path.isdir(class_dir):
        return adapters
    for name in sorted(os.listdir(class_dir)):
        if not name.startswith(TTY_PREFIXES):
            continue
        device = os.path.join(class_dir, name, "device")
        if not os.path.exists(device):
            continue
        usb_dir = _usb_device_dir(os.path.realpath(device))
        if usb_dir is None:
            continue
        read = lambda attr: _read(os.path.join(usb_dir, attr))  # noqa: E731
        adapters.append(Adapter(
            tty=name, vendor=read("idVendor"), product=read("idProduct"), serial=read("serial"),
            port=os.path.basename(usb_dir),
            description=" ".join(x for x in (read("manufacturer"), read("product")) if x)))
    return sorted(adapters, key=lambda a: _port_key(a.port))


def _usb_device_dir(path):
    """Walk up from the tty's device to the USB device (the dir with idVendor)."""
    for _ in range(8):
        if os.path.isfile(os.path.join(path, "idVendor")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return None


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return ""


def _port_key(port):
    """1-1.10 after 1-1.2: compare the numbers, not the text."""
    parts = port.replace("-", ".").split(".")
    return [int(p) if p.isdigit() else 0 for p in parts]


def udev_rules(adapters, prefix="hallq-rs485-"):
    """The rules file text naming each adapter `<prefix>N`, in port order."""
    serial_counts = {}
    for a in adapters:
        serial_counts[(a.vendor, a.product, a.serial)] = serial_counts.get((a.vendor, a.product, a.serial), 0) + 1
    lines = ["# hallq: stable names for USB-serial adapters, written by `hallq serial-ports --udev`.",
             "# Edit the names freely; then: sudo udevadm control --reload && sudo udevadm trigger"]
    for number, a in enumerate(adapters):
        unique = a.serial and serial_counts[(a.vendor, a.product, a.serial)] == 1
        match = [f'SUBSYSTEM=="tty"', f'ATTRS{{idVendor}}=="{a.vendor}"', f'ATTRS{{idProduct}}=="{a.product}"']
        match.append(f'ATTRS{{serial}}=="{a.serial}"' if unique else f'KERNELS=="{a.port}"')
        how = f"serial {a.serial}" if unique else f"USB port {a.port}"
        lines.append(f"# {a.tty} now: {a.description or 'adapter'} ({how})")
        lines.append(", ".join(match) + f', GROUP="dialout", MODE="0660", SYMLINK+="{prefix}{number}"')
    return "\n".join(lines) + "\n"


def describe(adapters, prefix="hallq-rs485-"):
    if not adapters:
        return "没有找到 USB 串口适配器（ttyUSB*/ttyACM*）。"
    rows = []
    for number, a in enumerate(adapters):
        serial = a.serial or "（无序列号，按 USB 口区分）"
        rows.append(f"/dev/{prefix}{number}  ←  /dev/{a.tty}  {a.vendor}:{a.product}  序列号 {serial}  "
                    f"USB 口 {a.port}  {a.description}")
    return "\n".join(rows)
