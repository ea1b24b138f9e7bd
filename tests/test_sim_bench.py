"""`hallq bench`: a real hub on a temporary database, boards on loopback."""
from __future__ import annotations

import json

from hub.bench.report import bench_text
from hub.cli.main import main


def test_a_tiny_bench_reports_every_figure(capsys):
    assert main(["bench", "--json", "--boards", "5", "--seconds", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["boards"] == 5 and doc["boards_connected"] == 5
    assert doc["tickets"] > 0 and doc["tickets_per_s"] > 0
    for key in ("ticket_ms", "call_to_board_ms", "call_answer_ms"):
        assert set(doc[key]) == {"p50", "p99"}
    assert 0 < doc["call_answer_ms"]["p50"]
    assert doc["ticket_ms"]["p50"] <= doc["ticket_ms"]["p99"]
    assert doc["calls"] > doc["calls_missed"] >= 0  # a busy CI machine may deliver a call late
    assert doc["call_to_board_ms"]["p50"] > 0
    assert [p["rate"] for p in doc["phases"]][:2] == [0, 10]  # calls alone first, then rising ticket rates
    assert 20 < doc["hub_rss_mb"] < 1000
    assert doc["errors"] == []
    assert doc["missed"] == doc["calls_missed"] and doc["tickets_per_s_before_bend"] <= doc["tickets_per_s"]
    assert doc["eta_range_ms"]["waiting"] == 150 and 0 < doc["eta_range_ms"]["p50"] <= doc["eta_range_ms"]["max"]
    text = bench_text(doc)  # what `hallq bench` prints without --json
    assert "出号耗时" in text and "综合屏" in text


def test_a_missed_call_counts_in_the_percentiles_instead_of_being_left_out():
    from hub.bench.run import report

    phases = [{"rate": 0, "tickets": 0, "tickets_per_s": 0.0, "ticket_ms": {"p50": None, "p99": None},
               "kept_up": True, "latencies": []}]
    calls = [(i, 100.0, 0, 0.004) for i in range(1, 11)]
    called = {i: (100.010, 2) for i in range(1, 10)}
    called[10] = (100.005, 1)  # one of the two boards never got call 10
    doc = report(2, phases, calls, called)
    assert doc["missed"] == 1 and doc["phases"][0]["missed"] == 1
    assert doc["call_to_board_ms"]["p99"] is None  # the endless delay is the p99
    assert doc["call_to_board_ms"]["p50"] == 10.0
    assert doc["call_answer_ms"] == {"p50": 4.0, "p99": 4.0} == doc["phases"][0]["call_answer_ms"]


def test_a_fifth_of_the_boards_are_ordinary_python_socketio_clients():
    from hub.bench.run import board_shares

    assert [(f.__name__, n) for f, n in board_shares(200, 2)] == [
        ("worker", 80), ("worker", 80), ("sio_worker", 20), ("sio_worker", 20)]
    assert [(f.__name__, n) for f, n in board_shares(5, 2)] == [("worker", 2), ("worker", 2), ("sio_worker", 1)]
    shares = board_shares(1000, 2)  # 200 python-socketio clients, at most 20 to a process
    assert sum(n for f, n in shares if f.__name__ == "sio_worker") == 200
    assert max(n for f, n in shares if f.__name__ == "sio_worker") == 20 and sum(n for _, n in shares) == 1000
