"""The day's rhythm on a controlled clock: closing expires the waiting
tickets with a reason, the next day numbers again from 001, yesterday stays."""
from __future__ import annotations

import sqlite3

from hubproc import DEFAULT_TIME
from hubproc import wait_for


def test_closing_expires_waiting_tickets_and_the_next_day_starts_at_001(hub):
    first = hub.issue("m03")
    hub.issue("m03")
    clerk = hub.login("clerk1", "1111", window="w1")
    hub.post("/api/windows/w1/call-next", token=clerk)
    hub.post("/api/windows/w1/finish", token=clerk)
    hub.set_time(DEFAULT_TIME + 8 * 3600 + 60)  # 17:01, after the last period
    assert wait_for(lambda: hub.get("/api/queues").json()[0]["waiting"] == 0)
    second = hub.get(f"/api/tickets/{first['id'] + 1}").json()
    assert second["status"] == "expired"
    hub.set_time(DEFAULT_TIME + 24 * 3600)  # next morning, 09:00
    tomorrow = hub.issue("m03")
    assert tomorrow["number"] == "A001" and tomorrow["id"] != first["id"]
    with sqlite3.connect(hub.db) as conn:
        rows = conn.execute("SELECT day, number, status, reason FROM tickets ORDER BY id").fetchall()
    assert rows == [("2026-11-26", "A001", "done", None), ("2026-11-26", "A002", "expired", "closing"),
                    ("2026-11-27", "A001", "waiting", None)]


def test_a_hall_that_enforces_hours_refuses_tickets_when_closed(hub_factory, tmp_path):
    from hub.hallfile.model import demo_hall_path
    text = demo_hall_path().read_text(encoding="utf-8").replace("enforce = false", "enforce = true")
    config = tmp_path / "hall.toml"
    config.write_text(text, encoding="utf-8")
    hub = hub_factory(config=config, at=DEFAULT_TIME - 3 * 3600).start()  # 06:00
    r = hub.post("/api/tickets", {"matter": "m03"})
    assert r.status_code == 409 and "08:30-12:00" in r.json()["error"]["message"]
    hub.set_time(DEFAULT_TIME)
    assert hub.post("/api/tickets", {"matter": "m03"}).status_code == 201
