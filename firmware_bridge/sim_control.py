"""All simulated devices of a hall as one handle, and its control protocol.

    sims = start_simulators(hall, workdir)      # every bar, keypad, pad (and printer) on a pty
    sims.paths            # device id -> stable path (a symlink to the current pty)
    sims.shows()          # device id -> what it shows now
    sims.command("press keypad-3 call")          # the control protocol, also on a unix socket
    sims.stop()

Control commands (one per line; the socket answers and closes):
    list · shows [ID...] · press ID KEY (keypad: call recall no_show start finish pause; pad: 1..5)
    fault ID silent|garbage on|off · fault ID slow MS · unplug ID · plug ID · help
Devices that share a `url` in the hall file share one pty (one RS-485 line),
as long as their addresses differ; `split=True` gives each its own.
"""
from __future__ import annotations

import json
import os
import socket
import threading

from firmware_bridge.protocols import load_protocol
from firmware_bridge.sim import SimDevice, SimLine

SERIAL_KINDS = ("bar", "keypad", "pad")
HELP = ("list | shows [ID...] | press ID KEY | fault ID silent|garbage on|off | fault ID slow MS | "
        "unplug ID | plug ID   (keypad keys: call recall no_show start finish pause; pad: 1-5)")


class SimError(ValueError):
    pass


def group_lines(devices, split=False):
    """[[device, ...], ...]: one list per simulated line."""
    groups, by_url = [], {}
    for device in devices:
        group = None if split or not device.url else by_url.get(device.url)
        if group is not None and all((d.address or 1) != (device.address or 1) for d in group):
            group.append(device)
            continue
        group = [device]
        groups.append(group)
        if device.url and device.url not in by_url:
            by_url[device.url] = group
    return groups


