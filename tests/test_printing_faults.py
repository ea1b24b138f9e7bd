"""Printer faults through the simulator: the job is kept, the fault is
reported, and the kept job prints by itself once the fault clears."""
from __future__ import annotations

import threading

import pytest

from kiosk import printer_port
from kiosk.printer_port import PrinterUrlError, fault_from_status, parse_url
from kiosk.printer_sim import PrinterSim
from kiosk.spooler import Spooler

WAIT = 15  # seconds a condition may take on a loaded CI machine; never a speed check

SLIP = {"hall": "清河镇便民服务中心", "number": "A007", "queue_name": "社保医保",
        "matter_name": "社会保障卡申领", "materials": ["居民身份证"],
        "status_url": "http://hall.example.cn/t/Zx8kQ2mN4pR7sT1vW3yA"}


def number_of(slip):
    """The ticket number: the double-size line of a ticket slip."""
    return next(ln.text for ln in slip.lines if ln.width == 2)


class StatusLog:
    """on_status callback that tests can wait on."""

    def __init__(self):
        self.seen = []
        self._cond = threading.Condition()

    def __call__(self, status):
        with self._cond:
            self.seen.append(status)
            self._cond.notify_all()

    def wait_for(self, status, after=0):
        with self._cond:
            return self._cond.wait_for(lambda: status in self.seen[after:], WAIT)

    @property
    def last(self):
        return self.seen[-1] if self.seen else "nothing yet"


@pytest.fixture
def sim(tmp_path):
    printer = PrinterSim(paper_mm=80)
    yield printer
    printer.stop()


@pytest.fixture(params=["tcp", "pty"])
def printer_url(request, sim, tmp_path):
    if request.param == "tcp":
        return f"tcp://127.0.0.1:{sim.start_tcp(0)}"
    return f"serial://{sim.start_pty(link=str(tmp_path / 'printer'))}?baudrate=115200"


@pytest.fixture
def spool(printer_url):
    spoolers = []

    def make(**kwargs):
        log = StatusLog()
        spooler = Spooler(printer_url, on_status=log, retry_seconds=0.1, poll_seconds=0.2, **kwargs)
        spoolers.append(spooler)
        return spooler, log

    yield make
    for spooler in spoolers:
        spooler.stop()


def test_a_ready_printer_prints_the_slip_and_reports_ok(sim, spool):
    spooler, log = spool()
    spooler.submit(SLIP)
    assert spooler.wait_idle(WAIT)
    assert sim.wait_for_slips(1, WAIT)
    assert "A007" in sim.slips[0].texts and sim.slips[0].qr_codes == [SLIP["status_url"]]
    assert log.seen[0] is None and sim.status_requests >= 2  # asked before and after the job


@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline", "unplugged"])
def test_a_fault_keeps_the_job_reports_it_and_prints_it_after_recovery(sim, spool, fault):
    spooler, log = spool()
    assert log.wait_for(None)
    sim.set_fault(fault)
    spooler.submit(SLIP)
    assert log.wait_for(fault), f"reported {log.seen}"
    assert spooler.pending == 1 and not sim.slips
    assert spooler.status == fault

    mark = len(log.seen)
    sim.set_fault(fault, False)
    assert log.wait_for(None, after=mark), f"reported {log.seen}"
    assert sim.wait_for_slips(1, WAIT)
    assert spooler.wait_idle(WAIT)
    assert sim.slips[0].qr_codes == [SLIP["status_url"]]
    assert len(sim.slips) == 1 and spooler.pending == 0


def test_paper_running_out_during_a_job_reprints_it_in_full_after_reload(sim, spool):
    spooler, log = spool()
    sim.paper_left = 1  # one more slip on the roll
    first, second = dict(SLIP, number="A008"), dict(SLIP, number="A009")
    spooler.submit(first)
    spooler.submit(second)
    assert log.wait_for("paper_out")
    assert [number_of(s) for s in sim.slips] == ["A008"]
    assert spooler.pending == 1 and sim.lost == 1  # A009 was cut short, and kept

    sim.set_fault("paper_out", False)  # a new roll
    assert sim.wait_for_slips(2, WAIT)
    assert [number_of(s) for s in sim.slips] == ["A008", "A009"]
    assert spooler.wait_idle(WAIT)


def test_jobs_wait_in_order_behind_a_fault(sim, spool):
    spooler, log = spool()
    sim.set_fault("cover_open")
    for n in ("A010", "A011", "A012"):
        spooler.submit(dict(SLIP, number=n))
    assert log.wait_for("cover_open")
    sim.set_fault("cover_open", False)
    assert sim.wait_for_slips(3, WAIT)
    assert [number_of(s) for s in sim.slips] == ["A010", "A011", "A012"]


