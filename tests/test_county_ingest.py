"""The county's ingest against a real PostgreSQL: a real hall day (the hub's own
service wrote its event log) gives the county the hall's own figures, whatever
the order and the repeats of its batches."""
from __future__ import annotations

import random

import pytest

from countyday import DAY, HallDay, token_of
from hub.county.errors import CountyError
from hub.county.service import CountyActor

BOSS = CountyActor("boss", "county-manager", None)


def a_day(tmp_path):
    """Six tickets: four served (two at comprehensive window w1, one at professional w7, one at w1 rated 1),
    one no-show, one still waiting."""
    day = HallDay(tmp_path / "hall.db")
    a = [day.ticket("m01") for _ in range(4)]
    d = day.ticket(next(m.id for m in day.hall.matters if m.queue == "D"))
    waiting = day.ticket("m01")
    day.serve("w1", 3, score=5, token=a[0]["token"])        # A001 waits 3 min
    day.serve("w1", 10, score=1, token=a[1]["token"])       # A002 waits 3 + 4.5 + 10 = 17.5 min
    day.serve("w7", 0)                                      # D001
    day.clock.advance(60)
    day.svc.windows.call_next("w1", _manager())
    day.svc.windows.no_show("w1", _manager())                       # A003: no-show
    day.serve("w2", 1)                                      # A004
    return day, {"waiting": waiting, "d": d}


def _manager():
    from countyday import MANAGER
    return MANAGER


@pytest.fixture
def hall(county):
    key = county.add_hall("qinghe", "清河镇便民服务中心")
    return key


def ship(county, key, events, facts=None, after=None):
    body = {"hall": "qinghe", "events": events}
    if facts:
        body["facts"] = facts
    if after is not None:
        body["after"] = after
    return county.ingest(key, body)


def figures(county, day=DAY):
    (row,) = county.halls(BOSS, day)
    return row["today"]


def test_a_hall_day_gives_the_county_the_halls_own_figures(county, hall, tmp_path):
    day, _ = a_day(tmp_path)
    events = day.events()
    answer = ship(county, hall, events, facts=day.facts())
    assert answer == {"acked_through": len(events), "stored": len(events), "duplicates": 0}
    own = day.report()
    got = figures(county)
    assert got["tickets"] == own["totals"]["issued"] == 6
    assert got["served"] == own["totals"]["served"] == 4
    assert got["no_shows"] == 1 and got["waiting"] == 1
    assert got["mean_wait_min"] == own["totals"]["avg_wait_min"]
    assert got["served_within_15_min"] == own["served_within_15_min"]
    assert got["one_window_share"] == own["one_window_share"] == 0.75  # w1, w1, w2 of w1, w1, w7, w2
    assert got["ratings"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1}
    assert got["followups_open"] == 1


def test_waits_by_hand(county, hall, tmp_path):
    day, _ = a_day(tmp_path)
    ship(county, hall, day.events(), facts=day.facts())
    waits = sorted(r["first_called_at"] - r["first_issued_at"]
                   for r in day.store.query("SELECT * FROM tickets WHERE first_called_at IS NOT NULL"))
    got = figures(county)
    assert got["called"] == len(waits) == 5
    assert got["mean_wait_min"] == round(sum(waits) / len(waits) / 60, 1)
    assert got["served_within_15_min"] == round(sum(w <= 900 for w in waits) / len(waits), 4)
    p90 = waits[-1] / 60  # nearest rank of 5 waits: the 5th
    assert abs(got["p90_wait_min"] - p90) <= 0.25


def test_repeats_and_any_order_are_counted_once(county, hall, tmp_path):
    day, _ = a_day(tmp_path)
    events = day.events()
    once = None
    shuffled = events + random.Random(7).sample(events, len(events) // 2)
    random.Random(3).shuffle(shuffled)
    thirds = [shuffled[i::3] for i in range(3)]
    for part in thirds:
        answer = ship(county, hall, part, facts=day.facts())
    assert answer["acked_through"] == len(events)
    once = figures(county)
    ship(county, hall, events, facts=day.facts())  # everything again
    assert figures(county) == once
    assert once["tickets"] == 6 and once["served"] == 4 and once["waiting"] == 1
    assert once["mean_wait_min"] == day.report()["totals"]["avg_wait_min"]


def test_acked_through_is_the_highest_id_without_a_gap(county, hall, tmp_path):
    day, _ = a_day(tmp_path)
    events = day.events()
    assert ship(county, hall, events[3:6])["acked_through"] == 0
    assert ship(county, hall, events[:2])["acked_through"] == 2
    assert ship(county, hall, events[2:3])["acked_through"] == 6
    assert county.uplink_state(hall, "qinghe") == {"acked_through": 6}


def test_after_claims_ids_the_hub_never_had(county, hall, tmp_path):
    day, _ = a_day(tmp_path)
    events = day.events()
    assert ship(county, hall, events[10:], after=0)["acked_through"] == len(events)
    assert figures(county)["tickets"] <= 6


def test_a_key_of_another_hall_is_refused_and_stores_nothing(county, hall, tmp_path):
    county.add_hall("xiaozhuang", "小庄镇")
    day, _ = a_day(tmp_path)
    with pytest.raises(CountyError) as refused:
        county.ingest(hall, {"hall": "xiaozhuang", "events": day.events()})
    assert refused.value.status == 403 and refused.value.code == "wrong_hall"
    assert "qinghe" in refused.value.message()
    with pytest.raises(CountyError) as unknown:
        county.ingest("qinghe.wrong", {"hall": "qinghe", "events": []})
    assert unknown.value.status == 401
    assert all(h["events"] == 0 for h in county.halls(BOSS, DAY))


def test_a_malformed_batch_names_what_is_wrong_and_loses_nothing_accepted(county, hall, tmp_path):
    day, _ = a_day(tmp_path)
    events = day.events()
    ship(county, hall, events[:5])
    bad = [dict(e) for e in events[5:10]]
    bad[2] = dict(bad[2], event_id="seven")
    with pytest.raises(CountyError) as refused:
        ship(county, hall, bad)
    assert refused.value.status == 422 and "events[2].event_id" in refused.value.message()
    bad[2] = dict(events[7], at="yesterday")
    with pytest.raises(CountyError) as refused:
        ship(county, hall, bad)
    assert "events[2].at" in refused.value.message()
    assert county.uplink_state(hall, "qinghe") == {"acked_through": 5}
    assert ship(county, hall, events[5:])["acked_through"] == len(events)


def test_closing_the_day_expires_the_waiting_tickets(county, hall, tmp_path):
    day, left = a_day(tmp_path)
    day.svc.ops.close_day()
    events = day.events()
    ship(county, hall, events[-1:])  # the closing first: the tickets it expires arrive later
    ship(county, hall, events[:-1], facts=day.facts())
    got = figures(county)
    assert got["waiting"] == 0 and got["expired"] == 1
    assert day.report()["totals"]["expired"] == 1
