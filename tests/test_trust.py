"""Trust in what the hub accepts and shows: an Idempotency-Key is bound to its
body, the public (anonymous HTTP and Socket.IO) sees no staff names while staff
do, and `hallq serve` refuses a hall file whose device keys are missing or the
demo's public ones, and says loudly when it runs the demo."""
from __future__ import annotations

import re
import subprocess
import sys

import socketio

from hub.hallfile.model import demo_hall_path
from hubproc import HALLQ, KIOSK_KEY, ROOT, free_port


def test_the_same_idempotency_key_with_another_body_is_a_409(hub):
    kiosk = {"X-Device-Key": KIOSK_KEY, "Idempotency-Key": "press-1"}
    first = hub.post("/api/tickets", {"matter": "m03"}, headers=dict(kiosk))
    again = hub.post("/api/tickets", {"matter": "m03"}, headers=dict(kiosk))
    assert first.status_code == again.status_code == 201 and again.json()["id"] == first.json()["id"]
    other = hub.post("/api/tickets", {"matter": "m05"}, headers=dict(kiosk))
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_mismatch"
    english = hub.post("/api/tickets", {"matter": "m05"}, headers=dict(kiosk, **{"Accept-Language": "en"}))
    assert "another request body" in english.json()["error"]["message"]


def stream(url, token=None):
    client = socketio.SimpleClient()
    client.connect(url, auth={"token": token} if token else None, transports=["websocket"], wait_timeout=10)
    return client


def until(client, name, seen):
    """Messages up to the first `name`, all kept in `seen`; its data."""
    while True:
        event, data = client.receive(timeout=5)
        seen.append((event, data))
        if event == name:
            return data


def test_public_views_carry_no_staff_names_and_staff_views_keep_them(hub):
    clerk = hub.login("clerk1", "1111", window="w1")
    manager = hub.login("manager", "2222")
    assert "clerk" not in str(hub.get("/api/windows").json()) and "clerk1" not in hub.get("/api/windows").text
    assert hub.get("/api/windows/w1", token=manager).json()["clerk"] == "clerk1"
    public, staff, heard = stream(hub.url), stream(hub.url, manager), []
    try:
        assert "clerk1" not in str(until(public, "snapshot", heard))
        assert until(staff, "snapshot", [])["windows"][0]["clerk"] == "clerk1"
        hub.issue("m03")
        hub.post("/api/windows/w1/call-next", token=clerk)
        called = until(public, "ticket.called", heard)
        assert called["window"]["number"] == 1 and "clerk" not in str(called)
        hub.post("/api/logout", token=clerk)  # window.changed: the clerk leaves w1
        until(staff, "window.changed", [])
        until(public, "window.changed", heard)
        assert not any("clerk1" in str(d) for _, d in heard)
    finally:
        public.disconnect()
        staff.disconnect()


def serve(tmp_path, *args):
    return subprocess.run(HALLQ + ["serve", "--db", str(tmp_path / "h.db"), "--port", str(free_port()), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)


def test_serve_refuses_the_demos_public_keys_and_a_hall_without_keys_naming_init_hall(tmp_path):
    copy = tmp_path / "copy.toml"
    copy.write_text(demo_hall_path().read_text(encoding="utf-8"), encoding="utf-8")
    refused = serve(tmp_path, "--config", str(copy))
    assert refused.returncode == 1 and "公开的演示密钥" in refused.stderr and "hallq init-hall" in refused.stderr
    assert "Traceback" not in refused.stderr
    text = demo_hall_path().read_text(encoding="utf-8")
    no_devices = tmp_path / "bare.toml"
    no_devices.write_text(re.sub(r"\[\[devices\]\]\n(.+\n)+", "", text), encoding="utf-8")
    bare = serve(tmp_path, "--config", str(no_devices))
    assert bare.returncode == 1 and "没有设备密钥" in bare.stderr and "hallq init-hall" in bare.stderr
    fresh = tmp_path / "fresh.toml"
    made = subprocess.run(HALLQ + ["init-hall", str(fresh)], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert made.returncode == 0, made.stderr
    from hub.cli.commands import key_problem
    from hub.hallfile.model import load_hall
    assert key_problem(load_hall(fresh), fresh) is None


def test_serve_without_config_says_it_runs_the_demo_with_public_keys(tmp_path):
    proc = subprocess.Popen(HALLQ + ["serve", "--db", str(tmp_path / "d.db"), "--port", str(free_port())],
                            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        head = "".join(proc.stderr.readline() for _ in range(4))
    finally:
        proc.terminate()
        proc.wait(10)
    assert "演示大厅" in head and "公开的演示密钥" in head and "hallq init-hall" in head
