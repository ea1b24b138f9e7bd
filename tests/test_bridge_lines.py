"""Serial lines against simulated devices on real ptys (no hub needed)."""
import os
import time

import pytest

from firmware_bridge import messages as m
from firmware_bridge.line import UNPLUGGED, Line, Target
from firmware_bridge.protocols.hallq import HallqProtocol
from firmware_bridge.protocols.vendor_led import VendorLedProtocol
from firmware_bridge.sim import SimDevice, SimLine
from firmware_bridge.traffic import TrafficLog
from firmware_bridge.transport import TransportError, open_transport
from hubproc import wait_for

HALLQ = HallqProtocol()


class Rig:
    """A simulated line with a bar (address 3) and a keypad (18), and the master's Line on it."""

    def __init__(self, tmp_path, traffic=None):
        self.bar = SimDevice("bar-3", "bar", 3, HALLQ)
        self.keypad = SimDevice("keypad-3", "keypad", 18, HALLQ)
        self.sim = SimLine([self.bar, self.keypad], str(tmp_path / "line"))
        self.sim.plug()
        self.events, self.statuses = [], []
        targets = [Target("bar-3", "bar", 3, HALLQ, poll_interval=0.2, reply_timeout=0.05, traffic=traffic),
                   Target("keypad-3", "keypad", 18, HALLQ, poll_interval=0.05, reply_timeout=0.05)]
        self.line = Line(self.sim.link_path, targets, on_event=lambda t, e: self.events.append((t.device_id, e)),
                         on_status=lambda t: self.statuses.append((t.device_id, t.online, t.shows, t.fault))).start()

    def target(self, device_id):
        return self.line.targets[device_id]

    def close(self):
        self.line.stop()
        self.sim.unplug()


@pytest.fixture
def rig(tmp_path):
    rig = Rig(tmp_path)
    yield rig
    rig.close()


def test_state_reaches_the_addressed_device_only(rig):
    rig.line.set_state("bar-3", [m.ShowText(3, "A012 请到3号窗口")])
    assert wait_for(lambda: rig.bar.shows == "A012 请到3号窗口")
    assert wait_for(lambda: rig.target("bar-3").shows == "A012 请到3号窗口")
    assert all(msg.address == 18 for msg in rig.keypad.received)
    assert rig.keypad.shows == ""


def test_a_key_press_is_delivered_once_and_acknowledged(rig):
    rig.keypad.press("call")
    rig.keypad.press("finish")
    assert wait_for(lambda: len(rig.events) == 2)
    assert [e.key for _, e in rig.events] == ["call", "finish"]
    assert wait_for(lambda: not rig.keypad._events)  # the device dropped both: they were acknowledged
    time.sleep(0.3)
    assert len(rig.events) == 2


def test_presses_survive_garbage_on_the_line(rig):
    rig.keypad.garbage = rig.bar.garbage = True
    for key in ("call", "recall", "no_show", "start", "finish", "pause"):
        rig.keypad.press(key)
    rig.line.set_state("bar-3", [m.ShowText(3, "A013 请到3号窗口")])
    assert wait_for(lambda: len(rig.events) >= 6 and rig.bar.shows == "A013 请到3号窗口")
    assert [e.key for _, e in rig.events] == list(m.KEYS)


def test_a_silent_device_goes_offline_and_gets_its_state_again_when_it_answers(rig):
    assert wait_for(lambda: rig.target("bar-3").online)
    rig.bar.silent = True
    assert wait_for(lambda: rig.target("bar-3").online is False)
    assert ("bar-3", False, "", None) in rig.statuses
    rig.line.set_state("bar-3", [m.ShowText(3, "A020 请到3号窗口")])
    rig.keypad.press("call")  # the rest of the line goes on meanwhile
    assert wait_for(lambda: rig.events)
    rig.bar.text = ""  # it lost its display while away
    rig.bar.silent = False
    assert wait_for(lambda: rig.bar.shows == "A020 请到3号窗口")
    assert wait_for(lambda: rig.statuses[-1][:3] == ("bar-3", True, "A020 请到3号窗口") or
                    ("bar-3", True, "A020 请到3号窗口", None) in rig.statuses)


def test_a_slow_device_does_not_stop_the_others(rig):
    rig.bar.slow = 0.7  # later than all three attempts (the line does not number its requests)
    assert wait_for(lambda: rig.target("bar-3").online is False)
    rig.keypad.press("start")
    rig.line.set_state("keypad-3", [m.DisplayLine(18, "A001 办理中")])
    assert wait_for(lambda: rig.events and rig.keypad.shows == "A001 办理中")
    rig.bar.slow = 0
    assert wait_for(lambda: rig.target("bar-3").online)


def test_unplug_and_replug_bring_the_current_text_back(rig):
    rig.line.set_state("bar-3", [m.ShowText(3, "A001 请到3号窗口")])
    assert wait_for(lambda: rig.bar.shows == "A001 请到3号窗口")
    rig.sim.unplug()
    assert wait_for(lambda: rig.target("bar-3").fault == UNPLUGGED and rig.target("keypad-3").online is False)
    rig.line.set_state("bar-3", [m.ShowText(3, "A002 请到3号窗口")])
    rig.bar.text = ""
    rig.sim.plug()  # a new pty behind the same path
    assert wait_for(lambda: rig.bar.shows == "A002 请到3号窗口")
    assert wait_for(lambda: rig.target("bar-3").online and rig.target("bar-3").fault is None)


