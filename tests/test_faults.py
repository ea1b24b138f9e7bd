"""Faults a hall meets over the years, each against the real hub process: the
disk fills up while tickets are issued, the system clock is stepped, the
database's directory is read-only at start, and a 20-kill `kill -9` loop
under four concurrent writers with a board watching."""
from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import threading
import time

import requests
from diskfull import fill, issue_until_full, mounted
from hub.client.link import HubLink
from hubproc import DEFAULT_TIME, HALLQ, KIOSK_KEY, ROOT, free_port, wait_for

KIOSK = {"X-Device-Key": KIOSK_KEY}
HOUR, DAY = 3600, 86400


def test_a_full_disk_pauses_issuing_with_a_503_loses_nothing_and_resumes_by_itself(hub_factory, tmp_path):
    with mounted(tmp_path / "small", "size=8m") as small:
        hub = hub_factory(name="small")
        hub.db = small / "hallq.db"
        hub.start()
        acknowledged = [hub.issue("m03") for _ in range(5)]
        filler = fill(small)
        more, full = issue_until_full(hub, KIOSK)
        acknowledged += more
        assert full.status_code == 503, full.text
        assert full.json()["error"]["code"] == "storage_full" and "暂停取号" in full.json()["error"]["message"]
        english = hub.post("/api/tickets", {"matter": "m03"}, headers=dict(KIOSK, **{"Accept-Language": "en"}))
        assert english.status_code == 503 and english.json()["error"]["message"].startswith("Ticket issuing paused")
        assert hub.get("/api/health").status_code in (200, 503)  # the hub still answers
        filler.unlink()  # space returns: no restart, no operator
        resumed = hub.post("/api/tickets", {"matter": "m03"}, headers=KIOSK)
        assert resumed.status_code == 201, resumed.text
        for ticket in acknowledged:
            again = hub.get(f"/api/tickets/{ticket['id']}").json()
            assert again["number"] == ticket["number"]
        numbers = [t["number"] for t in acknowledged] + [resumed.json()["number"]]
        assert len(set(numbers)) == len(numbers)
        hub.stop()


def test_a_read_only_database_directory_is_refused_with_its_path_and_no_traceback(tmp_path):
    with mounted(tmp_path / "ro", "ro,size=1m") as ro:
        db = ro / "hallq.db"
        done = subprocess.run(HALLQ + ["serve", "--db", str(db), "--port", str(free_port())],
                              cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert str(ro) in done.stderr and "不可写" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_clock_stepped_back_an_hour_and_forward_a_day_keeps_waits_numbers_and_deadlines(hub):
    first, second = hub.issue("m03"), hub.issue("m03")
    hub.set_time(DEFAULT_TIME - HOUR)  # NTP steps the clock back an hour
    third = hub.issue("m03")
    assert [t["number"] for t in (first, second, third)] == ["A001", "A002", "A003"]  # no reset, no reuse
    assert all(t["eta_minutes"] is None or t["eta_minutes"] >= 0 for t in (first, second, third))
    clerk = hub.login("clerk1", "1111", window="w1")
    called = hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]  # called "before" it was issued
    assert called["number"] == "A001"
    hub.post("/api/windows/w1/finish", token=clerk)
    low = hub.post(f"/api/tickets/{first['id']}/rating", {"score": 1, "token": first["token"]}).json()
    manager = hub.login("manager", "2222")
    report = hub.get("/api/reports/daily?date=2026-11-26", token=manager).json()
    assert report["totals"]["avg_wait_min"] >= 0 and report["totals"]["max_wait_min"] >= 0
    followup = next(f for f in hub.get("/api/followups", token=manager).json() if f["id"] == low["followup"])
    assert followup["deadline"].startswith("2026-12-01")  # Thu 11-26 + 3 working days: Fri, Mon, Tue
    for t in hub.get("/api/queues").json():
        assert t["waiting"] >= 0 and (t.get("eta_minutes") is None or t["eta_minutes"] >= 0)

    hub.set_time(DEFAULT_TIME + DAY - HOUR)  # forward a day: Friday 08:00
    assert wait_for(lambda: hub.get(f"/api/tickets/{second['id']}").json()["status"] == "expired")
    friday = hub.issue("m03")
    assert friday["number"] == "A001"  # numbering resets once for the new hall day
    hub.set_time(DEFAULT_TIME + DAY - 2 * HOUR)  # and back an hour again, the same day
    assert hub.issue("m03")["number"] == "A002"
    yesterday = hub.get(f"/api/tickets/{third['id']}").json()
    assert yesterday["status"] == "expired" and yesterday["number"] == "A003"


