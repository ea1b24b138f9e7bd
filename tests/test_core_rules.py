"""The hall's rules as pure functions: ticket states, routing, ETA."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from hub.rules import eta

from hub.rules import routing

from hub.rules import tickets as rules
from hub.rules.routing import Candidate
from hub.rules.tickets import IllegalAction, Ticket
from hub.service.windows import candidate

T0 = 1_800_000_000.0


def waiting_ticket(**kw):
    base = dict(id=1, number="A001", queue="A", matter="m01", first_issued_at=T0, issued_at=T0)
    return Ticket(**(base | kw))


# ticket states ------------------------------------------------------------------
def test_a_ticket_goes_waiting_called_serving_done():
    t = rules.call(waiting_ticket(), T0 + 60, window="w1", clerk="clerk1")
    assert (t.status, t.window, t.clerk, t.first_called_at) == ("called", "w1", "clerk1", T0 + 60)
    t = rules.start(t, T0 + 90)
    assert t.status == "serving"
    t = rules.finish(t, T0 + 400, outcome="accepted")
    assert (t.status, t.outcome, t.finished_at) == ("done", "accepted", T0 + 400)
    assert rules.wait_seconds(t) == 60 and rules.service_seconds(t) == 310


def test_recall_past_the_limit_makes_a_no_show():
    t = rules.call(waiting_ticket(), T0, window="w1")
    t = rules.recall(t, T0 + 30, limit=2)
    t = rules.recall(t, T0 + 60, limit=2)
    assert (t.status, t.recalls) == ("called", 2)
    t = rules.recall(t, T0 + 90, limit=2)
    assert t.status == "no_show"


def test_transfer_keeps_the_first_issue_time_and_returns_to_waiting():
    t = rules.start(rules.call(waiting_ticket(), T0 + 100, window="w1"), T0 + 120)
    moved = rules.transfer(t, T0 + 300, queue="D")
    assert (moved.status, moved.queue, moved.window, moved.transfers) == ("waiting", "D", None, 1)
    assert moved.first_issued_at == T0 and moved.issued_at == T0 + 300
    to_window = rules.transfer(t, T0 + 300, window="w7")
    assert to_window.target_window == "w7" and to_window.queue == "A"


@pytest.mark.parametrize("action", [
    lambda t: rules.start(t, T0), lambda t: rules.finish(t, T0), lambda t: rules.no_show(t, T0),
    lambda t: rules.recall(t, T0, limit=2), lambda t: rules.transfer(t, T0, queue="B")])
def test_actions_on_a_waiting_ticket_that_need_a_call_are_refused(action):
    with pytest.raises(IllegalAction) as exc:
        action(waiting_ticket())
    assert exc.value.key == "ticket_state" and exc.value.params["status"] == "waiting"


def test_cancel_and_expire_only_apply_before_service():
    assert rules.cancel(waiting_ticket(), T0).status == "cancelled"
    assert rules.expire(waiting_ticket(), T0).reason == "closing"
    serving = rules.start(rules.call(waiting_ticket(), T0, window="w1"), T0)
    for fn in (rules.cancel, rules.expire):
        with pytest.raises(IllegalAction):
            fn(serving, T0)


def test_a_rejection_needs_a_reason():
    called = rules.call(waiting_ticket(), T0, window="w1")
    with pytest.raises(IllegalAction) as exc:
        rules.finish(called, T0, outcome="rejected")
    assert exc.value.key == "reason_required"
    assert rules.finish(called, T0, outcome="rejected", reason="不属于本中心").reason == "不属于本中心"


# routing ------------------------------------------------------------------------
PROFILE = {"A": 1.0, "B": 1.0}


def test_green_channel_is_called_before_older_normal_tickets():
    old = Candidate(1, "A", since=T0)
    green = Candidate(2, "B", since=T0 + 600, priority="green")
    assert routing.next_ticket(PROFILE, [old, green], T0 + 700).id == 2


def test_due_appointments_come_after_green_and_before_normal():
    normal = Candidate(1, "A", since=T0)
    due = Candidate(2, "A", since=T0 + 500, priority="appointment", due_at=T0 + 600)
    not_yet = Candidate(3, "A", since=T0 + 10, priority="appointment", due_at=T0 + 9999)
    assert routing.next_ticket(PROFILE, [normal, due, not_yet], T0 + 700).id == 2
    assert routing.next_ticket(PROFILE, [normal, not_yet], T0 + 700).id == 1


def test_weights_favour_a_queue_but_an_old_ticket_elsewhere_still_wins():
    profile = {"A": 3.0, "B": 1.0}
    a = Candidate(1, "A", since=T0 + 600)  # at T0+1000: waited 400 s x 3 = 1200
    b = Candidate(2, "B", since=T0)  # waited 1000 s x 1 = 1000
    assert routing.next_ticket(profile, [a, b], T0 + 1000).id == 1
    newer_a = Candidate(3, "A", since=T0 + 800)  # waited 200 s x 3 = 600 < 1000
    assert routing.next_ticket(profile, [newer_a, b], T0 + 1000).id == 2


def test_a_window_never_takes_a_queue_outside_its_profile_or_anothers_transfer():
    other_queue = Candidate(1, "C", since=T0)
    for_w7 = Candidate(2, "A", since=T0, target_window="w7")
    assert routing.next_ticket(PROFILE, [other_queue, for_w7], T0 + 100, "w1") is None
    assert routing.next_ticket({"D": 1.0}, [for_w7], T0 + 100, "w7").id == 2


def test_tidal_windows_take_the_queues_under_most_load():
    load = {"A": 40.0, "B": 90.0, "C": 0.0, "F": 200.0}
    assert routing.pick_tidal_queues(load, 2, allowed={"A", "B", "C"}) == ["B", "A"]


candidates = st.lists(
    st.builds(Candidate, id=st.integers(1, 10**6), queue=st.sampled_from("ABCD"),
              since=st.floats(T0, T0 + 7200), priority=st.sampled_from(["normal", "normal", "green", "appointment"]),
              due_at=st.one_of(st.none(), st.floats(T0, T0 + 7200))),
    max_size=60, unique_by=lambda c: c.id)
profiles = st.dictionaries(st.sampled_from("ABCD"), st.floats(0.5, 4.0), min_size=1)


@settings(max_examples=200, deadline=None)
@given(candidates, st.lists(profiles, min_size=1, max_size=4))
def test_property_each_ticket_is_called_at_most_once_and_only_by_a_window_that_serves_it(waiting, windows):
    # The hall's loop in miniature: windows take turns, the rules pick from the waiting tickets as the hub
    # builds them (hub.service.windows.candidate) and the state machine moves the chosen one on.
    hall = {c.id: Ticket(id=c.id, number=f"{c.queue}{c.id}", queue=c.queue, matter="m", priority=c.priority,
                         first_issued_at=c.since, issued_at=c.since, due_at=c.due_at) for c in waiting}
    calls = []
    now = T0 + 7200
    for _ in range(len(hall) + 1):  # a call per round at least, or the loop is over
        progress = False
        for i, profile in enumerate(windows):
            pool = [candidate(t) for t in hall.values() if t.status == "waiting"]
            chosen = routing.next_ticket(profile, pool, now, f"w{i}")
            if chosen is None:
                continue
            assert chosen.queue in profile
            hall[chosen.id] = rules.call(hall[chosen.id], now, window=f"w{i}")
            calls.append(chosen.id)
            progress = True
            now += 60
        if not progress:
            break
    assert len(calls) == len(set(calls))
    served = set().union(*[set(p) for p in windows])
    left = [t for t in hall.values() if t.status == "waiting"]
    assert all(t.queue not in served for t in left)  # only unservable tickets are left
    assert len(calls) + len(left) == len(hall)


@settings(max_examples=200, deadline=None)
@given(candidates, profiles)
def test_property_green_channel_goes_first(waiting, profile):
    chosen = routing.next_ticket(profile, waiting, T0 + 7200, "w1")
    greens = [c for c in waiting if c.priority == "green" and c.queue in profile]
    if greens:
        assert chosen.priority == "green" and chosen.since == min(g.since for g in greens)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.floats(0.1, 10.0))
def test_property_nothing_starves_under_a_stream_of_new_tickets_in_a_heavier_queue(arrivals, weight):
    """A B ticket waits while A tickets keep coming; its weighted wait overtakes them."""
    profile = {"A": weight, "B": 1.0}
    old_b = Candidate(0, "B", since=T0)
    pool = [old_b]
    now = T0
    for i in range(1, 10_000):
        now += 60
        pool.append(Candidate(i, "A", since=now))
        chosen = routing.next_ticket(profile, pool, now, "w1")
        pool.remove(chosen)
        if chosen.id == 0:
            break
    else:
        pytest.fail("the B ticket was never called")
    assert (now - T0) <= 60 * (weight + 2)


# ETA ----------------------------------------------------------------------------
def test_eta_runs_the_policy_forward_over_open_windows():
    servers = [eta.Server("w1", {"A": 1.0}, free_at=T0), eta.Server("w2", {"A": 1.0}, free_at=T0 + 300)]
    waiting = [Candidate(i, "A", since=T0 - 100 + i) for i in range(1, 5)]
    starts = eta.forecast(servers, waiting, lambda c: 600, T0)
    assert [starts[i] - T0 for i in range(1, 5)] == [0, 300, 600, 900]


def test_a_queue_no_open_window_serves_has_no_eta():
    servers = [eta.Server("w1", {"A": 1.0}, free_at=T0)]
    assert eta.new_ticket_eta(servers, [], lambda c: 60, T0, "B") is None
    assert eta.new_ticket_eta(servers, [], lambda c: 60, T0, "A") == 0


def test_service_estimate_moves_from_typical_towards_measurements():
    assert eta.rolling_mean([], 300) == 300
    assert eta.rolling_mean([600] * 30, 300) > 550


def test_a_windows_main_queues_are_those_within_half_its_largest_weight():
    assert routing.main_queues({"A": 2.0, "B": 1.0, "C": 1.0, "D": 0.1}) == {"A", "B", "C"}
    assert routing.main_queues({"J": 1.0, "A": 0.1}) == {"J"}
    assert routing.main_queues({}) == set()
