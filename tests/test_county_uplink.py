"""A real hub with [county] shipping its day to a county on loopback (the
stand-in of tests/countystub.py): every event arrives, at least once and
with no gap; a dead or slow county stops nothing in the hall and the backlog
waits on the hub's disk until the county is back; retention keeps what the
county has not acknowledged."""
import subprocess
import time

import pytest

from countystub import StubCounty
from hub.hallfile.model import demo_hall_path
from hubproc import HALLQ, ROOT, wait_for

KEY = "uplink-test-key-0123456789"


def county_hall(tmp_path, url, hall="town-a", key=KEY, extra=""):
    path = tmp_path / f"{hall}.toml"
    path.write_text(demo_hall_path().read_text(encoding="utf-8")
                    + f'\n[county]\nurl = "{url}"\nhall = "{hall}"\nkey = "{key}"\n{extra}', encoding="utf-8")
    return path


@pytest.fixture
def county():
    c = StubCounty({"town-a": KEY}).start()
    yield c
    c.down()


def hub_events(hub, token):
    out, after = [], 0
    while True:
        page = hub.get(f"/api/events?after={after}&limit=1000", token).json()
        if not page:
            return out
        out += page
        after = page[-1]["event_id"]


def serve_some(hub, token, n):
    for _ in range(n):
        hub.issue("m03")
    hub.post("/api/windows/w1/call-next", token=token)
    hub.post("/api/windows/w1/finish", token=token)


def caught_up(county, hub, token):
    mine = hub_events(hub, token)
    return county.acked("town-a") == (mine[-1]["event_id"] if mine else 0)


def test_a_hall_ships_every_event_to_the_county(tmp_path, hub_factory, county):
    hub = hub_factory(config=county_hall(tmp_path, county.url)).start()
    manager = hub.login("manager", "2222")
    serve_some(hub, manager, 12)
    assert wait_for(lambda: caught_up(county, hub, manager), timeout=15)
    mine = hub_events(hub, manager)
    assert sorted(county.events["town-a"]) == [e["event_id"] for e in mine]
    shipped = county.events["town-a"][mine[0]["event_id"]]
    assert shipped["type"] == mine[0]["type"] and isinstance(shipped["at"], float)
    assert shipped["data"]["at"] == mine[0]["at"]  # the hall's local time rides along
    status = subprocess.run(HALLQ + ["status", "--hub", hub.url], cwd=ROOT, capture_output=True, text=True)
    assert f"县平台上报：已同步，待上报 0 条，已确认到第 {mine[-1]['event_id']} 条" in status.stdout
    health = hub.get("/api/health").json()["county"]
    assert health == {"state": "ok", "pending_events": 0, "acked_through": mine[-1]["event_id"], "lag_s": 0,
                      "catalog_version": None}  # the county published none


def test_a_dead_county_stops_nothing_and_the_hall_catches_up_when_it_returns(tmp_path, hub_factory, county):
    hub = hub_factory(config=county_hall(tmp_path, county.url)).start()
    manager = hub.login("manager", "2222")
    county.down()
    started = time.monotonic()
    serve_some(hub, manager, 40)
    took = time.monotonic() - started
    assert wait_for(lambda: hub.get("/api/health").json()["county"]["state"] == "unreachable", timeout=10)
    health = hub.get("/api/health").json()["county"]
    assert health["pending_events"] >= 42 and health["acked_through"] == county.acked("town-a")
    hub.advance(2 * 3600)  # two hours without the county: the hall says so, and still works
    report = hub.get("/api/health").json()
    assert report["county"]["lag_s"] >= 7200 and any("县平台" in p for p in report["problems"])
    hub.issue("m03")
    ops = hub.get("/api/ops", manager).json()
    assert ops["county"]["state"] == "unreachable" and "无法连接" in ops["county"]["error"]
    county.start()  # same port
    assert wait_for(lambda: caught_up(county, hub, manager), timeout=30)  # back-off is at most ~8 s here
    assert sorted(county.events["town-a"]) == [e["event_id"] for e in hub_events(hub, manager)]
    assert hub.get("/api/health").json()["county"]["state"] == "ok"
    assert took < 20  # 40 tickets with the county gone: no waiting on it (a dead county answers nothing)


def test_a_slow_county_does_not_slow_a_ticket(tmp_path, hub_factory, county):
    county.slow = 3.0  # every answer takes three seconds
    hub = hub_factory(config=county_hall(tmp_path, county.url)).start()
    hub.issue("m03")
    time.sleep(0.5)  # the first batch is in flight now
    worst = 0.0
    for _ in range(20):
        t = time.monotonic()
        hub.issue("m03")
        worst = max(worst, time.monotonic() - t)
    assert worst < 1.0  # each ticket far quicker than one answer of the county
    manager = hub.login("manager", "2222")
    county.slow = 0
    assert wait_for(lambda: caught_up(county, hub, manager), timeout=30)


