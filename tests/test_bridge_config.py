"""The bridge reads the hall file: which devices it drives, and what it tells the hub it cannot."""
import dataclasses

import pytest

from firmware_bridge.bridge import Bridge, BridgeConfigError, bridge_key
from hub.hallfile.model import Device, load_hall
from hubproc import wait_for


class FakeHub:
    """Records the bridge's HTTP calls (status reports) and answers 200."""

    def __init__(self):
        self.posts = []

    def request(self, method, path, body=None, key=None, params=None):
        if method != "POST":
            return 404, None
        self.posts.append((path, key, body))
        return 200, {}


def hall_with(*devices):
    hall = load_hall(None)
    bridge = next(d for d in hall.devices if d.kind == "bridge")
    return dataclasses.replace(hall, devices=(bridge,) + devices)


def test_devices_the_bridge_cannot_drive_are_reported_with_a_reason():
    hall = hall_with(
        Device("keypad-3", "keypad", "demo-keypad-3-key-0000", window="w3", url="loop://", protocol="vendor-led"),
        Device("bar-3", "bar", "demo-bar-3-key-0000", window="w3", url=""),
        Device("bar-4", "bar", "demo-bar-4-key-0000", window="w4", url="loop://", protocol="acme"),
    )
    hub = FakeHub()
    bridge = Bridge(hall, "http://127.0.0.1:9", http=hub).start(connect=False)
    try:
        assert wait_for(lambda: len(hub.posts) >= 3)
        faults = {path.split("/")[3]: body["fault"] for path, key, body in hub.posts}
        assert faults == {"keypad-3": "协议不支持", "bar-3": "未配置串口", "bar-4": "协议不支持"}
        assert all(key == "demo-bridge-1-key-0000" for _, key, _ in hub.posts)
    finally:
        bridge.stop()


def test_a_device_on_a_line_without_answers_is_reported_offline():
    hall = hall_with(Device("bar-3", "bar", "demo-bar-3-key-0000", window="w3", url="loop://", address=3))
    hub = FakeHub()
    bridge = Bridge(hall, "http://127.0.0.1:9", http=hub).start(connect=False)
    try:
        # loop:// hears only the bridge's own requests: nobody answers
        assert wait_for(lambda: ("/api/devices/bar-3/status", "demo-bridge-1-key-0000",
                                 {"online": False, "shows": "", "fault": None}) in hub.posts)
    finally:
        bridge.stop()


def test_a_hall_without_a_bridge_device_is_refused_clearly():
    hall = dataclasses.replace(load_hall(None), devices=())
    with pytest.raises(BridgeConfigError, match="没有桥接设备"):
        bridge_key(hall)
    with pytest.raises(BridgeConfigError, match="'bridge-9'"):
        bridge_key(load_hall(None), "bridge-9")
