"""The county server over HTTP, as its own process on a real PostgreSQL: the
commands, the uplink's refusals, the staff routes, the bulletin's files, and
a kill -9 that loses nothing acknowledged."""
from __future__ import annotations

import io
import csv
import signal
import threading

import pytest
import requests

from countyproc import CountyProcess, hallq
from hub.county.synth import as_batch_events, facts, hall_day

DAY = "2026-12-07"


@pytest.fixture
def served(county_dsn):
    keys = {}
    for hall_id, name in (("qinghe", "清河镇"), ("xiaozhuang", "小庄镇")):
        done = hallq("county", "add-hall", hall_id, "--name", name, dsn=county_dsn)
        assert done.returncode == 0, done.stderr
        keys[hall_id] = done.stdout.strip().splitlines()[-1]
    done = hallq("county", "user", "add", "boss", "--role", "county-manager", stdin="2468\n", dsn=county_dsn)
    assert done.returncode == 0, done.stderr
    done = hallq("county", "user", "add", "qh", "--role", "county-manager", "--hall", "qinghe", stdin="1357\n",
                 dsn=county_dsn)
    assert done.returncode == 0, done.stderr
    server = CountyProcess(county_dsn).start()
    yield server, keys
    server.stop()


def post(server, key, body):
    return requests.post(server.url + "/api/uplink/events", json=body, timeout=30,
                         headers={"Authorization": f"Bearer {key}"} if key else {})


def test_the_key_is_printed_once_and_stored_only_as_a_hash(served, county_dsn):
    import psycopg
    server, keys = served
    with psycopg.connect(county_dsn) as conn:
        stored = [r[0] for r in conn.execute("SELECT key_hash FROM halls")]
    assert keys["qinghe"] not in stored and len(stored) == 2
    again = hallq("county", "add-hall", "qinghe", "--name", "x", dsn=county_dsn)
    assert again.returncode == 1 and "qinghe" in again.stderr