def test_paper_near_end_is_reported_but_printing_goes_on(sim, spool):
    spooler, log = spool()
    sim.set_fault("paper_near_end")
    spooler.submit(SLIP)
    assert sim.wait_for_slips(1, WAIT)
    assert log.wait_for("paper_near_end")
    assert spooler.wait_idle(WAIT)


def test_an_idle_spooler_notices_a_fault_before_anyone_prints(sim, spool):
    spooler, log = spool()
    assert log.wait_for(None)
    sim.set_fault("paper_out")
    assert log.wait_for("paper_out")
    sim.set_fault("paper_out", False)
    assert log.wait_for(None, after=log.seen.index("paper_out"))


def test_a_network_printer_dropping_an_idle_connection_is_not_a_fault(sim):
    url = f"tcp://127.0.0.1:{sim.start_tcp(0)}"
    log = StatusLog()
    spooler = Spooler(url, on_status=log, retry_seconds=0.1, poll_seconds=0.1)
    try:
        assert log.wait_for(None)
        asked = sim.status_requests
        sim.drop_connections()
        with sim._cond:  # two more idle polls, both on a new connection
            assert sim._cond.wait_for(lambda: sim.status_requests >= asked + 4, WAIT)
        spooler.submit(SLIP)
        assert sim.wait_for_slips(1, WAIT)
        assert log.seen == [None]
    finally:
        spooler.stop()


def test_a_printer_that_is_never_there_keeps_jobs_until_stop(tmp_path):
    log = StatusLog()
    spooler = Spooler(f"serial://{tmp_path}/no-such-printer", on_status=log, retry_seconds=0.1)
    try:
        spooler.submit(b"raw job\n")
        assert log.wait_for("unplugged")
        assert spooler.pending == 1
    finally:
        spooler.stop()
    assert spooler.pending == 1  # stopping does not drop what was not printed


def test_a_failing_status_callback_does_not_stop_printing(sim):
    url = f"tcp://127.0.0.1:{sim.start_tcp(0)}"

    def broken(status):
        raise RuntimeError("hub unreachable")

    spooler = Spooler(url, on_status=broken, retry_seconds=0.1)
    try:
        spooler.submit(SLIP)
        assert sim.wait_for_slips(1, WAIT)
    finally:
        spooler.stop()


# the status bytes an Epson-compatible printer answers to DLE EOT 1, 2 and 4
@pytest.mark.parametrize("printer, offline_cause, paper, fault", [
    (0x12, 0x12, 0x12, None),
    (0x12, 0x12, 0x1E, "paper_near_end"),
    (0x1A, 0x32, 0x7E, "paper_out"),
    (0x1A, 0x16, 0x12, "cover_open"),
    (0x1A, 0x52, 0x12, "offline"),
])
def test_status_bytes_map_to_the_halls_fault_names(printer, offline_cause, paper, fault):
    assert fault_from_status(printer, offline_cause, paper) == fault


def test_the_simulator_answers_like_a_printer_out_of_paper(sim):
    sim.set_fault("paper_out")
    replies = [sim.status_reply(n) for n in (1, 2, 4)]
    assert fault_from_status(*replies) == "paper_out"


@pytest.mark.parametrize("url, parsed", [
    ("tcp://192.168.1.50", ("tcp", "192.168.1.50", 9100)),
    ("tcp://printer.local:9101", ("tcp", "printer.local", 9101)),
    ("serial:///dev/ttyUSB0?baudrate=9600", ("serial", "/dev/ttyUSB0", 0)),
    ("file:///var/lib/hallq/slips.bin", ("file", "/var/lib/hallq/slips.bin", 0)),
    ("usb://0416:5011", ("usb", "0416:5011", 0)),
])
def test_printer_urls(url, parsed):
    p = parse_url(url)
    assert (p.scheme, p.target, p.port) == parsed


def test_usb_url_carries_vendor_and_product_ids():
    p = parse_url("usb://04b8:0e15")
    assert (p.vendor, p.product) == (0x04B8, 0x0E15)


@pytest.mark.parametrize("url, message", [
    ("lpt://1", "不受支持"), ("usb://epson", "VID:PID"), ("tcp://", "主机名"),
    ("serial://", "路径"), ("tcp://h:9100?timeout=soon", "timeout"), ("", "不受支持"),
])
def test_bad_printer_urls_are_refused_with_a_chinese_message(url, message):
    with pytest.raises(PrinterUrlError, match=message):
        parse_url(url)


def test_a_usb_printer_that_is_not_there_is_unplugged():
    with pytest.raises(printer_port.PrinterUnavailable):
        printer_port.open_port("usb://ffff:fffe")
