"""Measure call -> bar bytes: `python -m firmware_bridge.latency [--calls 100]`.

Starts a hub (`hallq serve`, temporary database, demo hall) and the bridge
(`hallq bridge`) as processes, and the demo hall's 45 serial devices as
simulators on one pty in this process. Each round issues a ticket, clerk 3
calls it (POST /api/windows/w3/call-next) and the clock stops when bar-3's
simulator has received and decoded the SHOW frame with that ticket's text.
Prints one JSON document: {"calls", "first_call_ms", "p50_ms", "p99_ms", "max_ms"}
(the first call after start, which warms the hub up, is not among the samples).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from hub.client.http import HubHttp, HubUnreachable
from hub.rules.stats import percentile

HALLQ = [sys.executable, "-m", "hub.cli.main"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(http, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            http.request("GET", "/api/health")
            return
        except HubUnreachable:
            time.sleep(0.05)
    raise RuntimeError(f"hub at {http.base_url} did not start")


def measure(calls, workdir):
    from hub.hallfile.model import load_hall
    from firmware_bridge.sim_control import start_simulators

    db = os.path.join(workdir, "hallq.db")
    # the clerk, through the command line: a tool of the bridge never opens the database itself
    subprocess.run(HALLQ + ["user", "add", "clerk3", "--role", "clerk", "--db", db], input=b"1111\n",
                   check=True, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{_free_port()}"
    log = open(os.path.join(workdir, "processes.log"), "ab")
    hub = subprocess.Popen(HALLQ + ["serve", "--db", db, "--port", url.rsplit(":", 1)[1]], stdout=log, stderr=log)
    seen, changed = {}, threading.Condition()

    def on_change(device):
        if device.device_id == "bar-3":
            with changed:
                seen[device.shows] = time.monotonic()
                changed.notify_all()

    sims = start_simulators(load_hall(None), os.path.join(workdir, "sim"), on_change=on_change,
                            control=False, printers=False)
    ports = sims.write_ports(os.path.join(workdir, "ports.json"))
    bridge = subprocess.Popen(HALLQ + ["bridge", "--hub", url, "--ports", ports, "--log-level", "WARNING"],
                              stdout=log, stderr=log)
    try:
        http = HubHttp(url)
        _wait_http(http)
        http.login("clerk3", "1111", "w3")
        wait_text = lambda text, t=10: _wait_seen(changed, seen, text, t)  # noqa: E731
        if not wait_text("3号窗口 欢迎您", 30):
            raise RuntimeError("the bridge never drove bar-3")
        samples = []
        for _ in range(calls + 1):  # the first call warms the hub up: reported apart
            number = http.post("/api/tickets", {"matter": "m03"})["number"]
            text = f"{number} 请到3号窗口"
            start = time.monotonic()
            http.post("/api/windows/w3/call-next")
            if not wait_text(text):
                raise RuntimeError(f"{text} never reached bar-3")
            samples.append((seen[text] - start) * 1000)
            with changed:
                seen.clear()
            http.post("/api/windows/w3/no-show")
            wait_text("3号窗口 欢迎您")
        first, samples = samples[0], samples[1:]
        return {"calls": calls, "first_call_ms": round(first, 1), "p50_ms": round(percentile(samples, 50), 1),
                "p99_ms": round(percentile(samples, 99), 1), "max_ms": round(max(samples), 1)}
    finally:
        for proc in (bridge, hub):
            proc.terminate()
            proc.wait(10)
        sims.stop()
        log.close()


def _wait_seen(changed, seen, text, timeout):
    with changed:
        return changed.wait_for(lambda: text in seen, timeout)


def main(argv=None):
    parser = argparse.ArgumentParser(description="call -> LED bar bytes latency")
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hallq-latency-") as workdir:
        print(json.dumps(measure(args.calls, workdir)))


if __name__ == "__main__":
    main()
