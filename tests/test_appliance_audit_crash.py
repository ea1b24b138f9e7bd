"""An audited change and its audit row commit together: a hub killed with
SIGKILL at random moments, again and again, while staff act, leaves every
change with its audit row and every audit row with its change — both or
neither, never one of them."""
from __future__ import annotations

import random
import threading
import time

import requests

from hub.store.database import Store

ROUNDS = 10


def _staff_at_work(hub, stop):
    """Audited actions as fast as the hub takes them: green-channel tickets from the guide
    desk, notices, and now and then a manager's login (a session each; a PIN check is slow on
    purpose, so logins are kept rare). Returns the threads; each ends when the hub is gone."""
    session = requests.Session()

    def post(path, body, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return session.post(hub.url + path, json=body, headers=headers, timeout=10)

    tokens = {who: post("/api/login", {"user": who, "pin": pin}).json()["token"]
              for who, pin in (("guide", "5555"), ("manager", "2222"))}

    def guide():
        try:
            while not stop.is_set():
                post("/api/kiosk/staff-ticket", {"matter": "m03", "priority": "green", "reason": "elderly"},
                     tokens["guide"])
        except requests.RequestException:
            return

    def manager():
        try:
            for n in range(10**6):
                if stop.is_set():
                    return
                if n % 20 == 19:
                    post("/api/login", {"user": "manager", "pin": "2222"})
                post("/api/notice", {"notice": f"notice {n}"}, tokens["manager"])
        except requests.RequestException:
            return

    threads = [threading.Thread(target=guide) for _ in range(3)] + [threading.Thread(target=manager)]
    for t in threads:
        t.start()
    return threads


def test_a_hub_killed_again_and_again_leaves_every_audited_change_with_its_audit_row(hub):
    rng = random.Random(14)
    for round_ in range(ROUNDS):
        if round_:
            hub.start()
        stop = threading.Event()
        threads = _staff_at_work(hub, stop)
        time.sleep(rng.uniform(0.3, 1.2))
        hub.kill()  # SIGKILL: whatever transaction is open dies with the process
        stop.set()
        for t in threads:
            t.join(30)
    store = Store(hub.db)  # the hub is dead; the file is as the kill left it
    count = lambda sql, *params: store.query_one(sql, params)[0]  # noqa: E731

    green = count("SELECT COUNT(*) FROM tickets WHERE priority='green'")
    assert green > ROUNDS  # the staff did work in (nearly) every round
    assert count("SELECT COUNT(*) FROM audit WHERE action='ticket.issue' AND detail='green'") == green
    assert count("SELECT COUNT(*) FROM audit WHERE action='kiosk.green'") == green
    assert count("SELECT COUNT(*) FROM events WHERE type='ticket.issued' AND ticket_id IN "
                 "(SELECT id FROM tickets WHERE priority='green')") == green

    logins = count("SELECT COUNT(*) FROM sessions WHERE user='manager'")
    assert logins >= ROUNDS  # one a round at least
    assert count("SELECT COUNT(*) FROM audit WHERE action='login' AND user='manager'") == logins

    notices = count("SELECT COUNT(*) FROM audit WHERE action='hall.notice'")
    assert notices > 0 and count("SELECT COUNT(*) FROM events WHERE type='hall.changed'") == notices
    store.close()