class Board:
    """What a board shows, through the hub-client library the boards use (hub/client): the latest
    call from each snapshot and each live or replayed call, with when it was learnt and how."""

    def __init__(self, url):
        self.seen, self.cond = [], threading.Condition()
        # with the board's device key, as hallq board runs: the device stream has no gaps in its event ids
        # the link's own retry schedule, as the boards and the bridge run it (hub.client.link.BACKOFF)
        self.link = HubLink(url, token="demo-board-1-key-0000", on_snapshot=self._snapshot, on_event=self._event).connect(10)

    def _learn(self, number, how):
        with self.cond:
            self.seen.append((time.monotonic(), number, how))
            self.cond.notify_all()

    def _snapshot(self, data):
        calls = data.get("calls") or []
        self._learn(calls[0]["ticket"]["number"] if calls else None, "snapshot")

    def _event(self, name, data):
        if name in ("ticket.called", "ticket.recalled"):
            self._learn(data["ticket"]["number"], "event")

    def snapshot_after(self, since, until):
        """When (monotonic) the first snapshot after `since` came, and the latest call it showed;
        None if none came by `until`."""
        with self.cond:
            while True:
                found = [(at, n) for at, n, how in self.seen if at >= since and how == "snapshot"]
                if found:
                    return found[0]
                left = until - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


def test_twenty_kill_9_under_four_writers_lose_nothing_repeat_nothing_and_boards_catch_up(hub_factory, tmp_path):
    hub = hub_factory().start()
    acknowledged, lock, running = [], threading.Lock(), threading.Event()
    keys = [KIOSK_KEY, "demo-kiosk-2-key-0000", "demo-query-1-key-0000", None]
    guide = hub.login("guide", "5555")

    def writer(key):
        session = requests.Session()
        session.headers.update({"X-Device-Key": key} if key else {"Authorization": f"Bearer {guide}"})
        while running.is_set():
            try:
                r = session.post(hub.url + "/api/tickets", json={"matter": "m03"}, timeout=3)
            except requests.RequestException:
                time.sleep(0.05)  # the hub is down: the kiosk tries again
                continue
            if r.status_code == 201:
                with lock:
                    acknowledged.append((r.json()["id"], r.json()["number"]))
            else:
                time.sleep(0.05)

    running.set()
    writers = [threading.Thread(target=writer, args=(k,), daemon=True) for k in keys]
    for w in writers:
        w.start()
    board = Board(hub.url)
    clerk = hub.login("clerk1", "1111", window="w1")
    restarts = []  # (seconds until /api/health answers, until the board shows the truth), from each restart
    try:
        for kill in range(20):
            wait_for(lambda: len(acknowledged) >= 10 * (kill + 1), timeout=20)
            hub.post("/api/windows/w1/finish", token=clerk)  # whatever it held (409 when free)
            called = hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]
            hub.kill()
            restarted = time.monotonic()
            hub.start()
            ready = time.monotonic() - restarted
            # the truth: the board is back, with the hub's snapshot, and it shows the call made before the kill
            seen = board.snapshot_after(restarted, until=restarted + 10.0)
            restarts.append((round(ready, 2), None if seen is None else round(seen[0] - restarted, 2)))
            assert seen is None or seen[1] == called["number"], (seen, called["number"])
    finally:
        running.clear()
        for w in writers:
            w.join(10)
        board.link.stop()
    with sqlite3.connect(hub.db) as conn:
        stored = dict(conn.execute("SELECT id, number FROM tickets").fetchall())
        repeated = conn.execute("SELECT day, first_queue, seq, COUNT(*) FROM tickets "
                                "GROUP BY day, first_queue, seq HAVING COUNT(*) > 1").fetchall()
    lost = [(i, n) for i, n in acknowledged if stored.get(i) != n]
    assert len(acknowledged) >= 200 and lost == [] and repeated == []
    # every restart: the board shows the truth, and within 2 s of the hub answering again (the
    # clients' part: the link's retry schedule and the port taken before the web layer loads);
    # from the new process's start, the usual restart within 2 s. The hub's own start (~0.6 s of
    # CPU) is what a loaded machine stretches: docs/operations.md 16b has the figures measured
    # here, every restart under 2 s at load 5, and the load they ran under.
    load = os.getloadavg()[0]
    assert all(truth is not None and truth - ready <= 2.0 for ready, truth in restarts), f"{restarts}, load {load:.1f}"
    assert statistics.median(truth for _, truth in restarts) <= 2.0, f"{restarts}, load {load:.1f}"
    print(f"restarts (health, truth) s: {restarts}, load {load:.1f}")