def test_a_hub_killed_mid_batch_sends_that_batch_again_and_loses_nothing(tmp_path, hub_factory, county):
    hub = hub_factory(config=county_hall(tmp_path, county.url)).start()
    manager = hub.login("manager", "2222")
    assert wait_for(lambda: caught_up(county, hub, manager))
    county.slow = 2.0
    asked = county.requests
    serve_some(hub, manager, 10)
    assert wait_for(lambda: county.requests > asked, timeout=5)  # a batch on its way, not yet answered
    hub.kill()
    county.slow = 0
    hub.start()
    manager = hub.login("manager", "2222")
    serve_some(hub, manager, 3)
    assert wait_for(lambda: caught_up(county, hub, manager), timeout=30)
    assert sorted(county.events["town-a"]) == [e["event_id"] for e in hub_events(hub, manager)]


def test_prune_keeps_the_events_the_county_has_not_acknowledged(tmp_path, hub_factory, county):
    config = county_hall(tmp_path, county.url)
    hub = hub_factory(config=config)
    hub.set_time(hub.now - 40 * 86400)  # a day forty days ago, never acknowledged: the county was down
    county.down()
    hub.start()
    manager = hub.login("manager", "2222")
    serve_some(hub, manager, 5)
    hub.stop()
    old = county.acked("town-a")
    run = subprocess.run(HALLQ + ["prune", "--days", "7", "--db", str(hub.db), "--config", str(config)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "县平台已确认到第" in run.stdout
    county.start()
    hub.set_time(hub.now + 40 * 86400)
    hub.start()
    manager = hub.login("manager", "2222")
    assert wait_for(lambda: caught_up(county, hub, manager), timeout=30)
    assert sorted(county.events["town-a"]) == [e["event_id"] for e in hub_events(hub, manager)]
    forty_days_old = [e for e in county.events["town-a"].values() if e["at"] < hub.now - 30 * 86400]
    assert old == 0 and len(forty_days_old) == 7  # 5 issued, 1 called, 1 finished: none pruned


def test_the_countys_catalogue_is_checked_at_once_and_applied_at_the_start_of_the_next_day(tmp_path, hub_factory,
                                                                                             county):
    from test_catalog_merge import demo_catalog
    catalog = demo_catalog(version=4)
    m03 = next(m for m in catalog["matters"] if m["id"] == "m03")
    m03["name"] = "县统一名称的事项"
    county.catalog = catalog
    hub = hub_factory(config=county_hall(tmp_path, county.url)).start()
    health = lambda: hub.get("/api/health").json()  # noqa: E731
    assert wait_for(lambda: health()["checks"]["catalog"]["pending"] is not None)
    assert health()["checks"]["catalog"]["pending"]["version"] == 4
    assert health()["county"]["catalog_version"] is None  # not mid-day
    assert hub.get("/api/matters/m03").json()["name"] != "县统一名称的事项"
    hub.set_time(hub.now + 86400 - 8 * 3600)  # 01:00 the next day
    assert wait_for(lambda: health()["county"]["catalog_version"] == 4, timeout=15)
    assert hub.get("/api/matters/m03").json()["name"] == "县统一名称的事项"
    flags = {m["id"]: m["local"] for m in hub.get("/api/matters").json()}
    assert flags["m38"] is True and flags["m03"] is False
    assert hub.issue("m03")["matter_name"] == "县统一名称的事项"
    assert wait_for(lambda: any(e["type"] == "catalog.applied" for e in county.events["town-a"].values()))
    applied = [e for e in county.events["town-a"].values() if e["type"] == "catalog.applied"]
    assert applied[0]["data"]["version"] == 4 and applied[0]["data"]["local"] == ["m38"]

    bad = demo_catalog(version=5)
    bad["matters"][0]["mode"] = "sometimes"
    county.catalog = bad
    hub.restart()  # pulls at start; and runs v4 again, as before the restart
    assert hub.get("/api/matters/m03").json()["name"] == "县统一名称的事项"
    assert wait_for(lambda: not health()["checks"]["catalog"]["ok"])
    report = health()
    assert report["county"]["catalog_version"] == 4
    assert any("县平台事项目录 v5 未采用" in p and "sometimes" in p and "继续使用v4" in p for p in report["problems"])
    ops = hub.get("/api/ops", hub.login("manager", "2222")).json()
    assert ops["county"]["catalog"]["refused"]["version"] == 5
    hub.set_time(hub.now + 86400)
    time.sleep(6)  # a rhythm turn: nothing pending, v4 stays
    assert health()["county"]["catalog_version"] == 4
