"""The uplink's rounds against a county that answers as the contract says:
resumed from the county's position, at least once, never ahead of it, with a
back-off that grows and jitters while the county is away. A real SQLite file;
the county is a fake link in the test (the HTTP side is in test_county_uplink.py)."""
import json

import pytest

from hub.hallfile.model import County
from hub.rules.clock import FixedClock
from hub.service.uplink import BACKOFF_MAX_S, HEARTBEAT_S, CountyError, Uplink, backoff_delay, encode_batch
from hub.store.database import Store, append_event
from hub.store.retention import held_through, prune_events

T0 = 1795654800.0


class FakeCounty:
    """Keeps events per id, answers the highest id with no gap below it."""

    def __init__(self):
        self.got, self.floor, self.bodies, self.away = {}, 0, [], False

    def acked(self):
        n = self.floor
        while n + 1 in self.got:
            n += 1
        return n

    def state(self, hall):
        if self.away:
            raise CountyError("无法连接县平台")
        return self.acked()

    def send(self, body):
        if self.away:
            raise CountyError("无法连接县平台")
        doc = json.loads(body)
        self.bodies.append(doc)
        if doc["events"] and self.acked() >= doc["after"]:
            self.floor = max(self.floor, doc["events"][0]["event_id"] - 1)
        for e in doc["events"]:
            self.got.setdefault(e["event_id"], e)
        return self.acked()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "hallq.db")
    yield s
    s.close()


def add_events(store, n, at=T0):
    with store.transaction() as conn:
        return [append_event(conn, at, "ticket.issued", {"n": i}) for i in range(n)]


def uplink(store, county, clock=None, batch=10):
    return Uplink(store, clock or FixedClock(T0), County("http://c", "town-a", "k" * 20, batch=batch), county,
                  rand=lambda: 0.5)


def test_events_go_in_batches_and_the_position_is_kept_in_the_database(store):
    county = FakeCounty()
    add_events(store, 25)
    up = uplink(store, county)
    delays = [up.round(), up.round(), up.round()]
    assert [len(b["events"]) for b in county.bodies] == [10, 10, 5]
    assert delays[:2] == [0.0, 0.0] and delays[2] > 0  # full batches go on at once, then it rests
    assert sorted(county.got) == list(range(1, 26))
    assert up.status()["acked_through"] == 25 and up.status()["pending_events"] == 0
    assert uplink(store, county).position() == 25  # a restarted hub starts there


def test_an_idle_hall_sends_a_heartbeat_with_its_facts_every_few_minutes(store):
    county, clock = FakeCounty(), FixedClock(T0)
    up = Uplink(store, clock, County("http://c", "town-a", "k" * 20), county, facts=lambda: {"timezone": "Asia/Shanghai"})
    up.round()
    up.round()
    assert [b["events"] for b in county.bodies] == [[]]  # one at start, then nothing to say
    clock.advance(HEARTBEAT_S)
    up.round()
    assert len(county.bodies) == 2 and county.bodies[1]["facts"] == {"timezone": "Asia/Shanghai"}


def test_the_facts_say_how_the_hall_counts_its_figures():
    from hub.hallfile.model import load_hall
    from hub.service.county_facts import hall_facts
    facts = hall_facts(load_hall(), catalog_version=3)
    assert facts["catalog_version"] == 3 and facts["timezone"] == "Asia/Shanghai"
    assert facts["queue_kinds"]["A"] == "comprehensive"
    assert 0 < facts["matters"]["complete"] <= facts["matters"]["total"] == 38
    assert facts["matters"]["business"] >= facts["matters"]["one_window"] > 0


def test_a_batch_carries_the_rows_as_stored(store):
    add_events(store, 1)
    rows = store.query("SELECT id, at, type, data FROM events")
    doc = json.loads(encode_batch("town-a", 0, rows))
    assert doc == {"hall": "town-a", "after": 0, "events": [
        {"event_id": 1, "at": T0, "type": "ticket.issued", "data": {"n": 0}}]}


def test_a_restarted_hub_resumes_from_what_the_county_acknowledged_not_from_its_own_note(store):
    county = FakeCounty()
    add_events(store, 5)
    uplink(store, county).round()
    county.got = {i: e for i, e in county.got.items() if i <= 3}  # the county lost two (restored)
    up = uplink(store, county)
    up.round()
    assert county.bodies[-1]["after"] == 3 and [e["event_id"] for e in county.bodies[-1]["events"]] == [4, 5]
    assert up.position() == 5


def test_the_county_going_back_mid_run_makes_the_hub_send_again_from_there(store):
    county = FakeCounty()
    add_events(store, 4)
    up = uplink(store, county)
    up.round()
    county.got = {1: county.got[1]}
    add_events(store, 1)
    up.round()  # sends 5 after 4: the county answers 1
    assert up.position() == 1
    up.round()
    assert county.acked() == 5 and up.position() == 5


