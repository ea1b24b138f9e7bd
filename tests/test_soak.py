"""`hallq soak` runs the whole demo appliance (hub, simulators, bridge, headless
board with its announcer) and reports every process's memory. A short run
here checks that it works and what it prints; the goals (growth ≤ 5 MB per
process, hub + bridge + board ≤ 200 MB) are measured by the full 30,000-ticket
run, written up in docs/performance.md."""
import json
import subprocess
import sys

from hubproc import ROOT


def test_a_short_soak_runs_the_appliance_across_days_and_reports_each_process():
    run = subprocess.run([sys.executable, "-m", "hub.cli.main", "soak", "--json", "--tickets", "300",
                          "--per-day", "100"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    doc = json.loads(run.stdout)
    assert doc["tickets"] == 300 and doc["days"] == 3  # two day changes: sessions and numbering roll over
    assert set(doc["processes"]) == {"hub", "devices", "bridge", "board"}
    for name, figures in doc["processes"].items():
        assert set(figures) == {"rss_start_mb", "rss_warm_mb", "rss_end_mb"}, name
        assert all(isinstance(v, float) and 5 < v < 2000 for v in figures.values()), (name, figures)
    ends = doc["processes"]
    assert doc["appliance_rss_mb"] == round(sum(ends[n]["rss_end_mb"] for n in ("hub", "bridge", "board")), 1)
    assert doc["growth_mb"]["board"] == round(ends["board"]["rss_end_mb"] - ends["board"]["rss_warm_mb"], 1)
    assert "300/300" in run.stderr  # progress goes to stderr, the document alone to stdout


def test_soak_refuses_a_ticket_count_it_cannot_run_with_a_clear_message():
    run = subprocess.run([sys.executable, "-m", "hub.cli.main", "soak", "--tickets", "0"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--tickets" in run.stderr and "不小于 100" in run.stderr
