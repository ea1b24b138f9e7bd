"""The bridge process: hub events -> bars, keypads, pads; presses -> the hub.

Threads: one per serial line (firmware_bridge.line), the hub link's
(hub.client.link: Socket.IO, resume after a drop), a small pool for HTTP calls caused by presses, and the status reporter.
The Socket.IO handler only updates HallState and tells lines what to show;
it never touches a port or waits for HTTP.
"""
from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from firmware_bridge import domain
from firmware_bridge import messages as m
from firmware_bridge.hallstate import HallState
from firmware_bridge.line import Line, Target
from firmware_bridge.protocols import ProtocolError, load_protocol
from firmware_bridge.status import StatusReporter
from firmware_bridge.traffic import traffic_log_for
from hub.client.http import HubHttp, HubUnreachable
from hub.client.link import HubLink

log = logging.getLogger("hallq.bridge")
SERIAL_KINDS = ("bar", "keypad", "pad")
POLL_MS = {"bar": 1000, "keypad": 150, "pad": 150}


class BridgeConfigError(ValueError):
    pass


@dataclass
class Role:
    device: object  # hub.hallfile.model.Device
    line: Line
    address: int


def bridge_key(hall, device_id=None):
    bridges = [d for d in hall.devices if d.kind == "bridge" and (device_id is None or d.id == device_id)]
    if not bridges:
        which = f"'{device_id}'" if device_id else "(kind = \"bridge\")"
        raise BridgeConfigError(f"大厅配置中没有桥接设备 {which}，无法连接中心")
    return bridges[0].key


def make_target(device, url_protocols, traffic_dir):
    """The line's view of a device; ProtocolError when its protocol cannot drive it."""
    protocol = url_protocols.setdefault(device.protocol, load_protocol(device.protocol))
    if device.kind not in protocol.kinds:
        raise ProtocolError(f"协议 {device.protocol} 不支持 {device.kind} 设备")
    options = device.options or {}
    return Target(
        device_id=device.id, kind=device.kind, address=device.address or 1, protocol=protocol,
        poll_interval=float(options.get("poll_ms", POLL_MS[device.kind])) / 1000,
        reply_timeout=float(options.get("reply_timeout_ms", 100)) / 1000,
        retries=int(options.get("retries", 2)), traffic=traffic_log_for(device, traffic_dir),
    )


