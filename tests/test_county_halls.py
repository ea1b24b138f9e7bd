"""Three halls and their county, all real: the county server as its own
process on a real PostgreSQL (tests/countypg.py, tests/countyproc.py), three
hubs on loopback (tests/hubproc.py) each with a [county] section, traffic on
each. The county is killed with kill -9 mid-day and started again; one hub is
killed while a batch is on its way. In the end every event of every hall is
in the county exactly once, and each hall's own daily report and the county's
/api/county/halls agree for that hall and day."""
from __future__ import annotations

import psycopg
import pytest

from countyproc import CountyProcess, hallq
from hubproc import wait_for
from test_county_uplink import county_hall, hub_events

DAY = "2026-11-26"  # the hubs' clock (tests/hubproc.py DEFAULT_TIME)
TOKENS = {}  # (hub url, ticket id) -> the ticket's token, for the phone's rating
HALLS = {"qinghe": ("清河镇", 5), "xiaozhuang": ("小庄镇", 8), "dongba": ("东坝镇", 3)}  # name, tickets a round


@pytest.fixture
def county_and_halls(county_dsn, hub_factory, tmp_path):
    keys = {}
    for hall_id, (name, _) in HALLS.items():
        done = hallq("county", "add-hall", hall_id, "--name", name, dsn=county_dsn)
        assert done.returncode == 0, done.stderr
        keys[hall_id] = done.stdout.strip().splitlines()[-1]
    done = hallq("county", "user", "add", "boss", "--role", "county-manager", stdin="2468\n", dsn=county_dsn)
    assert done.returncode == 0, done.stderr
    county = CountyProcess(county_dsn).start()
    hubs = {h: hub_factory(h, config=county_hall(tmp_path, county.url, hall=h, key=keys[h])).start() for h in HALLS}
    yield county, hubs
    county.stop()


def traffic(hub, tickets, wait_minutes):
    """A round of the hall's day: tickets taken, time passing, two served at w1 (one rated), one no-show."""
    manager = hub.login("manager", "2222")
    for _ in range(tickets):
        t = hub.issue("m03")
        TOKENS[hub.url, t["id"]] = t["status_url"].rsplit("/", 1)[1]
    hub.advance(wait_minutes * 60)
    for rated in (True, False):
        called = hub.post("/api/windows/w1/call-next", token=manager).json()["ticket"]
        if called is None:
            break
        hub.post("/api/windows/w1/start", token=manager)
        hub.advance(180)
        hub.post("/api/windows/w1/finish", token=manager)
        if rated:
            hub.post(f"/api/tickets/{called['id']}/rating", {"score": 2, "token": TOKENS[hub.url, called["id"]]})
    if hub.post("/api/windows/w1/call-next", token=manager).json()["ticket"]:
        hub.post("/api/windows/w1/no-show", token=manager)
    return manager


def settled(hub):
    county = hub.get("/api/health").json()["county"]
    return county["state"] == "ok" and county["pending_events"] == 0


def test_three_halls_a_county_killed_and_a_hub_killed_every_event_once_and_the_figures_agree(county_and_halls,
                                                                                            county_dsn):
    county, hubs = county_and_halls
    for hall, hub in hubs.items():
        traffic(hub, HALLS[hall][1], wait_minutes=4)

    county.kill()  # kill -9, mid-day
    for hall, hub in hubs.items():
        traffic(hub, HALLS[hall][1], wait_minutes=12)  # the halls go on without it
    for hub in hubs.values():
        assert wait_for(lambda: hub.get("/api/health").json()["county"]["state"] == "unreachable", timeout=20)
        assert hub.get("/api/health").json()["county"]["pending_events"] > 0

    county.start()  # the same port, a new process (the fixture stops this one)
    victim = hubs["xiaozhuang"]
    traffic(victim, 10, wait_minutes=20)
    assert wait_for(lambda: victim.get("/api/health").json()["county"]["state"] == "ok", timeout=30)
    traffic(victim, 10, wait_minutes=3)
    victim.kill()  # kill -9 with a fresh batch on its way (the uplink sends half a second after a commit)
    victim.start()
    for hall, hub in hubs.items():
        traffic(hub, HALLS[hall][1], wait_minutes=1)

    for hub in hubs.values():
        assert wait_for(lambda: settled(hub), timeout=60), hub.get("/api/health").json()["county"]

    with psycopg.connect(county_dsn) as conn:
        for hall, hub in hubs.items():
            theirs = [r[0] for r in conn.execute(
                "SELECT event_id FROM events WHERE hall = %s ORDER BY event_id", (hall,))]
            assert theirs == [e["event_id"] for e in hub_events(hub, hub.login("manager", "2222"))]

    boss = county.login("boss", "2468")
    rows = {h["id"]: h for h in boss.get(county.url + f"/api/county/halls?date={DAY}", timeout=10).json()["halls"]}
    for hall, hub in hubs.items():
        manager = hub.login("manager", "2222")
        own = hub.get(f"/api/reports/daily?date={DAY}", manager).json()
        got = rows[hall]["today"]
        waiting = sum(q["waiting"] for q in hub.get("/api/queues").json())
        assert got["tickets"] == own["totals"]["issued"], hall
        assert got["served"] == own["totals"]["served"], hall
        assert got["waiting"] == waiting, hall
        assert got["mean_wait_min"] == own["totals"]["avg_wait_min"], hall
        assert got["served_within_15_min"] == own["served_within_15_min"], hall
        assert got["one_window_share"] == own["one_window_share"], hall
        assert got["ratings"] == {k: own["totals"]["ratings"][k] for k in "12345"}, hall
        assert got["ratings"]["2"] >= 3, hall  # one 差评 a round
        assert got["followups_open"] == len(hub.get("/api/followups", manager).json()), hall
    assert rows["xiaozhuang"]["today"]["tickets"] == 2 * 8 + 10 + 10 + 8


def test_a_published_catalogue_reaches_the_hall_the_next_day_and_the_county_sees_the_version(county_and_halls,
                                                                                            county_dsn, tmp_path):
    from hub.hallfile.model import demo_hall_path
    county, hubs = county_and_halls
    source = tmp_path / "county-catalog.toml"
    source.write_text(demo_hall_path().read_text(encoding="utf-8").replace(
        'name = "一次办不好投诉(找茬)"', 'name = "县统一: 一次办不好投诉"'), encoding="utf-8")
    done = hallq("county", "publish-catalog", str(source), dsn=county_dsn)
    assert done.returncode == 0, done.stderr
    hub = hubs["qinghe"]
    hub.restart()  # pulls at start (else within a minute)
    assert wait_for(lambda: (hub.get("/api/health").json()["checks"]["catalog"]["pending"] or {}).get("version") == 1)
    assert hub.get("/api/matters/m38").json()["name"] == "一次办不好投诉(找茬)"  # not mid-day
    hub.advance(86400 - 8 * 3600)  # 01:00 the next day
    assert wait_for(lambda: hub.get("/api/health").json()["county"]["catalog_version"] == 1, timeout=20)
    m38 = hub.get("/api/matters/m38").json()
    assert m38["name"] == "县统一: 一次办不好投诉" and m38["local"] is False  # the county lists every demo matter
    boss = county.login("boss", "2468")
    assert wait_for(lambda: {h["id"]: h for h in boss.get(county.url + "/api/county/halls", timeout=10).json()["halls"]}
                    ["qinghe"]["catalog_version"] == 1, timeout=20)