class Simulators:
    def __init__(self, devices, workdir, on_change=None, split=False, printers=(), on_slip=None):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(os.path.join(self.workdir, "dev"), exist_ok=True)
        self.devices, self.lines, self.line_of, self.paths = {}, [], {}, {}
        protocols = {}
        for index, group in enumerate(group_lines([d for d in devices if d.kind in SERIAL_KINDS], split)):
            name = group[0].id if len(group) == 1 else f"line-{index + 1}"
            sims = []
            for device in group:
                protocol = protocols.setdefault(device.protocol, load_protocol(device.protocol))
                sims.append(SimDevice(device.id, device.kind, device.address or 1, protocol,
                                      width=int((device.options or {}).get("width", 16)), on_change=on_change))
            line = SimLine(sims, os.path.join(self.workdir, "dev", name))
            self.lines.append(line)
            for sim in sims:
                self.devices[sim.device_id], self.line_of[sim.device_id] = sim, line
                self.paths[sim.device_id] = line.link_path
        self.printers = {}
        for device in printers:
            self._add_printer(device, on_slip)
        self._server = None
        self.control_path = None

    def _add_printer(self, device, on_slip):
        from kiosk.printer_sim import PrinterSim  # the kiosk's printer simulator
        sim = PrinterSim(paper_mm=int((device.options or {}).get("paper_mm", 80)),
                         on_slip=(lambda slip, d=device.id: on_slip(d, slip)) if on_slip else None)
        link = os.path.join(self.workdir, "dev", device.id)
        self.printers[device.id] = (sim, link)
        self.paths[device.id] = "serial://" + link

    # life ---------------------------------------------------------------------
    def start(self, control=True):
        for line in self.lines:
            line.plug()
        for sim, link in self.printers.values():
            sim.start_pty(link=link)
        if control:
            self._serve(os.path.join(self.workdir, "control.sock"))
        return self

    def stop(self):
        if self._server is not None:
            self._server.close()
            self._server = None
            if self.control_path and os.path.exists(self.control_path):
                os.unlink(self.control_path)
        for line in self.lines:
            line.unplug()
        for sim, _ in self.printers.values():
            sim.stop()

    def write_ports(self, path):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.paths, f, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
        return path

    # what people see and do ------------------------------------------------------
    @property
    def pty_paths(self):
        return {device_id: line.pty_path for device_id, line in self.line_of.items()}

    def shows(self):
        out = {device_id: sim.shows for device_id, sim in self.devices.items()}
        out.update({device_id: self._printer_shows(device_id) for device_id in self.printers})
        return out

    def _printer_shows(self, device_id):
        sim = self.printers[device_id][0]
        faults = ",".join(sorted(sim.faults))
        return f"已打印 {len(sim.slips)} 张" + (f" 故障: {faults}" if faults else "")

    def printer(self, device_id):
        """The kiosk's PrinterSim behind a printer device (its .slips, .set_fault)."""
        if device_id not in self.printers:
            raise SimError(f"没有模拟打印机 '{device_id}'")
        return self.printers[device_id][0]

    def device(self, device_id):
        if device_id not in self.devices:
            raise SimError(f"没有模拟设备 '{device_id}'")
        return self.devices[device_id]

    def press(self, device_id, key):
        try:
            self.device(device_id).press(key)
        except ValueError as exc:
            raise SimError(str(exc)) from None

    def fault(self, device_id, name, value="on"):
        on = str(value).lower() in ("on", "1", "true", "yes")
        if device_id in self.printers:
            try:
                return self.printer(device_id).set_fault(name, on)
            except ValueError as exc:
                raise SimError(str(exc)) from None
        sim = self.device(device_id)
        if name == "silent":
            sim.silent = on
        elif name == "garbage":
            sim.garbage = on
        elif name == "slow":
            try:
                sim.slow = 0.0 if str(value).lower() == "off" else max(0, int(value)) / 1000
            except ValueError:
                raise SimError(f"slow 需要毫秒数: '{value}'") from None
        else:
            raise SimError(f"未知的故障开关 '{name}' (可用: silent, garbage, slow)")

    def unplug(self, device_id):
        if device_id in self.printers:
            return self.printer(device_id).set_fault("unplugged", True)
        self.device(device_id)
        self.line_of[device_id].unplug()

    def plug(self, device_id):
        if device_id in self.printers:
            return self.printer(device_id).set_fault("unplugged", False)
        self.device(device_id)
        self.line_of[device_id].plug()

    # the control protocol ------------------------------------------------------------
    def command(self, text):
        """Run one control line; returns the answer text (errors start with 'error:')."""
        words = text.split()
        if not words:
            return ""
        verb, args = words[0].lower(), words[1:]
        try:
            return self._command(verb, args)
        except SimError as exc:
            return f"error: {exc}"

    def _command(self, verb, args):
        if verb == "help":
            return HELP
        if verb == "list":
            return "\n".join([self._describe(d) for d in self.devices] +
                             [f"{d}\tprinter\t{self.paths[d]}\t{self._printer_shows(d)}" for d in self.printers])
        if verb == "shows":
            shows = self.shows()
            unknown = [d for d in args if d not in shows]
            if unknown:
                raise SimError(f"没有模拟设备 '{unknown[0]}'")
            return "\n".join(f"{d}\t{shows[d]}" for d in (args or shows))
        arity = {"press": 2, "unplug": 1, "plug": 1, "fault": (2, 3)}
        if verb not in arity:
            raise SimError(f"未知命令 '{verb}'. {HELP}")
        need = arity[verb]
        if len(args) not in (need if isinstance(need, tuple) else (need,)):
            raise SimError(f"{verb} 的参数个数不对. {HELP}")
        getattr(self, verb)(*args)
        return "ok"

    def _describe(self, device_id):
        sim, line = self.devices[device_id], self.line_of[device_id]
        faults = [n for n in ("silent", "garbage") if getattr(sim, n)] + ([f"slow={sim.slow * 1000:.0f}ms"] if sim.slow else [])
        state = line.pty_path if line.plugged else "unplugged"
        return (f"{device_id}\t{sim.kind}\taddress={sim.address}\t{line.link_path} -> {state}\t"
                f"{','.join(faults) or '-'}\t{sim.shows}")

    def _serve(self, path):
        if os.path.exists(path):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(8)
        self._server, self.control_path = server, path
        threading.Thread(target=self._accept, args=(server,), name="sim control", daemon=True).start()

    def _accept(self, server):
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return  # closed by stop()
            with conn:
                conn.settimeout(5)
                try:
                    data = conn.makefile("r", encoding="utf-8").readline()
                    conn.sendall((self.command(data) + "\n").encode("utf-8"))
                except (OSError, UnicodeDecodeError):
                    continue


def send_command(control_path, text, timeout=5.0):
    """One control line to a running `hallq devices sim`; returns its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(control_path)
        conn.sendall((text.strip() + "\n").encode("utf-8"))
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8").rstrip("\n")


def start_simulators(hall, workdir, on_change=None, control=True, split=False, printers=True, on_slip=None):
    """Every bar, keypad and pad of `hall` (and its printers, when the kiosk's
    printer simulator is installed) simulated on ptys; returns the running handle."""
    printer_devices = []
    if printers:
        try:
            import kiosk.printer_sim  # noqa: F401
            printer_devices = [d for d in hall.devices if d.kind == "printer"]
        except ImportError:
            printer_devices = []
    return Simulators(hall.devices, workdir, on_change=on_change, split=split,
                      printers=printer_devices, on_slip=on_slip).start(control=control)
