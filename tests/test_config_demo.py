"""The demo hall: what it holds, and that its generator reproduces it."""
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from hub.hallfile.model import DEVICE_KINDS, MATTER_SCOPES, WINDOW_KINDS, check_file, demo_hall_path, load_hall

REPO = Path(__file__).resolve().parent.parent
MATTERS_CSV = REPO / "config" / "town-hall-matters.csv"


@pytest.fixture(scope="module")
def hall():
    return load_hall()


def test_demo_hall_path_is_the_committed_file():
    assert demo_hall_path() == REPO / "config" / "demo-hall.toml"
    assert check_file(demo_hall_path()) == []


def test_demo_hall_has_38_matters_9_queues_15_windows(hall):
    assert hall.name == "清河镇便民服务中心"
    assert [m.id for m in hall.matters] == [f"m{i:02d}" for i in range(1, 39)]
    assert [q.id for q in hall.queues] == list("ABCDEFGHJ")
    assert [w.id for w in hall.windows] == [f"w{i}" for i in range(1, 16)]
    assert [w.number for w in hall.windows] == list(range(1, 16))
    assert hall.source == str(demo_hall_path())


def test_demo_hall_windows_are_of_the_required_kinds(hall):
    kinds = Counter(w.kind for w in hall.windows)
    assert kinds["comprehensive"] >= 4
    assert kinds["professional"] == 3
    for kind in ("output", "consult", "complaint", "help"):
        assert kinds[kind] == 1
    assert kinds["tidal"] == 2
    assert set(kinds) <= set(WINDOW_KINDS)
    for window in hall.windows:
        assert (window.profile == {}) == (window.kind == "tidal")
    def main_queues(window_id):
        return {q for q, weight in hall.window(window_id).profile.items() if weight >= 1}

    assert main_queues("w1") == {"A", "B", "C"}
    assert main_queues("w8") == {"D", "E"}
    assert main_queues("w13") == {"J"}
    # as a town staffs them: comprehensive windows the comprehensive queues, the others their own
    for window in hall.windows:
        if window.kind == "comprehensive":
            assert set(window.profile) == {"A", "B", "C"}
        elif window.kind == "professional":
            assert set(window.profile) <= {"D", "E"}
        elif window.kind != "tidal":
            assert len(window.profile) == 1


def test_every_queue_is_served_and_every_matter_has_a_queue(hall):
    served = {q for w in hall.windows for q in w.profile}
    assert served == {q.id for q in hall.queues}
    assert {m.queue for m in hall.matters} == set("ABCDEFGH")  # J: issued by the guide desk


def test_matters_are_routed_by_department_and_scope(hall):
    for m in hall.matters:
        assert m.scope in MATTER_SCOPES
        if m.scope == "one_window" and m.department in ("人社", "医保"):
            assert m.queue == "A", m.id
        elif m.scope == "professional":
            assert m.queue == ("D" if m.department in ("人社", "医保") else "E"), m.id
    assert hall.matter("m35").queue == "C"  # the 综合 certificate matter
    assert hall.matter("m11").queue == "B"
    assert (hall.matter("m36").queue, hall.matter("m37").queue, hall.matter("m38").queue) == ("G", "F", "H")


def test_shares_sum_to_one_and_common_matters_are_the_most_asked(hall):
    assert sum(m.share for m in hall.matters) == pytest.approx(1.0, abs=0.002)
    common = [m for m in hall.matters if m.common]
    assert len(common) == 8
    assert min(m.share for m in common) >= max(m.share for m in hall.matters if not m.common)


def test_promised_matters_have_days_and_every_matter_has_conditions(hall):
    for m in hall.matters:
        assert (m.promised_days > 0) == (m.mode == "promised"), m.id
        assert m.typical_minutes > 0 and m.conditions


def test_situations_give_the_exact_materials(hall):
    card = hall.matter("m03")  # 社会保障卡申领: who x first
    assert [q.id for q in card.questions] == ["who", "first"]
    assert [s.id for s in card.situations] == ["self-first", "self-replace", "proxy-first", "proxy-replace"]
    assert card.situation("proxy-replace").materials == (
        "居民身份证", "近期免冠照片", "原社会保障卡", "代办人居民身份证", "授权委托书")
    assert card.situation("self-first").answers == {"who": "self", "first": "first"}
    pension = hall.matter("m01")
    assert [s.id for s in pension.situations] == ["self", "proxy"]
    assert pension.situation("self").materials == pension.materials
    assert hall.matter("m36").situations == ()  # consultation asks nothing
    with_second = [m.id for m in hall.matters if len(m.questions) == 2]
    assert len(with_second) >= 4
    for m in hall.matters:
        for s in m.situations:
            if s.answers.get("who") == "proxy":
                assert s.materials[-2:] == ("代办人居民身份证", "授权委托书")


def test_devices_one_bar_keypad_pad_per_window_and_hall_devices(hall):
    assert len(hall.devices) == 51
    for n in range(1, 16):
        bar, keypad, pad = hall.device(f"bar-{n}"), hall.device(f"keypad-{n}"), hall.device(f"pad-{n}")
        assert (bar.kind, keypad.kind, pad.kind) == ("bar", "keypad", "pad")
        assert bar.window == keypad.window == pad.window == f"w{n}"
        assert (bar.address, keypad.address, pad.address) == (n, 20 + n, 40 + n)
    for did in ("printer-1", "board-1", "bridge-1", "kiosk-1", "kiosk-2"):
        assert hall.device(did).kind == did.split("-")[0] and hall.device(did).window is None
    assert hall.device("query-1").kind == "kiosk"  # the query terminal identifies as a kiosk
    assert hall.device_by_key("demo-bar-1-key-0000").id == "bar-1"
    keys = [d.key for d in hall.devices]
    assert len(set(keys)) == len(keys) and min(map(len, keys)) >= 16
    assert {d.kind for d in hall.devices} == set(DEVICE_KINDS)


def test_hours_calendar_and_rules(hall):
    assert hall.hours.periods == (("08:30", "12:00"), ("13:30", "17:00"))
    assert hall.hours.enforce is False and hall.hours.expire_at_closing is True
    assert "2026-10-01" in hall.calendar.holidays and "2026-02-17" in hall.calendar.holidays
    assert "2026-02-14" in hall.calendar.workdays  # 春节调休 (Saturday)
    assert any(d.startswith("2027-") for d in hall.calendar.holidays)
    assert hall.paper_mm == 80 and hall.printer == "" and hall.timezone == "Asia/Shanghai"
    assert hall.rules.recall_limit == 2 and hall.rules.case_alert_days == (1, 0)



def test_generator_reproduces_the_committed_file(tmp_path):
    out = tmp_path / "demo-hall.toml"
    subprocess.run([sys.executable, str(REPO / "tools" / "make_demo_hall.py"), str(MATTERS_CSV), "-o", str(out)],
                   check=True, capture_output=True)
    assert out.read_text(encoding="utf-8") == demo_hall_path().read_text(encoding="utf-8")


def test_generator_refuses_a_missing_csv_with_a_message(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "tools" / "make_demo_hall.py"),
                             str(tmp_path / "nope.csv"), "-o", str(tmp_path / "x.toml")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "找不到事项表" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.toml").exists()
