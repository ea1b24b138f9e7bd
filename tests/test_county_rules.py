"""The county's pure rules: a ticket's state whatever the order of its events,
the p90 bucket, the acceptance checklist and the ranking; and the private
cluster that `hallq county` makes without --dsn."""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hub.county import figures as fig
from hub.county.report import build

ISSUED = "2026-12-07T09:00:00+08:00"


def ticket(status, window=None, queue="A"):
    return {"id": 7, "number": "A007", "queue": queue, "status": status, "window": window, "issued_at": ISSUED}


EVENTS = [
    (10, 1796605200.0, "ticket.issued", {"ticket": ticket("waiting")}),
    (14, 1796605500.0, "ticket.called", {"ticket": ticket("called", "w1"), "window": {"id": "w1", "kind": "comprehensive"}}),
    (15, 1796605530.0, "ticket.started", {"ticket": ticket("serving", "w1"), "window": {"id": "w1", "kind": "comprehensive"}}),
    (16, 1796605800.0, "ticket.finished", {"ticket": ticket("done", "w1"), "window": {"id": "w1", "kind": "comprehensive"}}),
    (18, 1796605820.0, "rating.received", {"ticket": {"id": 7}, "score": 4}),
]


def test_a_tickets_state_does_not_depend_on_the_order_of_its_events():
    states = set()
    for order in itertools.permutations(EVENTS):
        s = None
        for event in order:
            s = fig.apply_ticket_event(s, *event)
        states.add(tuple(sorted(s.items())))
    (only,) = states
    s = dict(only)
    assert s["status"] == "done" and s["score"] == 4 and s["first_queue"] == "A"
    assert s["first_called_at"] - s["issued_at"] == 300.0


def test_a_ticket_counts_where_the_hall_counts_it():
    s = None
    for event in EVENTS:
        s = fig.apply_ticket_event(s, *event)
    s["finish_class"] = fig.finish_class(s["window_kind"], s["queue"], {})
    sums, bucket = fig.contribution(s, "done", "Asia/Shanghai")
    day = sums[("day", "")]
    assert day["issued"] == day["called"] == day["served"] == day["within_15"] == 1
    assert day["wait_s"] == 300.0 and day["r4"] == 1 and day["at_comprehensive"] == day["at_business"] == 1
    assert sums[("hour", "09:00")]["issued"] == 1 and sums[("window", "w1")]["served"] == 1
    assert bucket == 10  # 300 s in 30-second steps
    # a later closing does not touch a finished ticket, but expires a waiting one
    assert fig.effective_status(s, [99]) == "done"
    assert fig.effective_status(dict(s, status="waiting"), [99]) == "expired"
    assert fig.effective_status(dict(s, status="waiting"), [3]) == "waiting"


def test_a_tidal_finish_counts_with_its_queues_kind():
    assert fig.finish_class("tidal", "A", {"A": "comprehensive"}) == "comprehensive"
    assert fig.finish_class("tidal", "D", {"D": "professional"}) == "professional"
    assert fig.finish_class("tidal", "A", {}) is None
    assert fig.finish_class("consult", "A", {"A": "comprehensive"}) is None


def test_p90_is_the_nearest_rank_bucket():
    assert fig.p90_bucket({}) is None
    assert fig.p90_bucket({0: 9, 40: 1}) == 0       # the 9th of 10 is in bucket 0
    assert fig.p90_bucket({0: 8, 40: 2}) == 40
    assert fig.bucket_minutes(40) == 20.25
    assert fig.acked_through(3, [4, 5, 7, 8]) == 5


def hall(hall_id, complete=40):
    return {"id": hall_id, "name": hall_id, "facts": {"matters": {"total": 40, "complete": complete}}}


def sums(comprehensive, business, served=100, rated=90):
    return {"issued": served, "called": served, "wait_s": served * 300.0, "within_15": served, "served": served,
            "at_comprehensive": comprehensive, "at_business": business, "r5": rated}


def test_the_checklist_and_the_ranking():
    met = {"a": {"followups_due": 2, "followups_on_time": 2, "cases_due": 4, "cases_on_time": 3},
           "b": {"followups_due": 0, "followups_on_time": 0, "cases_due": 1, "cases_on_time": 1}}
    doc = build([hall("a"), hall("b", complete=39)], {"a": sums(95, 100), "b": sums(80, 100, rated=50)},
                {"a": 10, "b": 30}, met, "2026-12-01", "2026-12-31")
    a, b = doc["halls"]
    assert (a["id"], a["rank"], b["rank"]) == ("a", 1, 2)
    passed = {c["item"]: c["passed"] for c in a["checklist"]}
    assert passed == {"one_window_share": True, "informed_once": True, "rating_coverage": True,
                      "followups_on_time": True, "cases_on_time": False}
    passed = {c["item"]: c["passed"] for c in b["checklist"]}
    assert passed == {"one_window_share": False, "informed_once": False, "rating_coverage": False,
                      "followups_on_time": None, "cases_on_time": True}
    assert b["flag"] is True and a["flag"] is False and b["one_window_share"] == 0.8
    assert doc["total"]["tickets"] == 200 and doc["total"]["one_window_share"] == 0.875
    assert doc["total"]["informed_once"] == round(79 / 80, 4)


def test_without_dsn_a_private_cluster_is_made_owned_by_an_unprivileged_account():
    work = tempfile.mkdtemp(prefix="hallq-county-private-")
    os.chmod(work, 0o755)
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run([sys.executable, "-m", "hub.cli", "county", "add-hall", "qinghe", "--name", "清河镇"],
                              cwd=work, env=dict(os.environ, PYTHONPATH=str(root)), capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1].startswith("qinghe.")
        folder = Path(work) / "var" / "county-pg"
        assert (folder / "PG_VERSION").exists()
        if os.geteuid() == 0:
            assert folder.stat().st_uid != 0  # PostgreSQL refuses root: the cluster runs as `postgres`
        assert not (folder / "postmaster.pid").exists()  # started for the command, stopped after it
    finally:
        shutil.rmtree(work, ignore_errors=True)