def test_uplink_refusals_have_the_error_shape(served):
    server, keys = served
    events = as_batch_events(hall_day(DAY, 20, seed=1))
    r = post(server, None, {"hall": "qinghe", "events": events})
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_key"
    r = post(server, keys["xiaozhuang"], {"hall": "qinghe", "events": events})
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_hall"
    r = requests.post(server.url + "/api/uplink/events", data="{not json", timeout=5,
                      headers={"Authorization": f"Bearer {keys['qinghe']}"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    bad = [dict(e) for e in events]
    del bad[4]["type"]
    r = post(server, keys["qinghe"], {"hall": "qinghe", "events": bad})
    assert r.status_code == 422 and "events[4].type" in r.json()["error"]["message"]
    r = requests.post(server.url + "/api/uplink/events", json={"hall": "qinghe", "events": events},
                      headers={"Authorization": f"Bearer {keys['qinghe']}", "Accept-Language": "en"}, timeout=5)
    assert r.json() == {"acked_through": len(events), "stored": len(events), "duplicates": 0}
    state = requests.get(server.url + "/api/uplink/state?hall=qinghe", timeout=5,
                         headers={"Authorization": f"Bearer {keys['qinghe']}"})
    assert state.json() == {"acked_through": len(events)}


def test_staff_see_their_halls_only(served):
    server, keys = served
    for hall_id, seed in (("qinghe", 1), ("xiaozhuang", 2)):
        events = as_batch_events(hall_day(DAY, 60, seed=seed))
        assert post(server, keys[hall_id], {"hall": hall_id, "events": events, "facts": facts()}).ok
    assert requests.get(server.url + "/api/county/halls", timeout=5).status_code == 401
    boss = server.login("boss", "2468")
    rows = boss.get(server.url + f"/api/county/halls?date={DAY}", timeout=5).json()["halls"]
    assert [r["id"] for r in rows] == ["qinghe", "xiaozhuang"]
    assert rows[0]["today"]["tickets"] == 60 and rows[0]["silent"] is False
    qh = server.login("qh", "1357")
    assert [r["id"] for r in qh.get(server.url + f"/api/county/halls?date={DAY}", timeout=5).json()["halls"]] == \
        ["qinghe"]
    assert qh.get(server.url + "/api/county/halls/xiaozhuang", timeout=5).status_code == 404
    detail = qh.get(server.url + f"/api/county/halls/qinghe?date={DAY}", timeout=5).json()
    assert sum(h["tickets"] for h in detail["hours"]) == 60
    assert {q["queue"] for q in detail["queues"]} <= set("ABCD")
    audit = boss.get(server.url + "/api/county/audit", timeout=5).json()["audit"]
    assert any(a["user"] == "qh" and a["action"] == "county.hall" for a in audit)


def test_the_bulletin_in_json_csv_and_xlsx(served, tmp_path, county_dsn):
    server, keys = served
    for hall_id, seed in (("qinghe", 1), ("xiaozhuang", 2)):
        events = as_batch_events(hall_day(DAY, 80, seed=seed))
        assert post(server, keys[hall_id], {"hall": hall_id, "events": events, "facts": facts()}).ok
    boss = server.login("boss", "2468")
    doc = boss.get(server.url + f"/api/county/report?from={DAY}&to={DAY}", timeout=10).json()
    assert [h["rank"] for h in doc["halls"]] == [1, 2]
    assert doc["total"]["tickets"] == 160 == sum(h["tickets"] for h in doc["halls"])
    items = {c["item"] for c in doc["halls"][0]["checklist"]}
    assert items == {"one_window_share", "informed_once", "rating_coverage", "followups_on_time", "cases_on_time"}
    r = boss.get(server.url + f"/api/county/report?from={DAY}&to={DAY}&format=csv", timeout=10)
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["排名", "大厅编号", "大厅"] and len(rows) == 4
    r = boss.get(server.url + f"/api/county/report?from={DAY}&to={DAY}&format=xlsx", timeout=10)
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["通报", "验收评估", "好差评"] and wb["通报"]._charts
    bad = boss.get(server.url + "/api/county/report?from=2026-13-01&to=2026-12-07", timeout=5)
    assert bad.status_code == 422 and "from" in bad.json()["error"]["message"]
    out = tmp_path / "b.xlsx"
    done = hallq("county", "report", "--from", DAY, "--to", DAY, "--format", "xlsx", "-o", str(out), dsn=county_dsn)
    assert done.returncode == 0, done.stderr and out.stat().st_size > 1000
    done = hallq("county", "report", "--from", DAY, "--to", DAY, "--format", "csv", dsn=county_dsn)
    assert done.stdout.splitlines()[0].startswith("排名,大厅编号")


def test_killed_mid_ingest_nothing_acknowledged_is_lost(served, county_dsn):
    server, keys = served
    events = as_batch_events(hall_day(DAY, 400, seed=5))
    acked = []
    stop = threading.Event()

    def ship():
        for i in range(0, len(events), 50):
            if stop.is_set():
                return
            try:
                r = post(server, keys["qinghe"], {"hall": "qinghe", "events": events[i:i + 50], "facts": facts()})
                acked.append(r.json()["acked_through"])
            except (requests.RequestException, ValueError):
                return

    sender = threading.Thread(target=ship)
    sender.start()
    while not acked:
        threading.Event().wait(0.01)
    server.kill(signal.SIGKILL)
    stop.set()
    sender.join()
    before = max(acked)
    assert 0 < before < len(events)
    server.start()
    state = requests.get(server.url + "/api/uplink/state?hall=qinghe", timeout=5,
                         headers={"Authorization": f"Bearer {keys['qinghe']}"}).json()
    assert state["acked_through"] >= before
    resumed = state["acked_through"]
    for i in range(resumed, len(events), 200):  # the hub resumes from what the county acknowledged
        r = post(server, keys["qinghe"], {"hall": "qinghe", "events": events[i:i + 200], "facts": facts()})
    assert r.json()["acked_through"] == len(events)
    boss = server.login("boss", "2468")
    (row,) = [h for h in boss.get(server.url + f"/api/county/halls?date={DAY}", timeout=5).json()["halls"]
              if h["id"] == "qinghe"]
    assert row["events"] == len(events) and row["today"]["tickets"] == 400


def test_the_catalogue_is_checked_published_and_pulled(served, county_dsn, tmp_path):
    server, keys = served
    auth = {"Authorization": f"Bearer {keys['qinghe']}"}
    r = requests.get(server.url + "/api/county/catalog", headers=auth, timeout=5)
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_catalog"
    from hub.hallfile.model import demo_hall_path
    broken = tmp_path / "broken.toml"
    broken.write_text(demo_hall_path().read_text(encoding="utf-8").replace('queue = "A"', 'queue = "Z"', 1),
                      encoding="utf-8")
    done = hallq("county", "publish-catalog", str(broken), dsn=county_dsn)
    assert done.returncode == 1 and "matters[0].queue" in done.stderr and "行" in done.stderr
    done = hallq("county", "publish-catalog", str(demo_hall_path()), dsn=county_dsn)
    assert done.returncode == 0 and "第 1 版" in done.stdout, done.stderr
    catalog = requests.get(server.url + "/api/county/catalog", headers=auth, timeout=5).json()
    assert catalog["version"] == 1 and catalog["matters"][0]["id"] == "m01"
    assert catalog["matters"][0]["materials"] == ["居民身份证", "户口簿", "参保登记表"]
    assert requests.get(server.url + "/api/county/catalog?known=1", headers=auth, timeout=5).json() == \
        {"version": 1, "unchanged": True}
    assert requests.get(server.url + "/api/county/catalog", timeout=5).status_code == 401
    assert server.login("boss", "2468").get(server.url + "/api/county/catalog", timeout=5).json()["version"] == 1


def test_failed_logins_are_audited_and_slowed_down(served):
    server, _ = served
    for _ in range(5):
        r = requests.post(server.url + "/api/login", json={"user": "boss", "pin": "0000"}, timeout=5)
        assert r.status_code == 401 and r.json()["error"]["code"] == "login_failed"
    r = requests.post(server.url + "/api/login", json={"user": "boss", "pin": "2468"}, timeout=5)
    assert r.status_code == 429 and r.json()["error"]["code"] == "login_throttled"
    assert "秒" in r.json()["error"]["message"]


def test_a_lost_database_connection_is_a_clear_503_and_the_next_request_reconnects(served, county_dsn, county_pg):
    import psycopg
    server, keys = served
    boss = server.login("boss", "2468")
    assert boss.get(server.url + "/api/county/halls", timeout=5).ok
    name = county_dsn.rsplit("/", 1)[1]
    with psycopg.connect(county_pg.dsn("postgres"), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname=%s", (name,))
    answers = [boss.get(server.url + "/api/county/halls", timeout=5) for _ in range(8)]
    refused = [r for r in answers if not r.ok]
    assert refused and all(r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"
                           for r in refused)
    assert answers[-1].ok