def test_events_pruned_before_the_hall_joined_are_declared_absent(store):
    add_events(store, 30, at=T0 - 30 * 86400)
    add_events(store, 3)
    prune_events(store.transaction, days=7, now=T0, tz="Asia/Shanghai")
    first = store.query_one("SELECT min(id) FROM events")[0]
    assert first == 31  # ids 1..30 are gone
    county = FakeCounty()
    up = uplink(store, county)
    up.round()
    assert county.acked() == 33 and up.status()["state"] == "ok"


def test_a_county_that_is_away_is_asked_again_later_and_later_with_jitter(store):
    county = FakeCounty()
    county.away = True
    add_events(store, 3)
    up = uplink(store, county)
    delays = [up.round() for _ in range(12)]
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]  # jitter 0.5 -> factor 1.0
    assert delays[-1] == BACKOFF_MAX_S
    assert up.status()["state"] == "unreachable" and up.status()["pending_events"] == 3
    county.away = False
    assert up.round() > 0 and up.status()["state"] == "ok" and county.acked() == 3


def test_the_back_off_jitter_spreads_between_half_and_one_and_a_half():
    assert backoff_delay(3, 0.0) == 2.0 and backoff_delay(3, 0.999) == pytest.approx(5.996)
    assert backoff_delay(30, 0.5) == BACKOFF_MAX_S


def test_a_county_that_acknowledges_nothing_is_a_failure_not_a_busy_loop(store):
    class Deaf(FakeCounty):
        def send(self, body):
            return 0
    add_events(store, 3)
    up = uplink(store, Deaf())
    assert up.round() >= 0.5 and "没有确认" in up.status()["error"]


def test_unacknowledged_old_events_hold_back_and_report_as_behind(store):
    clock = FixedClock(T0 + 600)
    add_events(store, 3)
    up = uplink(store, FakeCounty(), clock=clock)
    status = up.status()
    assert status["state"] == "behind" and status["lag_s"] == 600 and status["pending_events"] == 3


def test_retention_keeps_what_the_county_has_not_acknowledged(store):
    old = add_events(store, 20, at=T0 - 30 * 86400)
    add_events(store, 2)
    county = FakeCounty()
    up = uplink(store, county, batch=5)
    up.round()  # the county has 1..5
    with store.reading() as conn:
        assert held_through(conn) == 5
        through = held_through(conn)
    prune_events(store.transaction, days=7, now=T0, tz="Asia/Shanghai", through=through)
    left = [r[0] for r in store.query("SELECT id FROM events ORDER BY id")]
    assert left == list(range(6, 23)) and old[0] not in left
    while up.round() == 0.0:
        pass
    assert county.acked() == 22  # nothing was lost on the way


def test_a_restored_hub_moves_its_ids_past_what_the_county_has(store):
    county = FakeCounty()
    county.got = {i: {"event_id": i} for i in range(1, 51)}  # the county saw 50 of this hall
    add_events(store, 10)  # the database came back from an older backup
    up = uplink(store, county)
    up.round()
    assert "第 50 条" in up.status()["notes"][0]
    assert add_events(store, 1) == [51]
    up.round()
    assert county.acked() == 51


def test_the_automatic_retention_after_closing_keeps_what_the_county_has_not_acknowledged(store):
    from dataclasses import replace

    from hub.hallfile.model import load_hall
    from hub.service import compose
    from hub.service.bus import EventBus
    hall = replace(load_hall(), county=County("http://c", "town-a", "k" * 20, batch=4, catalog=False))
    add_events(store, 10, at=T0 - 500 * 86400)  # older than the 400 days kept
    svc = compose(hall, store, FixedClock(T0), EventBus(), county_link=FakeCounty())
    svc.uplink.round()  # the county has 1..4, then goes away
    assert svc.ops.prune() == 4
    assert [r[0] for r in store.query("SELECT id FROM events ORDER BY id")] == list(range(5, 11))
    standalone = compose(load_hall(), store, FixedClock(T0), EventBus())
    assert standalone.ops.prune() == 5  # without [county] only the newest row stays


def test_a_batch_refused_as_too_large_is_sent_again_in_halves(store):
    class Strict(FakeCounty):
        def send(self, body):
            if len(json.loads(body)["events"]) > 3:
                raise CountyError("县平台拒绝了请求 (413 body_too_large)", status=413)
            return super().send(body)
    county = Strict()
    add_events(store, 10)
    up = uplink(store, county, batch=10)
    for _ in range(8):
        up.round()
    assert up.limit == 2 and county.acked() == 10
