"""`hallq demo` starts the 好差评 platform simulator beside the hub, on the address the hall file's
[platform] url names, prints its URL and the booking page's, and stops it with the demo."""
from __future__ import annotations

import signal
import subprocess
import time

import requests

from hub.hallfile.model import demo_hall_path
from hubproc import HALLQ, free_port


def test_the_demo_runs_the_platform_simulator_and_names_it_and_the_booking_page(tmp_path):
    sim_port, hub_port = free_port(), free_port()
    sim = f"http://127.0.0.1:{sim_port}/api/ratings"
    hall = tmp_path / "hall.toml"
    hall.write_text(demo_hall_path().read_text(encoding="utf-8").replace("http://127.0.0.1:8091/api/ratings", sim),
                    encoding="utf-8")
    demo = subprocess.Popen(HALLQ + ["demo", "--config", str(hall), "--no-devices", "--port", str(hub_port),
                                     "--db", str(tmp_path / "demo.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.time() + 60
        while time.time() < deadline and not any(line.startswith("好差评平台模拟器: ") for line in lines):
            lines.append(demo.stdout.readline().rstrip("\n"))
        assert f"好差评平台模拟器: {sim}" in lines, lines
        assert f"  http://127.0.0.1:{hub_port}/book" in lines
        for _ in range(100):
            try:
                listing = requests.get(sim, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert listing.status_code == 200 and listing.json()["ratings"] == []
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    try:
        requests.get(sim, timeout=2)
        still_up = True
    except requests.ConnectionError:
        still_up = False
    assert not still_up, "the simulator outlived the demo"