def test_a_flash_shows_for_a_while_then_the_state_returns(rig):
    rig.line.set_state("keypad-3", [m.DisplayLine(18, "3号窗口 空闲")])
    assert wait_for(lambda: rig.keypad.shows == "3号窗口 空闲")
    rig.line.flash("keypad-3", [m.DisplayLine(18, "无人等候")], 0.3)
    assert wait_for(lambda: rig.keypad.shows == "无人等候")
    assert wait_for(lambda: rig.keypad.shows == "3号窗口 空闲")


def test_a_blink_asked_with_a_new_text_comes_after_it(rig):
    rig.line.set_state("bar-3", [m.ShowText(3, "A003 请到3号窗口")])
    rig.line.send_once("bar-3", m.Blink(3, 3, 5))
    assert wait_for(lambda: rig.bar.blinks == 3)
    sent = [type(msg) for msg in rig.bar.received if not isinstance(msg, m.Poll)]
    assert sent.index(m.ShowText) < sent.index(m.Blink)


def test_the_traffic_log_has_hex_and_decoded_lines(tmp_path):
    log = TrafficLog("bar-3", str(tmp_path / "traffic" / "bar-3.log"), max_bytes=1500, backups=2)
    rig = Rig(tmp_path, traffic=log)
    try:
        rig.bar.garbage = True
        rig.line.set_state("bar-3", [m.ShowText(3, "A012 请到3号窗口")])
        assert wait_for(lambda: rig.bar.shows == "A012 请到3号窗口")
        frame = HALLQ.encode(m.ShowText(3, "A012 请到3号窗口")).hex(" ")
        assert wait_for(lambda: os.path.exists(log.path) and "garbage" in open(log.path, encoding="utf-8").read())
        rig.bar.garbage = False
        for _ in range(15):  # enough traffic to rotate
            rig.line.set_state("bar-3", [m.ShowText(3, f"B{_:03d} 请到3号窗口")])
            wait_for(lambda: rig.bar.shows == f"B{_:03d} 请到3号窗口")
        assert os.path.exists(log.path + ".1")
        text = "".join(open(p, encoding="utf-8").read() for p in (log.path + ".2", log.path + ".1", log.path)
                       if os.path.exists(p))
        assert "TX 02 03 10" in text and "RX = Ack@3" in text
    finally:
        rig.close()
        log.close()
    assert frame.startswith("02 03 10 11 01")


def test_a_vendor_protocol_bar_on_its_own_line(tmp_path):
    vendor = VendorLedProtocol()
    bar = SimDevice("bar-9", "bar", 9, vendor)
    sim = SimLine([bar], str(tmp_path / "vendor"))
    sim.plug()
    line = Line(sim.link_path, [Target("bar-9", "bar", 9, vendor, reply_timeout=0.05)]).start()
    try:
        line.set_state("bar-9", [m.ShowText(9, "A012 请到9号窗口")])
        assert wait_for(lambda: bar.shows == "A012 请到9号窗口")
        assert wait_for(lambda: line.targets["bar-9"].online)
    finally:
        line.stop()
        sim.unplug()


def test_transports_open_from_urls_and_refuse_clearly(tmp_path):
    port = open_transport("loop://")
    port.write(b"\x02hallo")
    assert port.read(6) == b"\x02hallo"
    port.close()
    with pytest.raises(TransportError, match="无法打开串口"):
        open_transport(str(tmp_path / "nothing-here"))
    with pytest.raises(TransportError, match="未知参数 'speed'"):
        open_transport("serial:///dev/ttyUSB9?speed=9600")
    with pytest.raises(TransportError, match="baudrate"):
        open_transport("serial:///dev/ttyUSB9?baudrate=fast")
    with pytest.raises(TransportError, match="没有配置串口地址"):
        open_transport("")


def test_a_pty_path_and_a_serial_url_both_reach_the_simulator(tmp_path):
    bar = SimDevice("bar-1", "bar", 1, HALLQ)
    sim = SimLine([bar], str(tmp_path / "bar"))
    sim.plug()
    try:
        for url in (sim.pty_path, f"serial://{sim.link_path}?baudrate=19200"):
            port = open_transport(url)
            port.write(HALLQ.encode(m.Poll(1, 0)))
            decoder = HALLQ.decoder()
            got = []
            assert wait_for(lambda: got.extend(decoder.feed(port.read(64))) or got)
            assert got == [m.Ack(1)]
            port.close()
    finally:
        sim.unplug()


class BrokenProtocol:
    """A plug-in with a bug: its decoder raises."""
    name, kinds = "broken", frozenset({"bar"})

    def encode(self, message):
        return HALLQ.encode(message)

    def decoder(self):
        class Decoder:
            dropped = 0

            def feed(self, data):
                raise RuntimeError("vendor bug")

            flush = feed
        return Decoder()


def test_a_faulty_plug_in_protocol_does_not_stop_the_line(tmp_path):
    good = SimDevice("bar-1", "bar", 1, HALLQ)
    sim = SimLine([good, SimDevice("bar-2", "bar", 2, HALLQ)], str(tmp_path / "line"))
    sim.plug()
    line = Line(sim.link_path, [Target("bar-1", "bar", 1, HALLQ, reply_timeout=0.05),
                                Target("bar-2", "bar", 2, BrokenProtocol(), reply_timeout=0.05)]).start()
    try:
        line.set_state("bar-1", [m.ShowText(1, "A001 请到1号窗口")])
        assert wait_for(lambda: good.shows == "A001 请到1号窗口")
    finally:
        line.stop()
        sim.unplug()
