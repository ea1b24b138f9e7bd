"""A hub killed at any moment (a crash, the power cord) comes back with every
ticket it acknowledged, and the lock it held does not keep it from starting."""
from __future__ import annotations

import signal
import threading

import requests

from hubproc import KIOSK_KEY


def test_hub_killed_during_ticket_load_restarts_with_every_acknowledged_ticket(hub):
    matters = requests.get(hub.url + "/api/matters", timeout=10).json()
    matter = (matters["matters"] if isinstance(matters, dict) else matters)[0]["id"]
    acknowledged, enough = [], threading.Event()

    def kiosk():
        session = requests.Session()
        session.headers["X-Device-Key"] = KIOSK_KEY  # a kiosk: not held to a phone's few waiting tickets
        while True:
            try:
                r = session.post(hub.url + "/api/tickets", json={"matter": matter}, timeout=10)
            except requests.RequestException:
                return  # the hub is gone
            if r.status_code == 201:
                acknowledged.append(r.json())
            if len(acknowledged) >= 20:
                enough.set()

    threads = [threading.Thread(target=kiosk) for _ in range(3)]
    for t in threads:
        t.start()
    enough.wait(60)
    hub.proc.send_signal(signal.SIGKILL)  # no clean shutdown, no lock release, no checkpoint
    hub.proc.wait()
    for t in threads:
        t.join(30)
    assert len(acknowledged) >= 20

    hub.start()  # the kernel dropped the dead hub's flock: the new hub starts
    for ticket in acknowledged:
        again = requests.get(f"{hub.url}/api/tickets/{ticket['id']}", timeout=10).json()
        assert (again["number"], again["queue"]) == (ticket["number"], ticket["queue"])
    numbers = [t["number"] for t in acknowledged]
    assert len(set(numbers)) == len(numbers)
    after = hub.issue(matter)
    assert after["id"] > max(t["id"] for t in acknowledged)  # numbering goes on, nothing reused