class Bridge:
    def __init__(self, hall, hub_url, ports=None, traffic_dir="var/traffic", bridge_id=None, http=None):
        self.hall = hall
        self.key = bridge_key(hall, bridge_id)
        self.http = http or HubHttp(hub_url)
        self.hub_url = hub_url
        self.state = HallState({w.id: w.number for w in hall.windows})
        self.reporter = StatusReporter(self.http, self.key)
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bridge http")
        self.roles, self.lines, self.skipped = {}, {}, {}
        self.ports = ports or {}
        self._build(self.ports, traffic_dir)
        self.link = None
        self.printers = None

    def _build(self, ports, traffic_dir):
        by_url, protocols = {}, {}
        for device in self.hall.devices:
            if device.kind not in SERIAL_KINDS:
                continue
            url = ports.get(device.id) or device.url
            if not url:
                log.error("device %s not driven: no url", device.id)
                self.skipped[device.id] = "未配置串口"
                continue
            try:
                target = make_target(device, protocols, traffic_dir)
            except (ProtocolError, ValueError) as exc:
                log.error("device %s not driven: %s", device.id, exc)
                self.skipped[device.id] = "协议不支持"
                continue
            by_url.setdefault(url, []).append((device, target))
        for url, members in by_url.items():
            line = Line(url, [t for _, t in members], on_event=self._device_event, on_status=self._device_status)
            self.lines[url] = line
            for device, target in members:
                self.roles[device.id] = Role(device, line, target.address)

    # life ---------------------------------------------------------------
    def start(self, connect=True, printers=True):
        self.reporter.start()
        if printers and any(d.kind == "printer" for d in self.hall.devices):
            self._start_printers()
        for device_id, fault in self.skipped.items():
            self.reporter.update(device_id, False, "", fault)
        for window_id in self.state.windows:
            self._show(window_id, "state")
        for line in self.lines.values():
            line.start()
        if connect:
            self.link = HubLink(self.hub_url, token=self.key, on_event=self.on_hub_message,
                                on_snapshot=lambda data: self.on_hub_message("snapshot", data)).start()
        return self

    def _start_printers(self):
        try:
            from firmware_bridge.printers import Printers
            self.printers = Printers(self.hall, self.ports, self.http, self.reporter, self.pool)
        except ImportError as exc:  # a bridge without the kiosk package drives no printer
            log.warning("printers not driven: %s", exc)

    def stop(self):
        if self.link:
            self.link.stop()
        if self.printers:
            self.printers.stop()
        for line in self.lines.values():
            line.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.reporter.stop()

    def devices(self):
        """{device id: {"online", "shows", "fault"}} as the bridge sees them now."""
        out = {d: {"online": False, "shows": "", "fault": f} for d, f in self.skipped.items()}
        for device_id, role in self.roles.items():
            target = role.line.targets[device_id]
            out[device_id] = {"online": bool(target.online), "shows": target.shows, "fault": target.fault}
        return out

    # hub -> devices (the Socket.IO thread: no waiting here) ----------------
    def on_hub_message(self, name, payload):
        touched = self.state.apply(name, payload)
        if touched is None:
            return  # seen before (a resume replays what a snapshot held)
        for window_id, moment in touched:
            self._show(window_id, moment)
        if self.printers and name == "ticket.issued":
            self.printers.on_issued(payload)
        if self.printers and name in ("print.materials", "print.correction"):
            self.printers.on_slip(payload)

    def _show(self, window_id, moment):
        view = self.state.windows.get(window_id)
        if view is None:
            return
        for role in self.roles.values():
            if role.device.window != window_id:
                continue
            device, line, a = role.device, role.line, role.address
            if device.kind == "bar":
                if moment == "state":
                    line.set_state(device.id, [m.ShowText(a, domain.bar_text(view, device.options), m.AUTO_SCROLL)])
                elif moment in ("called", "recalled"):
                    line.send_once(device.id, m.Blink(a, 3, 5))
            elif device.kind == "keypad" and moment == "state":
                line.set_state(device.id, [m.DisplayLine(a, domain.keypad_text(view))])
            elif device.kind == "pad":
                if moment == "state":
                    line.set_state(device.id, [m.DisplayLine(a, domain.PAD_IDLE)])
                elif moment == "finished":
                    seconds = domain.prompt_seconds(self.hall.rules.rating_minutes, device.options)
                    line.flash(device.id, [m.Prompt(a, domain.PROMPT_TEXT, seconds)], seconds)

    # devices -> hub (line threads hand over; the pool does the HTTP) -------
    def _device_status(self, target):
        self.reporter.update(target.device_id, target.online, target.shows, target.fault)

    def _device_event(self, target, message):
        try:
            self.pool.submit(self._press_logged, target.device_id, message)
        except RuntimeError:
            pass  # stopping: the pool takes no more work

    def _press_logged(self, device_id, message):
        try:
            self._press(device_id, message)
        except Exception:  # the pool would swallow it silently
            log.exception("press %s on %s failed", m.describe(message), device_id)

    def _press(self, device_id, message):
        role = self.roles[device_id]
        device, a = role.device, role.address
        if isinstance(message, m.PromptTimeout):
            role.line.flash(device_id, (), 0)
            return
        if not device.window:
            role.line.flash(device_id, [m.DisplayLine(a, "未绑定窗口")], domain.RESULT_SECONDS)
            return
        if isinstance(message, m.KeyEvent) and device.kind == "keypad":
            action = domain.keypad_action(message.key, self.state.view(device.window))
            if action is None:
                return
            text = self._post(f"/api/windows/{device.window}/{action}", device.key, {},
                              lambda code, body: domain.keypad_result(action, code, body))
        elif isinstance(message, m.ScoreEvent) and device.kind == "pad":
            text = self._post(f"/api/windows/{device.window}/rating", device.key, {"score": message.score},
                              domain.pad_result)
        else:
            return
        role.line.flash(device_id, [m.DisplayLine(a, text)], domain.RESULT_SECONDS)

    def _post(self, path, key, body, result):
        try:
            code, answer = self.http.request("POST", path, body, key=key)
        except HubUnreachable as exc:
            log.warning("POST %s: hub unreachable (%s)", path, exc)
            return domain.NETWORK_FAULT
        if code >= 400:
            log.info("POST %s -> %s %s", path, code, answer)
        return result(code, answer)


def load_ports(path):
    """The device -> port path mapping written by `hallq devices sim` (JSON object)."""
    import json
    try:
        with open(path, encoding="utf-8") as f:
            ports = json.load(f)
    except (OSError, ValueError) as exc:
        raise BridgeConfigError(f"无法读取端口映射文件 {path}: {exc}") from exc
    if not isinstance(ports, dict) or not all(isinstance(v, str) for v in ports.values()):
        raise BridgeConfigError(f"端口映射文件 {path} 应为 {{\"设备\": \"路径\"}} 形式的 JSON 对象")
    return {k: os.path.expanduser(v) for k, v in ports.items()}
