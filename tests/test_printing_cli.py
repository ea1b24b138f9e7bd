"""`hallq print-ticket`, `hallq print-materials` and `hallq printer sim|status`,
run as a hall would run them, against a real hub's database."""
from __future__ import annotations

import queue
import subprocess
import sys
import threading

import pytest

from hubproc import ROOT, free_port
from kiosk.escpos_decode import decode

HALLQ = [sys.executable, "-m", "hub.cli.main"]
WAIT = 20  # seconds a condition may take on a loaded machine; never a speed check


def hallq(*args, stdin=None):
    return subprocess.run(HALLQ + [str(a) for a in args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, input=stdin)


@pytest.fixture(scope="module")
def hub(module_hub):
    """This module's tests only look at their own tickets; a test that calls tickets starts its own."""
    return module_hub


def reprint(hub, ticket, out, *extra):
    return hallq("print-ticket", ticket, "--db", hub.db, "--clock-file", hub.clock_file,
                 "--printer", f"file://{out}", *extra)


def test_print_ticket_to_a_file_url_reprints_what_the_hub_issued(hub, tmp_path):
    hub.issue("m03", situation="self-first")
    issued = hub.issue("m03", situation="self-first")
    out = tmp_path / "slips.bin"
    result = reprint(hub, issued["id"], out)
    assert result.returncode == 0, result.stderr
    assert f"号票 {issued['number']}" in result.stdout

    slip, = decode(out.read_bytes())
    assert issued["number"] in slip.texts
    assert slip.qr_codes == [issued["status_url"]]
    for n, material in enumerate(issued["materials"], 1):
        assert f"{n}. {material}" in slip.texts
    ahead = hub.get(f"/api/tickets/{issued['id']}").json()["ahead"]
    assert f"前面等候：{ahead} 人" in slip.texts
    assert "（补打）" in slip.texts


def test_print_ticket_finds_todays_number_and_appends_to_the_file(hub, tmp_path):
    first = hub.issue("m03", situation="self-first")
    out = tmp_path / "slips.bin"
    assert reprint(hub, first["number"], out).returncode == 0
    assert reprint(hub, first["id"], out).returncode == 0
    slips = decode(out.read_bytes())
    assert [s.qr_codes for s in slips] == [[first["status_url"]]] * 2


def test_reprint_of_a_called_ticket_names_its_window(hub_factory, tmp_path):
    hub = hub_factory("calling").start()
    issued = hub.issue("m03", situation="self-first")
    token = hub.login("clerk1", "1111", window="w1")
    called = hub.post("/api/windows/w1/call-next", token=token).json()["ticket"]
    assert called["id"] == issued["id"]
    out = tmp_path / "slips.bin"
    assert reprint(hub, issued["id"], out).returncode == 0
    slip, = decode(out.read_bytes())
    assert "当前状态：已叫号（1 号窗口）" in slip.texts
    assert not any(t.startswith("前面等候") for t in slip.texts)


def test_print_ticket_from_a_running_hub_over_http(hub, tmp_path):
    issued = hub.issue("m03", situation="self-first")
    out = tmp_path / "slips.bin"
    result = hallq("print-ticket", issued["number"], "--hub", hub.url, "--printer", f"file://{out}")
    assert result.returncode == 0, result.stderr
    slip, = decode(out.read_bytes())
    assert slip.qr_codes == [issued["status_url"]] and issued["number"] in slip.texts


@pytest.mark.parametrize("ticket, message", [("999", "找不到号票 999"), ("Z999", "找不到号票 Z999")])
def test_print_ticket_of_an_unknown_ticket_says_so(hub, tmp_path, ticket, message):
    result = reprint(hub, ticket, tmp_path / "slips.bin")
    assert result.returncode == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_print_ticket_without_a_database_says_so(tmp_path):
    result = hallq("print-ticket", "1", "--db", tmp_path / "none.db", "--printer", f"file://{tmp_path}/x.bin")
    assert result.returncode == 1 and "数据库文件不存在" in result.stderr


def test_print_ticket_to_an_unplugged_printer_fails_clearly(hub, tmp_path):
    issued = hub.issue("m03")
    result = hallq("print-ticket", issued["id"], "--db", hub.db, "--wait", "0.5",
                   "--printer", f"tcp://127.0.0.1:{free_port()}")
    assert result.returncode == 3 and "打印机未连接" in result.stderr


def test_bad_printer_url_is_refused(tmp_path):
    result = hallq("print-materials", "m03", "--printer", "lpt://1")
    assert result.returncode == 1 and "不受支持" in result.stderr


def test_print_materials_prints_the_situations_exact_list(tmp_path):
    from hub.hallfile.model import load_hall

    matter = load_hall().matter("m03")
    situation = matter.situations[0]
    out = tmp_path / "list.bin"
    result = hallq("print-materials", "m03", "--situation", situation.id, "--paper", 58,
                   "--printer", f"file://{out}")
    assert result.returncode == 0, result.stderr
    slip, = decode(out.read_bytes())
    assert "一次性告知单" in slip.texts
    text = "".join(t.strip() for t in slip.texts)
    for material in situation.materials:
        assert material in text
    assert all(len(t.encode("gb18030")) <= 32 for t in slip.texts if t)


def test_print_materials_of_an_unknown_situation_lists_the_choices():
    result = hallq("print-materials", "m03", "--situation", "nobody", "--printer", "file:///dev/null")
    assert result.returncode == 1 and "可选" in result.stderr


class SimProcess:
    """`hallq printer sim` in the background, its stdout read line by line."""

    def __init__(self):
        self.proc = subprocess.Popen(HALLQ + ["printer", "sim", "--port", "0"], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, fragment):
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no line with {fragment!r} in {seen}") from None
            seen.append(line)
            if fragment in line:
                return line

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def test_printer_sim_cli_shows_decoded_slips_and_switches_faults():
    sim = SimProcess()
    try:
        url = sim.wait_for("tcp://").split(": ", 1)[1]
        result = hallq("print-materials", "m03", "--printer", url)
        assert result.returncode == 0, result.stderr
        sim.wait_for("办理事项：社会保障卡申领")
        assert "ok" in hallq("printer", "status", "--printer", url).stdout
        sim.send("paper_out")
        sim.wait_for("故障: paper_out")
        status = hallq("printer", "status", "--printer", url)
        assert status.returncode == 3 and "paper_out" in status.stdout
    finally:
        sim.stop()
