"""The simulators as a technician and `hallq demo` use them: control protocol, CLI, demo handle."""
import dataclasses
import json
import os
import subprocess
import sys

from firmware_bridge.demo import start_devices
from firmware_bridge.sim_control import group_lines, send_command, start_simulators
from hub.hallfile.model import Device, load_hall
from hubproc import wait_for

HALLQ = [sys.executable, "-m", "hub.cli.main"]


def small_hall():
    hall = load_hall(None)
    keep = tuple(d for d in hall.devices if d.window == "w3" or d.kind == "bridge")
    return dataclasses.replace(hall, devices=keep)


def test_devices_sharing_a_url_share_a_line_unless_their_addresses_clash():
    devices = [Device("bar-1", "bar", "k" * 16, url="serial:///dev/ttyUSB0", address=1),
               Device("pad-1", "pad", "k" * 16, url="serial:///dev/ttyUSB0", address=41),
               Device("bar-2", "bar", "k" * 16, url="serial:///dev/ttyUSB0", address=1),
               Device("bar-3", "bar", "k" * 16, url="", address=1)]
    assert [[d.id for d in g] for g in group_lines(devices)] == [["bar-1", "pad-1"], ["bar-2"], ["bar-3"]]
    assert len(group_lines(devices, split=True)) == 4


def test_the_control_socket_presses_keys_and_switches_faults(tmp_path):
    sims = start_simulators(small_hall(), tmp_path / "sim", printers=False)
    try:
        ask = lambda text: send_command(sims.control_path, text)  # noqa: E731
        assert ask("press keypad-3 call") == "ok"
        assert sims.device("keypad-3")._events[0][1].key == "call"
        assert ask("press pad-3 5") == "ok"
        assert ask("press pad-3 9").startswith("error: 评价器只有 1..5 分")
        assert ask("press bar-3 call").startswith("error:")
        assert ask("press keypad-9 call") == "error: 没有模拟设备 'keypad-9'"
        assert ask("fault bar-3 silent on") == "ok" and sims.device("bar-3").silent
        assert ask("fault bar-3 slow 250") == "ok" and sims.device("bar-3").slow == 0.25
        assert ask("fault bar-3 smoke on").startswith("error: 未知的故障开关")
        assert ask("dance").startswith("error: 未知命令")
        assert "keypad-3\tkeypad\taddress=23" in ask("list")
        path = sims.paths["bar-3"]
        assert ask("unplug bar-3") == "ok" and not os.path.lexists(path)
        assert ask("plug bar-3") == "ok" and os.path.realpath(path).startswith("/dev/pts/")
        assert ask("shows bar-3") == "bar-3\t"
    finally:
        sims.stop()
    assert not os.path.exists(sims.control_path)


def test_hallq_devices_sim_writes_the_port_map_and_answers_ctl(tmp_path):
    workdir = tmp_path / "sim"
    proc = subprocess.Popen(HALLQ + ["devices", "sim", "--workdir", str(workdir), "--no-printers"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: (workdir / "ports.json").exists())
        ports = json.loads((workdir / "ports.json").read_text())
        assert {"bar-1", "keypad-15", "pad-7"} <= set(ports) and "printer-1" not in ports
        ctl = subprocess.run(HALLQ + ["devices", "ctl", "--workdir", str(workdir), "press", "keypad-3", "recall"],
                             capture_output=True, text=True, timeout=30)
        assert ctl.returncode == 0 and ctl.stdout.strip() == "ok"
        bad = subprocess.run(HALLQ + ["devices", "ctl", "--workdir", str(workdir), "press", "pad-3", "0"],
                             capture_output=True, text=True, timeout=30)
        assert bad.returncode == 1 and "1..5" in bad.stdout
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "bar-3" in out and "/dev/pts/" in out


def test_hallq_devices_ctl_without_a_simulator_says_what_to_do(tmp_path):
    r = subprocess.run(HALLQ + ["devices", "ctl", "--workdir", str(tmp_path), "list"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "hallq devices sim" in r.stderr and "Traceback" not in r.stderr


def test_hallq_bridge_refuses_a_bad_port_map_clearly(tmp_path):
    bad = tmp_path / "ports.json"
    bad.write_text("[1, 2]")
    r = subprocess.run(HALLQ + ["bridge", "--ports", str(bad)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "端口映射文件" in r.stderr and "Traceback" not in r.stderr


def test_the_demo_devices_follow_the_hub(hub, tmp_path):
    devices = start_devices(hub.url, load_hall(None), tmp_path / "demo", echo=False)
    try:
        assert wait_for(lambda: devices.shows().get("bar-3") == "3号窗口 欢迎您", timeout=30)
        ticket = hub.issue("m03")
        assert devices.command("press keypad-3 call") == "ok"
        assert wait_for(lambda: devices.shows()["bar-3"] == f"{ticket['number']} 请到3号窗口")
        assert "hallq devices ctl" in devices.describe()
    finally:
        devices.stop()
    assert devices.sim.returncode is not None and devices.bridge.returncode is not None
