"""The day's rhythm through a real hub on a controlled clock: closing expires
the waiting tickets, summarises the day (stored, served by /api/days), the
next morning numbers start again and nothing of yesterday is lost; and the
manager's view of the appliance, /api/ops."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hubproc import DEFAULT_TIME

from hub.service import day_summary
from hub.hallfile.model import demo_hall_path
from hub.store.database import Store
from hubproc import wait_for

ROOT = Path(__file__).resolve().parent.parent
MIN = 60
PAD_1 = "demo-pad-1-key-0000"


def rows(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_closing_summarises_the_day_and_the_next_day_starts_again(hub_factory):
    hub = hub_factory().start()
    tickets = [hub.issue("m03") for _ in range(5)]
    assert [t["number"] for t in tickets] == ["A001", "A002", "A003", "A004", "A005"]
    assert hub.post(f"/api/tickets/{tickets[4]['id']}/cancel", {"token": tickets[4]["token"]}).status_code == 200
    clerk = hub.login("clerk1", "1111", window="w1")

    def act(minutes, action, body=None, token=clerk):
        hub.set_time(DEFAULT_TIME + minutes * MIN)
        r = hub.post(f"/api/windows/w1/{action}", body, token=token)
        assert r.status_code == 200, (action, r.text)
        return r.json()

    assert act(5, "call-next")["ticket"]["number"] == "A001"   # waited 5 min
    act(10, "finish")
    act(10, "rating", {"score": 5}, token=PAD_1)
    assert act(25, "call-next")["ticket"]["number"] == "A002"  # waited 25 min
    act(26, "no-show")
    assert act(26, "call-next")["ticket"]["number"] == "A003"  # waited 26 min
    act(40, "finish")
    act(41, "rating", {"score": 1}, token=PAD_1)
    manager = hub.login("manager", "2222")
    today = hub.get("/api/days?from=2026-11-26&to=2026-11-26", token=manager).json()["days"]
    assert [(d["day"], d["final"], d["issued"], d["served"]) for d in today] == [("2026-11-26", False, 5, 2)]

    hub.set_time(DEFAULT_TIME + 8 * 3600 + 60)  # 17:01, after the last period
    assert wait_for(lambda: rows(hub.db, "SELECT count(*) FROM day_summaries")[0][0] == 1)
    expected = {"day": "2026-11-26", "issued": 5, "called": 3, "served": 2, "no_shows": 1, "expired": 1,
                "cancelled": 1, "mean_wait_min": 18.7, "max_wait_min": 26.0, "within_15_min": 1,
                "served_within_15_min": 0.3333, "ratings": {"5": 1, "4": 0, "3": 0, "2": 0, "1": 1},
                "rated": 2, "avg_rating": 3.0}
    days = hub.get("/api/days?from=2026-11-26&to=2026-11-26", token=manager).json()
    (summary,) = days["days"]
    assert {k: summary[k] for k in expected} == expected
    assert summary["final"] is True and summary["closed_at"].startswith("2026-11-26T17:01")
    assert hub.get(f"/api/tickets/{tickets[3]['id']}").json()["status"] == "expired"
    day = hub.get("/api/ops", token=manager).json()["day"]
    assert day["closed"] is True and day["last_closed_day"] == "2026-11-26"

    # the closing events: counts for everyone, the whole summary for staff only
    events = {t: (public, json.loads(data)) for t, public, data in rows(
        hub.db, "SELECT type, public, data FROM events WHERE type IN ('day.closed', 'day.summary')")}
    assert events.keys() == {"day.closed", "day.summary"}
    public, closed = events["day.closed"]
    assert public == 1 and closed["numbers"] == ["A004"] and closed["expired"] == 1
    assert closed["summary"] == {"issued": 5, "called": 3, "served": 2, "no_shows": 1, "expired": 1,
                                 "cancelled": 1}
    public, staff = events["day.summary"]
    assert public == 0 and {k: staff["summary"][k] for k in expected} == expected

    # the next morning: numbering starts again, yesterday is all there
    hub.set_time(DEFAULT_TIME + 24 * 3600)
    manager = hub.login("manager", "2222")  # yesterday's session has run out
    tomorrow = hub.issue("m03")
    assert tomorrow["number"] == "A001"
    assert rows(hub.db, "SELECT day, number, status FROM tickets ORDER BY id") == [
        ("2026-11-26", "A001", "done"), ("2026-11-26", "A002", "no_show"), ("2026-11-26", "A003", "done"),
        ("2026-11-26", "A004", "expired"), ("2026-11-26", "A005", "cancelled"), ("2026-11-27", "A001", "waiting")]
    assert rows(hub.db, "SELECT ticket_id, score FROM ratings ORDER BY ticket_id") == [
        (tickets[0]["id"], 5), (tickets[2]["id"], 1)]
    both = hub.get("/api/days?from=2026-11-26&to=2026-11-27", token=manager).json()["days"]
    assert [(d["day"], d["final"], d["issued"]) for d in both] == [("2026-11-26", True, 5), ("2026-11-27", False, 1)]
    assert both[0] == summary

    # a restart keeps the stored summary and does not close the day twice
    hub.restart()
    assert hub.get("/api/days?from=2026-11-26&to=2026-11-26", token=manager).json()["days"] == [summary]


def test_days_read_only_for_managers_with_checked_dates(hub):
    clerk, manager = hub.login("clerk1", "1111", window="w1"), hub.login("manager", "2222")
    assert hub.get("/api/days").status_code == 401
    assert hub.get("/api/days", token=clerk).status_code == 403
    default = hub.get("/api/days", token=manager).json()
    assert (default["from"], default["to"]) == ("2026-10-28", "2026-11-26")  # the last 30 days
    assert [d["day"] for d in default["days"]] == ["2026-11-26"] and default["days"][0]["final"] is False
    for query, field in (("from=2026-13-01", "from"), ("from=26-11-2026", "from"), ("to=2026-11-2", "to"),
                         ("from=2026-11-26&to=2026-11-25", "to"), ("from=2025-01-01&to=2026-11-26", "to")):
        r = hub.get(f"/api/days?{query}", token=manager)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_field", query
        assert field in r.json()["error"]["message"]
    assert hub.post("/api/days", token=manager).status_code == 405


def test_ops_shows_the_appliance_to_managers(hub_factory, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    text = demo_hall_path().read_text(encoding="utf-8")
    text = text.replace('dir = "backups"', f'dir = "{usb}"').replace('at = "18:30"', 'at = "18:00"')
    config = tmp_path / "hall.toml"
    config.write_text(text.replace("keep = 14 ", "keep = 3 "), encoding="utf-8")
    hub = hub_factory(config=config).start()
    clerk, manager = hub.login("clerk1", "1111", window="w1"), hub.login("manager", "2222")
    assert hub.get("/api/ops").status_code == 401
    assert hub.get("/api/ops", token=clerk).status_code == 403
    ops = hub.get("/api/ops", token=manager).json()
    assert set(ops) == {"at", "health", "day", "backup", "retention", "disk", "county", "platform"}
    assert ops["county"] is None  # no [county] in this hall file
    assert ops["platform"]["state"] in ("ok", "off") and ops["platform"]["pending"] == 0
    assert ops["health"]["status"] in ("ok", "degraded") and "database" in ops["health"]["checks"]
    assert ops["day"] == {"today": "2026-11-26", "working_day": True,
                          "periods": [["08:30", "12:00"], ["13:30", "17:00"]],
                          "closing_at": "2026-11-26T17:00:00+08:00", "expire_at_closing": True,
                          "closed": False, "last_closed_day": None}
    backup = ops["backup"]
    assert (backup["dir"], backup["path"], backup["keep"], backup["at"]) == (str(usb), str(usb), 3, "18:00")
    # never backed up: owed at once (the first timer tick after install makes one)
    assert backup["last"] is None and backup["due"] is True and backup["next_at"] == ops["at"]
    assert backup["check_every_minutes"] == 15
    assert ops["retention"]["event_retention_days"] == 400
    assert ops["disk"]["path"] == str(Path(hub.db).parent) and ops["disk"]["free_mb"] > 0
    assert ops["disk"]["database_mb"] > 0

    made = subprocess.run([sys.executable, "-m", "hub.cli.main", "backup", "--config", str(config), "--db", str(hub.db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    now = time.time()
    hub.set_time(now)  # the note holds real times: look at it from now
    manager = hub.login("manager", "2222")
    backup = hub.get("/api/ops", token=manager).json()["backup"]
    assert backup["last"]["ok"] is True and backup["last"]["target"].startswith(str(usb / "hallq-"))
    assert backup["due"] is False
    local = datetime.fromtimestamp(now, ZoneInfo("Asia/Shanghai"))
    six = local.replace(hour=18, minute=0, second=0, microsecond=0)
    expected = six if six > local else six + timedelta(days=1)
    assert backup["next_at"] == expected.isoformat()
    health = hub.get("/api/ops", token=manager).json()["health"]
    assert health["checks"]["backup"]["ok"] is True


def test_summaries_by_hand_and_days_the_hub_missed(tmp_path):
    rows_ = [
        {"id": 1, "status": "done", "first_issued_at": 0.0, "first_called_at": 15 * 60.0},  # exactly 15 min
        {"id": 2, "status": "done", "first_issued_at": 0.0, "first_called_at": 15 * 60.0 + 1},
        {"id": 3, "status": "waiting", "first_issued_at": 0.0, "first_called_at": None},
        {"id": 4, "status": "serving", "first_issued_at": 600.0, "first_called_at": 300.0},  # clock stepped back
    ]
    summary = day_summary.summarize("2026-11-26", rows_, {1: 4, 2: 2, 3: 5, 9: 1})
    assert summary == {"day": "2026-11-26", "issued": 4, "called": 3, "served": 2, "no_shows": 0, "expired": 0,
                       "cancelled": 0, "mean_wait_min": 10.0, "max_wait_min": 15.0, "within_15_min": 2,
                       "served_within_15_min": 0.6667, "ratings": {"5": 1, "4": 1, "3": 0, "2": 1, "1": 0},
                       "rated": 3, "avg_rating": 3.67}
    empty = day_summary.summarize("2026-11-28", [], {})
    assert empty["issued"] == 0 and empty["mean_wait_min"] is None and empty["avg_rating"] is None

    store = Store(tmp_path / "hallq.db")
    with store.transaction() as conn:
        days = ("2026-10-25", "2026-10-26", "2026-11-24", "2026-11-24", "2026-11-25", "2026-11-26")
        for n, day in enumerate(days, start=1):
            conn.execute("INSERT INTO tickets (day, queue, seq, number, matter, priority, status, token_hash, issued_at, "
                         "first_issued_at, first_queue) VALUES (?, 'A', ?, ?, 'm03', 'normal', 'expired', ?, 0, 0, 'A')",
                         (day, n, f"A{n:03d}", f"token-{n:020d}"))
        today = day_summary.record(conn, "2026-11-26", 1795654800.0)
    with store.reading() as conn:
        kept = day_summary.stored(conn, "2026-10-01", "2026-11-30")
    store.close()
    assert today["issued"] == 1
    assert [(d["day"], d["issued"], d["expired"]) for d in kept] == [  # back 31 days, no further
        ("2026-10-26", 1, 1), ("2026-11-24", 2, 2), ("2026-11-25", 1, 1), ("2026-11-26", 1, 1)]
