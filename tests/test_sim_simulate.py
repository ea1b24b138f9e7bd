"""`hallq simulate`: a hall day through the hub's own routing, and the M/M/c
check against Erlang C's closed form."""
from __future__ import annotations

import json

import pytest

from hub.rules import routing
from hub.cli.main import main
from hub.hallfile.model import load_hall
from hub.sim.town_day import POLICIES, World, dedicated_groups, dedicated_lines, town_day
from hub.sim.mmc import erlang_c, mmc

POLICY_KEYS = {"windows", "window_hours", "mean_wait_min", "p90_wait_min", "max_wait_min", "served_within_15_min",
               "per_queue"}


def run_json(capsys, *argv):
    assert main(["simulate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_town_day_prints_one_json_document_with_every_policy_and_the_eta_quality(capsys):
    doc = run_json(capsys, "town-day", "--tickets", "60", "--seed", "3")
    assert doc["scenario"] == "town-day"
    assert set(doc["policies"]) == set(POLICIES)
    for name, policy in doc["policies"].items():
        assert POLICY_KEYS <= set(policy), name
        assert policy["windows"] == 13  # the demo hall's windows other than the two tidal ones
        assert 0 <= policy["served_within_15_min"] <= 1
        assert policy["mean_wait_min"] <= policy["max_wait_min"]
        assert sum(q["tickets"] for q in policy["per_queue"].values()) == 60
        assert 0 < policy["utilization"] < 1
        assert {"comprehensive", "professional"} <= set(policy["utilization_by_kind"])
        for kind in policy["utilization_by_kind"].values():
            assert 0 <= kind["day"] <= kind["peak"] <= 1
    assert {"median_abs_error_pct", "p90_abs_error_pct"} <= set(doc["eta"])


def test_load_scales_the_day_and_the_busy_share_of_the_windows(capsys):
    quiet = run_json(capsys, "town-day", "--tickets", "100", "--seed", "2")
    busy = run_json(capsys, "town-day", "--tickets", "100", "--load", "2.5", "--seed", "2")
    assert (quiet["tickets"], busy["tickets"], busy["load"]) == (100, 250, 2.5)
    for name in POLICIES:
        assert busy["policies"][name]["utilization"] > 2 * quiet["policies"][name]["utilization"]
    # the same windows do the same work whatever the policy: only the order differs
    used = {round(p["utilization"], 2) for p in busy["policies"].values() if "added_window_hours" not in p}
    assert len(used) == 1


def test_several_runs_give_a_confidence_interval_and_a_chart(capsys, tmp_path):
    chart = tmp_path / "day.svg"
    doc = run_json(capsys, "town-day", "--tickets", "400", "--runs", "3", "--chart", str(chart))
    assert doc["runs"] == 3
    assert doc["policies"]["hallq"]["ci95"]["mean_wait_min"] >= 0
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<polyline") >= 4 and "全员通办" in svg


def test_the_table_without_json_is_in_chinese(capsys):
    assert main(["simulate", "town-day", "--tickets", "30"]) == 0
    out = capsys.readouterr().out
    assert "按部门分窗" in out and "平均等候" in out and "预计等候" in out


def test_the_same_seed_gives_the_same_day():
    hall = load_hall()
    a = town_day(hall, 50, seed=7, policies=("hallq",))["policies"]
    b = town_day(hall, 50, seed=7, policies=("hallq",))["policies"]
    assert a == b


def test_the_simulator_calls_the_hubs_routing(monkeypatch):
    calls = []
    real = routing.next_ticket

    def counting(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(routing, "next_ticket", counting)
    outcomes = town_day(load_hall(), 40, seed=2, policies=("hallq",))["outcomes"]["hallq"]
    assert len(calls) >= len(outcomes) == 40
    assert mmc(30, 8, 3, hours=20, seed=1)["tickets"] <= len(calls) - 40


def test_tidal_windows_open_on_a_surge_and_their_hours_are_counted():
    busy = town_day(load_hall(), 600, seed=1, policies=("hallq", "hallq_tidal"))["policies"]
    assert busy["hallq_tidal"]["added_window_hours"] > 0
    assert busy["hallq_tidal"]["window_hours"] > busy["hallq"]["window_hours"]
    assert busy["hallq_tidal"]["mean_wait_min"] < busy["hallq"]["mean_wait_min"]


def test_the_old_hall_gives_every_department_a_window_or_a_share_of_one():
    hall = load_hall()
    load = dedicated_lines(hall, World())
    groups = dedicated_groups(load, 13)
    assert sum(count for _, count in groups) == 13
    assert sorted(line for lines, _ in groups for line in lines) == sorted(load)
    busiest = max(load, key=load.get)
    assert next(count for lines, count in groups if busiest in lines) >= 2


# Erlang C ---------------------------------------------------------------------------
def test_erlang_c_matches_the_textbook():
    # 2 erlangs offered to 3 servers: P(wait) = 4/9 (e.g. Kleinrock, Queueing Systems vol. 1)
    p_wait, wq = erlang_c(arrivals_per_hour=15, service_minutes=8, windows=3)
    assert p_wait == pytest.approx(4 / 9)
    assert wq == pytest.approx(4 / 9 / (3 * 7.5 - 15) * 60)  # C / (c mu - lambda), in minutes
    # M/M/1 at rho = 0.5 with 10-minute services: Wq = rho / (mu - lambda) = 10 minutes
    assert erlang_c(3, 10, 1)[1] == pytest.approx(10.0)
    assert erlang_c(30, 8, 3)[1] is None  # overloaded: no steady state


def test_mmc_reproduces_erlang_c_within_5_percent(capsys):
    # load 0.5 on 3 windows; 15,000 hours is about 170,000 tickets: the standard error of the
    # mean wait is then about 1.2 %, so 5 % is four standard errors
    doc = run_json(capsys, "mmc", "--arrivals-per-hour", "11.25", "--service-minutes", "8", "--windows", "3",
                   "--hours", "15000", "--seed", "5")
    exact = doc["erlang_c_mean_wait_min"]
    assert exact == pytest.approx(erlang_c(11.25, 8, 3)[1], abs=1e-4)
    assert doc["policies"]["fifo"]["tickets"] > 150000
    assert doc["policies"]["fifo"]["mean_wait_min"] == pytest.approx(exact, rel=0.05)
    assert POLICY_KEYS <= set(doc["policies"]["fifo"])


def test_bad_options_are_refused_in_chinese(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "town-day", "--tickets", "0"])
    assert exit_.value.code == 2
    assert "--tickets" in capsys.readouterr().err
    bad = tmp_path / "day.csv"
    bad.write_text("hour_start,hour_end,share_of_daily_arrivals\n09:00,08:00,0.5\n", encoding="utf-8")
    assert main(["simulate", "town-day", "--arrivals", str(bad)]) == 2
    assert "第 2 行" in capsys.readouterr().err
    assert main(["simulate", "town-day", "--chart", str(tmp_path / "x.pdf")]) == 2
