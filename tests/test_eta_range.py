"""The ETA as a range: the routing run forward many times with drawn holds (hub/rules/eta.py
forecast_runs, hub/service/estimates.py ranges), on the hub and on a simulated day."""
from __future__ import annotations

import random
import time

from hub.hallfile.model import load_hall
from hub.rules import eta
from hub.rules.routing import Candidate
from hub.service.estimates import FORECAST_INTERVAL, ServiceTimes
from hub.sim.stats import eta_errors
from hub.sim.town_day import eta_policy, town_day

T0 = 1_800_000_000.0
HALL = load_hall()


def weighted_hall_state(rng, n=60):
    """Windows with different weights over A, B, C (as the demo hall's comprehensive windows),
    one of them busy, a transfer and a green ticket among the waiting."""
    servers = [eta.Server("w1", {"A": 2.0, "B": 1.0}, T0), eta.Server("w2", {"A": 1.0, "B": 2.0, "C": 1.0}, T0 + 200),
               eta.Server("w3", {"C": 1.0}, T0 + 50)]
    waiting = [Candidate(i, rng.choice("ABC"), since=T0 - rng.uniform(0, 1800)) for i in range(1, n + 1)]
    waiting.append(Candidate(n + 1, "B", since=T0 - 10, priority="green"))
    waiting.append(Candidate(n + 2, "C", since=T0 - 5, target_window="w1"))
    return servers, waiting


def test_with_fixed_times_each_run_is_the_forecast_itself():
    servers, waiting = weighted_hall_state(random.Random(4))
    service = {c.id: 120 + 37 * (c.id % 5) for c in waiting}
    expected = eta.forecast(servers, waiting, lambda c: service[c.id], T0)
    runs = eta.forecast_runs(servers, waiting, lambda c, rng: service[c.id], lambda s, rng: s.free_at, T0, 3,
                             random.Random(1))
    assert {i: starts[0] for i, starts in runs.items()} == expected
    assert all(len(set(starts)) == 1 and len(starts) == 3 for starts in runs.values())


def test_tickets_still_to_come_are_called_only_once_they_are_there_and_may_overtake():
    servers = [eta.Server("w1", {"A": 2.0, "B": 1.0}, T0)]
    old_b = Candidate(1, "B", since=T0 - 300)
    arrivals = lambda rng: [Candidate(eta.FUTURE_ID - 1, "A", since=T0 + 100)]  # noqa: E731
    starts = eta.forecast_runs(servers, [old_b, Candidate(2, "B", since=T0 - 10)], lambda c, rng: 600,
                               lambda s, rng: s.free_at, T0, 1, random.Random(1), arrivals)
    # at T0 + 600 the A ticket has waited 500 s at weight 2 (1000) against the second B's 610: it goes first
    assert starts[1] == [T0] and starts[2] == [T0 + 1200]
    assert all(i > eta.FUTURE_ID for i in starts)


def test_the_range_holds_the_point_and_widens_further_down_the_line():
    times = ServiceTimes(HALL)
    servers, waiting = weighted_hall_state(random.Random(2))
    matter_of = {c.id: next(m.id for m in HALL.matters if m.queue == c.queue) for c in waiting}
    ranges = times.ranges(servers, waiting, matter_of, T0, {"A": 0.01}, 3600, random.Random(3))
    assert set(ranges) == {c.id for c in waiting}
    for point, low, high in ranges.values():
        assert low <= point <= high
    by_start = sorted(ranges.values())
    assert by_start[-1][2] - by_start[-1][1] > by_start[0][2] - by_start[0][1]


def test_measured_holds_replace_the_prior():
    times = ServiceTimes(HALL)
    rng = random.Random(5)
    prior = sorted(times.draw_hold("m03", "A", rng) for _ in range(400))
    for _ in range(200):
        times._held["m03"].append(1800.0)
    measured = [times.draw_hold("m03", "A", rng) for _ in range(400)]
    assert sum(d == 1800.0 for d in measured) > 0.9 * 400
    assert prior[200] < 600  # the typical 6 minutes, before any measurement


def test_a_loaded_simulated_day_puts_most_waits_inside_their_printed_range():
    day = town_day(HALL, 330, seed=11, policies=(eta_policy(HALL),))
    outcomes = day["outcomes"][eta_policy(HALL)]
    assert all(o.printed_range[0] <= o.printed_eta <= o.printed_range[1] for o in outcomes if o.printed_range)
    figures = eta_errors(outcomes)
    over = figures["waits_over_small"]
    assert over["tickets"] >= 20
    # the range is the 10th-90th percentile of the runs: calibrated, coverage well above the median's 50 %
    # and not a catch-all
    assert 0.6 <= over["interval_coverage"] <= 0.95
    assert figures["interval_coverage"] >= over["interval_coverage"]
    assert over["interval_width_min"] > 0


def test_a_ticket_carries_its_range_beside_its_minutes_on_issue_and_read(hub):
    tickets = [hub.issue("m03") for _ in range(14)]
    time.sleep(FORECAST_INTERVAL + 0.1)  # in a burst the ranges are redone at most this often
    for t in tickets + [hub.get(f"/api/tickets/{t['id']}").json() for t in tickets]:
        low, high = t["eta_range_minutes"]
        assert low <= t["eta_minutes"] <= high
    # the six comprehensive windows are free: the first tickets are called at once, the 14th waits
    assert tickets[0]["eta_range_minutes"][0] == 0
    last = hub.get(f"/api/tickets/{tickets[-1]['id']}").json()
    assert last["eta_range_minutes"][1] > last["eta_range_minutes"][0] > 0
