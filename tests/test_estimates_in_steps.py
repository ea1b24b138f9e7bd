"""The estimates computed in steps that yield (hub/rules/eta.py `between`, hub/service/estimates.py
`cooperate`, `refresh`): the same figures as in one go, nothing newer overwritten by something
older, and an Idempotency-Key acted on once while its answer waits for a range."""
from __future__ import annotations

import random
import threading
import time

import hub.service.estimates as estimates_module
from hub.hallfile.model import load_hall
from hub.rules import eta
from hub.rules.clock import FixedClock
from hub.service import compose
from hub.service.bus import EventBus
from hub.store.database import Store
from hub.service.estimates import FORECAST_INTERVAL

from test_eta_range import T0, weighted_hall_state

HALL = load_hall()
MATTERS = [m.id for m in HALL.matters if m.queue in ("A", "B", "C")]


def test_steps_that_yield_leave_the_forecast_and_the_runs_as_they_were():
    servers, waiting = weighted_hall_state(random.Random(7), n=300)
    calls = []
    service = {c.id: 120 + 37 * (c.id % 5) for c in waiting}
    plain = eta.forecast(servers, waiting, lambda c: service[c.id], T0)
    stepped = eta.forecast(servers, waiting, lambda c: service[c.id], T0, between=lambda: calls.append("f"))
    assert stepped == plain and calls.count("f") == len(plain) // eta.STEPS_BETWEEN

    def runs(between=None):
        rng = random.Random(3)
        return eta.forecast_runs(servers, waiting, lambda c, r: r.expovariate(1 / service[c.id]),
                                 lambda s, r: s.free_at, T0, 20, rng, between=between)
    assert runs(lambda: calls.append("r")) == runs() and calls.count("r") >= 20 * len(plain) // eta.STEPS_BETWEEN


def hall_with_waiting(tmp_path, n, cooperate=None):
    clock = FixedClock(T0)
    svc = compose(HALL, Store(str(tmp_path / "hall.db")), clock, EventBus(), cooperate=cooperate)
    for i in range(n):
        svc.tickets.issue(MATTERS[i % len(MATTERS)])
        clock.advance(5)
    return svc


def test_a_range_that_yields_is_computed_once_and_others_meanwhile_get_the_last_one(tmp_path, monkeypatch):
    monkeypatch.setattr(estimates_module, "SLICE_S", 0.0)  # yield at every step
    inner, armed = [], []

    def cooperate():
        if armed and not inner:  # a second ticket's answer, made while the first one's range is computed
            inner.append(svc.estimates.for_ticket(svc.tickets.get(2)))
        if armed:
            time.sleep(0.001)  # time given away: not the range's cost

    svc = hall_with_waiting(tmp_path, 40, cooperate)
    computed = []
    ranges = svc.estimates.ranges
    monkeypatch.setattr(svc.estimates, "ranges", lambda *a, **k: computed.append(1) or ranges(*a, **k))
    time.sleep(FORECAST_INTERVAL + 0.05)
    armed.append(True)
    svc.estimates.invalidate()
    began = time.monotonic()
    ahead, minutes, low_high = svc.estimates.for_ticket(svc.tickets.get(1))
    wall = time.monotonic() - began
    assert low_high is not None and low_high[0] <= minutes
    # the inner answer came from the ranges before (the last ones): a range, not a second computation
    assert inner and inner[0][2] is not None and len(computed) == 1
    # what the range cost (it sets how soon the next may run) is its own time, not the time it gave away
    assert svc.estimates._ranges_cost < wall / 2


def test_a_forecast_made_after_a_later_change_is_not_replaced_by_one_begun_before(tmp_path, monkeypatch):
    monkeypatch.setattr(estimates_module, "SLICE_S", 0.0)
    issued, armed = [], []

    def cooperate():  # while the refresh runs, a ticket is taken (its change makes a fresh forecast)
        if armed and not issued:
            issued.append(svc.tickets.issue(MATTERS[0]))

    svc = hall_with_waiting(tmp_path, 100, cooperate)
    svc.estimates.invalidate()
    armed.append(True)
    svc.estimates.refresh()
    # the forecast kept is the one made after the ticket was taken (read as kept, not made again)
    assert issued and issued[0]["id"] in svc.estimates._cache["waits"]


def test_with_very_many_waiting_changes_use_the_last_forecast_and_refresh_brings_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(estimates_module, "FRESH_LIMIT", 5)
    svc = hall_with_waiting(tmp_path, 10)
    svc.estimates.refresh()  # the hub's greenlet now refreshes: no change waits for a forecast
    new = svc.tickets.issue(MATTERS[0])
    assert new["id"] not in svc.estimates._current()["waits"]
    assert new["eta_minutes"] is not None  # its queue's wait for a new ticket, from the last forecast
    svc.estimates.refresh()
    assert new["id"] in svc.estimates._current()["waits"]


def test_the_same_idempotency_key_sent_twice_at_once_takes_one_ticket(hub):
    guide = hub.login("guide", "5555")
    for i in range(150):  # enough waiting that the next ticket's range takes a while (and yields)
        assert hub.post("/api/tickets", {"matter": MATTERS[i % len(MATTERS)]}, token=guide).status_code == 201
    time.sleep(1.5)  # the next ticket computes its range afresh
    answers = []

    def press():
        answers.append(hub.post("/api/tickets", {"matter": "m03"}, token=guide,
                                headers={"Idempotency-Key": "kiosk-7-press-1"}))

    presses = [threading.Thread(target=press) for _ in range(2)]
    for t in presses:
        t.start()
        time.sleep(0.003)
    for t in presses:
        t.join()
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert sorted(a.headers.get("Idempotent-Replay", "") for a in answers) == ["", "true"]
    assert sum(q["waiting"] for q in hub.get("/api/queues").json()) == 151
