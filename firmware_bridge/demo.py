"""The serial side of `hallq demo`: simulated devices on ptys plus the bridge.

Both run as child processes, so neither pyserial nor their threads ever run
inside the hub's gevent loop:

    handle = start_devices(hub_url, hall, workdir, config_path=None)
    handle.shows()        # {"bar-3": "A012 请到3号窗口", ...}
    handle.command("press keypad-3 call")
    handle.describe()     # one line for the demo's banner
    handle.stop()
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from firmware_bridge.sim_control import send_command

HALLQ = [sys.executable, "-m", "hub.cli.main"]


class DemoDevices:
    def __init__(self, workdir, sim, bridge, ports_path):
        self.workdir, self.sim, self.bridge = workdir, sim, bridge
        self.simdir = os.path.join(workdir, "sim")
        self.control_path = os.path.join(self.simdir, "control.sock")
        with open(ports_path, encoding="utf-8") as f:
            self.paths = json.load(f)
        self.ports_path = ports_path

    def command(self, text):
        return send_command(self.control_path, text)

    def shows(self):
        out = {}
        for line in self.command("shows").splitlines():
            device_id, _, text = line.partition("\t")
            out[device_id] = text
        return out

    def describe(self):
        return (f"{len(self.paths)} 台 (pty, 映射 {self.ports_path}); 按键: "
                f"hallq devices ctl --workdir {self.simdir} press keypad-3 call; "
                f"串口桥日志 {os.path.join(self.workdir, 'bridge.log')}")

    def stop(self):
        for proc in (self.bridge, self.sim):
            if proc.poll() is None:
                proc.terminate()
        for proc in (self.bridge, self.sim):
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_devices(hub_url, hall, workdir, config_path=None, echo=True, timeout=20.0):
    """Start the simulators, wait for their port map, then the bridge on it."""
    workdir = os.path.abspath(workdir)
    simdir = os.path.join(workdir, "sim")
    os.makedirs(simdir, exist_ok=True)
    ports = os.path.join(simdir, "ports.json")
    if os.path.exists(ports):
        os.unlink(ports)
    config = config_path or getattr(hall, "source", "") or None
    common = ["--config", str(config)] if config else []
    quiet = [] if echo else ["--quiet"]
    sim = subprocess.Popen(HALLQ + ["devices", "sim", "--workdir", simdir, "--brief"] + quiet + common,
                           stdin=subprocess.DEVNULL, stdout=None if echo else subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not os.path.exists(ports):
        if sim.poll() is not None or time.monotonic() > deadline:
            if sim.poll() is None:
                sim.terminate()
            raise RuntimeError("设备模拟器未能启动")
        time.sleep(0.05)
    with open(os.path.join(workdir, "bridge.log"), "ab") as log:
        bridge = subprocess.Popen(
            HALLQ + ["bridge", "--hub", hub_url, "--ports", ports,
                     "--traffic-dir", os.path.join(workdir, "traffic")] + common,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    return DemoDevices(workdir, sim, bridge, ports)
