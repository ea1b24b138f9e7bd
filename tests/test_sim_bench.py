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
    for key in ("ticket_ms", "call_to_board_ms"):
        assert set(doc[key]) == {"p50", "p99"}
    assert doc["ticket_ms"]["p50"] <= doc["ticket_ms"]["p99"]
    assert doc["calls"] > doc["calls_missed"] >= 0  # a busy CI machine may deliver a call late
    assert doc["call_to_board_ms"]["p50"] > 0
    assert [p["rate"] for p in doc["phases"]][:2] == [0, 10]  # calls alone first, then rising ticket rates
    assert 20 < doc["hub_rss_mb"] < 1000
    assert doc["errors"] == []
    text = bench_text(doc)  # what `hallq bench` prints without --json
    assert "出号耗时" in text and "综合屏" in text
