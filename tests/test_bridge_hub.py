"""The bridge between a real hub and simulated devices on real ptys."""
import dataclasses

import pytest

from firmware_bridge import messages as m
from firmware_bridge.bridge import Bridge
from firmware_bridge.protocols.hallq import HallqProtocol
from firmware_bridge.sim_control import start_simulators
from hub.hallfile.model import load_hall
from hubproc import wait_for

WINDOWS = ("w3", "w4")


class Rig:
    """The demo hall's devices of windows 3 and 4 (one RS-485 line) and its printer."""

    def __init__(self, hub, tmp_path):
        hall = load_hall(None)
        self.traffic_path = tmp_path / "traffic" / "bar-3.log"
        devices = []
        for d in hall.devices:
            if d.window in WINDOWS or d.kind in ("bridge", "printer"):
                if d.id == "bar-3":
                    d = dataclasses.replace(d, options={"traffic_log": True, "traffic_log_path": str(self.traffic_path)})
                devices.append(d)
        self.hall = dataclasses.replace(hall, devices=tuple(devices))
        self.hub = hub
        self.sims = start_simulators(self.hall, tmp_path / "sim", control=False)
        self.bridge = Bridge(self.hall, hub.url, ports=self.sims.paths, traffic_dir=str(tmp_path / "traffic")).start()
        assert wait_for(lambda: self.bridge.link.connected.is_set()), "bridge did not connect to the hub"
        assert wait_for(lambda: all(s["online"] for d, s in self.bridge.devices().items()))
        self.clerk = hub.login("clerk3", "1111", window="w3")

    def shows(self, device_id):
        return self.sims.shows()[device_id]

    def hub_device(self, device_id):
        r = self.hub.get("/api/devices", token=self.clerk)
        return next(d for d in r.json() if d["id"] == device_id)

    def rating(self, ticket):
        """What the ticket's phone page says of its rating."""
        view = self.hub.get(f"/api/t/{ticket['token']}").json()["rating"]
        return {"score": view["score"], "allowed": view["allowed"]}

    def act(self, action, window="w3", **body):
        r = self.hub.post(f"/api/windows/{window}/{action}", body, token=self.clerk)
        assert r.status_code == 200, r.text
        return r.json()

    def stop(self):
        self.bridge.stop()
        self.sims.stop()


@pytest.fixture
def rig(hub, tmp_path):
    rig = Rig(hub, tmp_path)
    yield rig
    rig.stop()


def test_a_call_reaches_the_right_bar_with_the_right_bytes(rig):
    assert wait_for(lambda: rig.shows("bar-3") == "3号窗口 欢迎您")
    ticket = rig.hub.issue("m03")
    called = rig.act("call-next")["ticket"]
    assert called["number"] == ticket["number"]
    text = f"{ticket['number']} 请到3号窗口"
    assert wait_for(lambda: rig.shows("bar-3") == text)
    assert rig.shows("bar-4") == "4号窗口 欢迎您"
    frame = HallqProtocol().encode(m.ShowText(3, text, m.AUTO_SCROLL)).hex(" ")
    assert wait_for(lambda: f"TX {frame} |" in rig.traffic_path.read_text(encoding="utf-8"))
    assert wait_for(lambda: rig.sims.device("bar-3").blinks == 3)  # a call blinks to catch the eye
    assert wait_for(lambda: rig.hub_device("bar-3")["shows"] == text)


def test_a_keypad_press_calls_the_next_ticket(rig):
    ticket = rig.hub.issue("m03")
    rig.sims.press("keypad-3", "call")
    number = ticket["number"]
    assert wait_for(lambda: rig.shows("keypad-3") in (f"已呼叫 {number}", f"{number} 已呼叫"))
    windows = {w["id"]: w for w in rig.hub.get("/api/windows").json()}
    assert windows["w3"]["ticket"]["number"] == number
    assert wait_for(lambda: rig.shows("bar-3") == f"{number} 请到3号窗口")
    rig.sims.press("keypad-3", "call")  # still holding a ticket: the hub refuses, the keypad says why
    assert wait_for(lambda: rig.shows("keypad-3") not in (f"已呼叫 {number}", f"{number} 已呼叫"))
    rig.sims.press("keypad-3", "start")
    assert wait_for(lambda: rig.shows("bar-3") == f"{number} 正在办理")
    rig.sims.press("keypad-3", "pause")
    assert wait_for(lambda: rig.hub.get("/api/windows").json()[2]["state"] == "paused")


