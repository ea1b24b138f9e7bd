"""Every rating reaches the provincial 好差评 system through the outbox: fields as the platform checks them,
retries across an outage and a kill -9, 差评 reasons, and appeals (申诉) changing the figures as specified."""
from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from hub.hallfile.model import demo_hall_path
from hubproc import free_port, wait_for

KEY = "demo-platform-key-0000"  # the demo hall's [platform] key


@pytest.fixture
def platform():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "platform", "sim", "--port", str(port), "--key", KEY],
                            stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    assert wait_for(lambda: _up(url), timeout=10)
    yield url
    proc.terminate()
    proc.wait(5)


def _up(url):
    try:
        return requests.get(url + "/api/ratings", timeout=1).ok
    except requests.ConnectionError:
        return False


def received(url):
    return requests.get(url + "/api/ratings", timeout=5).json()["ratings"]


@pytest.fixture
def hall(hub_factory, tmp_path, platform):
    text = demo_hall_path().read_text(encoding="utf-8").replace("http://127.0.0.1:8091/api/ratings",
                                                                platform + "/api/ratings")
    path = tmp_path / "platform-hall.toml"
    path.write_text(text, encoding="utf-8")
    return hub_factory(config=path).start()


def served(hub, clerk, window="w1"):
    """A ticket through window w1 to done; returns the ticket as issued (with its token)."""
    ticket = hub.issue("m03")
    for action in ("call-next", "start", "finish"):
        assert hub.post(f"/api/windows/{window}/{action}", token=clerk).status_code == 200
    return ticket


def rate(hub, ticket, score, reasons=()):
    return hub.post(f"/api/tickets/{ticket['id']}/rating",
                    {"score": score, "token": ticket["token"], "reasons": list(reasons)})


def test_a_phone_rating_reaches_the_platform_with_every_field(hall, platform):
    clerk = hall.login("clerk1", "1111", window="w1")
    ticket = served(hall, clerk)
    assert rate(hall, ticket, 2, ["等候时间长"]).status_code == 200
    assert wait_for(lambda: received(platform), timeout=15)
    [message] = received(platform)
    assert {k: message[k] for k in ("area_code", "ticket_number", "matter_code", "window", "staff", "score",
                                    "level", "channel", "reasons", "revision")} == {
        "area_code": "330102", "ticket_number": ticket["number"], "matter_code": "m03", "window": "1号窗口",
        "staff": "clerk1", "score": 2, "level": "不满意", "channel": "phone", "reasons": ["等候时间长"],
        "revision": 1}
    assert wait_for(lambda: hall.get("/api/health").json()["platform"] == {"state": "ok", "pending": 0})


def test_reasons_are_taken_only_from_the_halls_list_and_only_for_bad_ratings(hall):
    clerk = hall.login("clerk1", "1111", window="w1")
    ticket = served(hall, clerk)
    wrong = rate(hall, ticket, 1, ["我就是不满意"])
    assert wrong.status_code == 422 and "等候时间长" in wrong.json()["error"]["message"]
    assert rate(hall, ticket, 5, ["等候时间长"]).status_code == 422
    assert rate(hall, ticket, 1, ["等候时间长", "办事效率低"]).status_code == 200


def test_ratings_wait_in_the_outbox_through_an_outage_and_a_kill_and_arrive_once(hall, platform):
    requests.post(platform + "/control", json={"fail": 1000}, timeout=5)
    clerk = hall.login("clerk1", "1111", window="w1")
    tickets = [served(hall, clerk) for _ in range(3)]
    for t in tickets:
        assert rate(hall, t, 4).status_code == 200
    assert wait_for(lambda: hall.get("/api/health").json()["platform"]["state"] == "unreachable"
                    or _tried(platform) >= 1, timeout=15)
    assert hall.get("/api/health").json()["platform"]["pending"] == 3
    hall.kill()  # SIGKILL: the outbox rows are all that is left of the pending messages
    hall.start()
    requests.post(platform + "/control", json={"fail": 0}, timeout=5)
    hall.advance(15 * 60)  # past every row's back-off
    assert wait_for(lambda: len(received(platform)) == 3, timeout=20)
    assert sorted(m["ticket_number"] for m in received(platform)) == sorted(t["number"] for t in tickets)
    assert wait_for(lambda: hall.get("/api/health").json()["platform"]["pending"] == 0)


def _tried(platform):
    return requests.get(platform + "/api/ratings", timeout=5).json()["requests"]


def clerk_row(hub, manager, clerk="clerk1"):
    report = hub.get("/api/reports/daily?date=2026-11-26", token=manager).json()
    return next(r for r in report["clerks"] if r["clerk"] == clerk), report["totals"]


