"""Under pressure: concurrent clerks never share a ticket; a hub killed with
SIGKILL while issuing loses no acknowledged ticket and reuses no number."""
from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from hubproc import KIOSK_KEY

WINDOWS = ["w1", "w2", "w3", "w4", "w5", "w6", "w14", "w15"]


def test_eight_clerks_calling_next_concurrently_call_each_of_500_tickets_exactly_once(hub):
    manager = hub.login("manager", "2222")
    for tidal in ("w14", "w15"):
        hub.post(f"/api/windows/{tidal}/open", {"queues": ["A", "B", "C"]}, token=manager)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {manager}"  # staff: 500 tickets are more than a kiosk's minute
    issued = []
    for i in range(500):
        r = session.post(hub.url + "/api/tickets", json={"matter": ("m03", "m11", "m28")[i % 3]})
        assert r.status_code == 201
        issued.append(r.json()["id"])
    tokens = {w: hub.login(f"clerk{i % 6 + 1}" if w not in ("w14", "w15") else "manager",
                           "1111" if w not in ("w14", "w15") else "2222",
                           window=w if w not in ("w14", "w15") else None) for i, w in enumerate(WINDOWS)}
    called = []
    lock = threading.Lock()

    def clerk(window):
        s = requests.Session()
        headers = {"Authorization": f"Bearer {tokens[window]}"}
        while True:
            r = s.post(f"{hub.url}/api/windows/{window}/call-next", headers=headers)
            assert r.status_code == 200, r.text
            ticket = r.json()["ticket"]
            if ticket is None:
                return
            with lock:
                called.append(ticket["id"])
            assert s.post(f"{hub.url}/api/windows/{window}/finish", headers=headers).status_code == 200

    with ThreadPoolExecutor(len(WINDOWS)) as pool:
        list(pool.map(clerk, WINDOWS))
    assert Counter(called).most_common(1)[0][1] == 1
    assert sorted(called) == sorted(issued)


def test_a_hub_killed_while_issuing_keeps_every_acknowledged_ticket(hub):
    acknowledged = []
    stop = threading.Event()

    def issue():
        s = requests.Session()
        s.headers["X-Device-Key"] = KIOSK_KEY  # a kiosk: not held to a phone's few waiting tickets
        while not stop.is_set():
            try:
                r = s.post(hub.url + "/api/tickets", json={"matter": "m03"}, timeout=2)
            except requests.RequestException:
                return
            if r.status_code == 201:
                acknowledged.append((r.json()["id"], r.json()["number"]))

    workers = [threading.Thread(target=issue) for _ in range(4)]
    for w in workers:
        w.start()
    while len(acknowledged) < 150:
        threading.Event().wait(0.01)
    hub.kill()  # SIGKILL: no clean shutdown
    stop.set()
    for w in workers:
        w.join()

    with sqlite3.connect(hub.db) as conn:
        stored = dict(conn.execute("SELECT id, number FROM tickets").fetchall())
    assert all(stored.get(i) == n for i, n in acknowledged)

    hub.start()
    after = hub.issue("m03")
    numbers = set(stored.values())
    assert after["number"] not in numbers
    assert int(after["number"][1:]) == max(int(n[1:]) for n in numbers) + 1