def test_a_pad_press_rates_the_ticket_just_finished(rig):
    ticket = rig.hub.issue("m03")
    rig.act("call-next")
    rig.act("start")
    rig.sims.press("pad-4", 5)  # nothing finished at window 4
    assert wait_for(lambda: rig.shows("pad-4") == "暂无评价业务")
    rig.act("finish")
    assert wait_for(lambda: rig.shows("pad-3") == "请您评价")
    assert wait_for(lambda: rig.shows("bar-3") == "3号窗口 欢迎您")
    rig.sims.press("pad-3", 2)
    assert wait_for(lambda: rig.shows("pad-3") == "感谢您的评价")
    assert rig.rating(ticket) == {"score": 2, "allowed": False}
    rig.sims.press("pad-3", 5)  # a second press does not rate again
    assert wait_for(lambda: rig.shows("pad-3") == "暂无评价业务")
    assert rig.rating(ticket)["score"] == 2


def test_unplug_and_replug_bring_back_the_current_text_and_the_hub_saw_it_offline(rig):
    first = rig.hub.issue("m03")
    rig.act("call-next")
    assert wait_for(lambda: rig.shows("bar-3") == f"{first['number']} 请到3号窗口")
    rig.sims.unplug("bar-3")
    assert wait_for(lambda: rig.hub_device("bar-3")["online"] is False)
    assert rig.hub_device("bar-3")["fault"] == "unplugged"
    rig.act("no-show")
    second = rig.hub.issue("m03")
    rig.act("call-next")
    rig.sims.device("bar-3").text = ""  # it lost its display with the power
    rig.sims.plug("bar-3")
    assert wait_for(lambda: rig.shows("bar-3") == f"{second['number']} 请到3号窗口")
    assert wait_for(lambda: rig.hub_device("bar-3")["online"] is True)
    alerts = [e for e in rig.hub.get("/api/events?after=0", token=rig.clerk).json() if e["type"] == "alert"]
    assert any(a.get("device") == "bar-3" for a in alerts)


def test_a_hub_restart_does_not_stall_the_bridge(rig):
    assert rig.hub.get("/api/health").status_code == 200
    rig.hub.restart()
    ticket = rig.hub.issue("m03")
    clerk = rig.hub.login("clerk4", "1111", window="w4")
    r = rig.hub.post("/api/windows/w4/call-next", token=clerk)
    assert r.status_code == 200, r.text
    assert wait_for(lambda: rig.shows("bar-4") == f"{ticket['number']} 请到4号窗口", timeout=20)


def test_a_press_while_the_hub_is_down_says_so_on_the_keypad(rig):
    rig.hub.stop()
    rig.sims.press("keypad-3", "call")
    assert wait_for(lambda: rig.shows("keypad-3") == "网络故障 请稍后")


def test_a_kiosk_ticket_for_the_printer_is_printed(rig):
    rig.hub.issue("m03", printer="printer-1")
    printer = rig.sims.printer("printer-1")
    assert printer.wait_for_slips(1, timeout=10)
    assert any("社会保障卡申领" in text for text in printer.slips[0].texts)


def test_a_materials_list_asked_at_the_kiosk_is_printed(rig):
    printer = rig.sims.printer("printer-1")
    before = len(printer.slips)
    r = rig.hub.post("/api/kiosk/print-materials", {"matter": "m03", "situation": "proxy-replace",
                                                    "printer": "printer-1"})
    assert r.status_code == 200, r.text
    assert r.json()["printed"] is True
    assert printer.wait_for_slips(before + 1, timeout=10)
    text = "\n".join(printer.slips[-1].texts)
    assert "授权委托书" in text and "一次性告知" in text