def test_an_upheld_appeal_leaves_the_clerks_figures_but_stays_in_the_totals_and_reaches_the_platform(hall, platform):
    clerk = hall.login("clerk1", "1111", window="w1")
    manager = hall.login("manager", "2222")
    good, bad = served(hall, clerk), served(hall, clerk)
    rate(hall, good, 5)
    rate(hall, bad, 1, ["工作人员态度不好"])
    row, totals = clerk_row(hall, manager)
    assert (row["satisfaction"], row["ratings"]["1"]) == (0.5, 1)
    other = hall.login("clerk2", "1111", window="w2")
    assert hall.post(f"/api/ratings/{bad['id']}/appeal", {"reason": "x"}, token=other).status_code == 403
    assert hall.post(f"/api/ratings/{good['id']}/appeal", {"reason": "x"}, token=clerk).status_code == 422
    appeal = hall.post(f"/api/ratings/{bad['id']}/appeal", {"reason": "群众对政策不满, 非服务问题"}, token=clerk)
    assert appeal.status_code == 200 and appeal.json()["appeal"] == "pending"
    followup = [f for f in hall.get("/api/followups", token=manager).json() if f["ticket"]["id"] == bad["id"]][0]
    assert followup["state"] == "appealed"
    decided = hall.post(f"/api/ratings/{bad['id']}/appeal/decide", {"decision": "uphold", "note": "核实"},
                        token=manager)
    assert decided.status_code == 200 and decided.json()["appeal"] == "upheld"
    row, totals = clerk_row(hall, manager)
    assert (row["satisfaction"], row["ratings"]["1"], row["appealed"]) == (1.0, 0, 1)
    assert (totals["ratings"]["1"], totals["appealed"]) == (1, 1)  # raw totals keep it, marked
    followup = [f for f in hall.get("/api/followups", token=manager).json() if f["ticket"]["id"] == bad["id"]][0]
    assert followup["state"] == "closed"
    assert wait_for(lambda: any(m["revision"] == 2 for m in received(platform)), timeout=15)
    upheld = [m for m in received(platform) if m["revision"] == 2]
    assert [(m["ticket_number"], m["appeal"]) for m in upheld] == [(bad["number"], "upheld")]


def test_a_rejected_appeal_changes_nothing_in_the_figures(hall):
    clerk = hall.login("clerk1", "1111", window="w1")
    manager = hall.login("manager", "2222")
    bad = served(hall, clerk)
    rate(hall, bad, 2, ["等候时间长"])
    before = clerk_row(hall, manager)
    hall.post(f"/api/ratings/{bad['id']}/appeal", {"reason": "不是我的问题"}, token=clerk)
    decided = hall.post(f"/api/ratings/{bad['id']}/appeal/decide", {"decision": "reject", "note": "态度确有问题"},
                        token=manager)
    assert decided.json()["appeal"] == "rejected"
    assert clerk_row(hall, manager) == before
    followup = [f for f in hall.get("/api/followups", token=manager).json() if f["ticket"]["id"] == bad["id"]][0]
    assert followup["state"] == "open"  # back where it was: the follow-up goes on
    again = hall.post(f"/api/ratings/{bad['id']}/appeal", {"reason": "再申诉"}, token=clerk)
    assert again.status_code == 409


def test_a_bad_ratings_follow_up_has_its_two_deadlines_and_is_overdue_after_the_first(hall):
    clerk = hall.login("clerk1", "1111", window="w1")
    manager = hall.login("manager", "2222")
    rate(hall, served(hall, clerk), 1, ["办事效率低"])
    [f] = hall.get("/api/followups", token=manager).json()
    assert (f["deadline"], f["rectify_deadline"]) == ("2026-12-01", "2026-12-03")  # Thu + 3 and + 5 working days
    assert not f["overdue"]
    hall.advance(6 * 86400)  # Wednesday 12-02: the 回访 deadline passed with nobody called back
    [f] = hall.get("/api/followups", token=hall.login("manager", "2222")).json()
    assert f["overdue"]


def test_where_the_hall_says_so_a_ticket_left_unrated_counts_as_the_default_level_marked(hub_factory, tmp_path,
                                                                                          platform):
    text = demo_hall_path().read_text(encoding="utf-8").replace("http://127.0.0.1:8091/api/ratings",
                                                                platform + "/api/ratings")
    path = tmp_path / "default-hall.toml"
    path.write_text(text.replace("default_after_days = 0", "default_after_days = 2"), encoding="utf-8")
    hall = hub_factory(name="defaults", config=path).start()
    clerk = hall.login("clerk1", "1111", window="w1")
    rated, unrated = served(hall, clerk), served(hall, clerk)
    rate(hall, rated, 4)
    hall.advance(3 * 86400)  # three days on, the hub restarted: it fills in the defaults at start
    hall.stop()
    hall.start()
    manager = hall.login("manager", "2222")
    totals = hall.get("/api/reports/daily?date=2026-11-26", token=manager).json()["totals"]
    assert (totals["ratings"]["5"], totals["ratings"]["4"], totals["defaulted"]) == (1, 1, 1)
    assert wait_for(lambda: any(m["defaulted"] for m in received(platform)), timeout=20)
    [default] = [m for m in received(platform) if m["defaulted"]]
    assert (default["ticket_number"], default["score"], default["channel"]) == (unrated["number"], 5, "default")
