"""The case rules without a hub: working-day deadlines on a hand-made calendar
(the National Day week off, a make-up Saturday), the clock that stops while a
case is returned for correction, the state machine and the alert points."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from hub.rules import cases as rules
from hub.rules.cases import Case, CaseRuleError
from hub.hallfile.model import Calendar
from hub.rules.workdays import add_working_days, is_working_day, working_days_before, working_days_between

# 2026-10-01 (Thu) .. 10-07 (Wed) off; Saturday 10-10 a make-up working day (调休上班)
GOLDEN_WEEK = Calendar(holidays=tuple(f"2026-10-0{d}" for d in range(1, 8)), workdays=("2026-10-10",))


def d(text):
    return date.fromisoformat(text)


def case(accepted="2026-09-28", days=5, **kw):
    return Case(id=1, number="20260928-0001", matter="m02", department="人社", accepted_on=d(accepted),
                promised_days=days, **kw)


@pytest.mark.parametrize("accepted, days, expected", [
    ("2026-09-29", 1, "2026-09-30"),  # an ordinary Tuesday
    ("2026-09-30", 1, "2026-10-08"),  # the holiday week is skipped
    ("2026-09-30", 3, "2026-10-10"),  # Thu, Fri, then the make-up Saturday
    ("2026-09-28", 5, "2026-10-10"),
    ("2026-10-03", 1, "2026-10-08"),  # accepted on a holiday: counting starts after it
    ("2026-10-03", 0, "2026-10-08"),  # an instant matter accepted on a holiday: the next working day
    ("2026-10-09", 2, "2026-10-12"),  # Sat 10-10 counts, Sun 10-11 does not
])
def test_deadline_counts_working_days_on_the_hall_calendar(accepted, days, expected):
    assert rules.first_deadline(d(accepted), days, GOLDEN_WEEK) == d(expected)
    assert rules.deadline(case(accepted, days), GOLDEN_WEEK) == d(expected)


def test_make_up_saturday_is_a_working_day_and_holiday_weekdays_are_not():
    assert is_working_day(d("2026-10-10"), GOLDEN_WEEK)
    assert not is_working_day(d("2026-10-05"), GOLDEN_WEEK)  # a Monday in the holiday week
    assert not is_working_day(d("2026-10-11"), GOLDEN_WEEK)  # an ordinary Sunday
    assert working_days_before(d("2026-10-12"), 1, GOLDEN_WEEK) == d("2026-10-10")
    assert working_days_before(d("2026-10-08"), 1, GOLDEN_WEEK) == d("2026-09-30")


def test_returned_case_gets_the_working_days_it_waited_added_to_its_deadline():
    c = rules.apply(case(), "review", d("2026-09-28"), GOLDEN_WEEK)
    returned = rules.apply(c, "return", d("2026-09-29"), GOLDEN_WEEK, missing=["户口簿"])
    assert returned.state == "returned" and returned.missing == ("户口簿",)
    assert rules.days_left(returned, GOLDEN_WEEK, d("2026-10-09")) == 4  # frozen at the return
    resumed = rules.apply(returned, "resume", d("2026-10-09"), GOLDEN_WEEK)
    # 09-30, 10-08 and 10-09 were spent returned: 10-10 + 3 working days
    assert resumed.paused_days == 3
    assert rules.deadline(resumed, GOLDEN_WEEK) == d("2026-10-14")
    assert rules.days_left(resumed, GOLDEN_WEEK, d("2026-10-09")) == 4
    assert rules.working_days_taken(replace(resumed, decided_on=d("2026-10-14")), GOLDEN_WEEK, d("2026-10-14")) == 5


def test_full_path_and_refusals():
    today, cal = d("2026-09-28"), GOLDEN_WEEK
    c = case()
    with pytest.raises(CaseRuleError) as err:
        rules.apply(c, "approve", today, cal)
    assert err.value.key == "case_state"
    with pytest.raises(CaseRuleError) as err:
        rules.apply(c, "return", today, cal, missing=[])
    assert err.value.key == "missing_required"
    for action in ("review", "approve", "ready", "deliver"):
        c = rules.apply(c, action, today, cal)
    assert c.state == "delivered" and rules.next_actions(c.state) == []
    c = rules.apply(rules.apply(case(), "review", today, cal), "reject", today, cal, reason=" 不符合条件 ")
    assert c.state == "rejected" and c.reason == "不符合条件" and c.decided_on == today
    with pytest.raises(CaseRuleError) as err:
        rules.apply(rules.apply(case(), "review", today, cal), "reject", today, cal, reason=" ")
    assert err.value.key == "reason_required"
    assert rules.apply(c, "mail", today, cal).state == "mailed"


def test_on_time_and_standing():
    c = rules.apply(case(), "review", d("2026-09-28"), GOLDEN_WEEK)
    assert rules.standing(c, GOLDEN_WEEK, d("2026-09-28")) == "on_track"
    assert rules.standing(c, GOLDEN_WEEK, d("2026-10-09")) == "due_soon"  # due on the next working day
    assert rules.standing(c, GOLDEN_WEEK, d("2026-10-10")) == "due_soon"
    assert rules.standing(c, GOLDEN_WEEK, d("2026-10-11")) == "overdue"
    assert rules.days_left(c, GOLDEN_WEEK, d("2026-10-12")) == -1
    assert rules.on_time(rules.apply(c, "approve", d("2026-10-10"), GOLDEN_WEEK), GOLDEN_WEEK) is True
    assert rules.on_time(rules.apply(c, "approve", d("2026-10-12"), GOLDEN_WEEK), GOLDEN_WEEK) is False


def test_each_alert_point_comes_due_once_on_its_day():
    c = case()  # deadline: the make-up Saturday 10-10
    fired, seen = {}, set()
    day = d("2026-09-28")
    while day <= d("2026-10-14"):
        fire, passed = rules.alert_due(c, GOLDEN_WEEK, day, (1, 0))
        if fire and fire not in seen:
            fired[fire] = day
        seen.update(passed)
        day += timedelta(days=1)
    assert fired == {"d1": d("2026-10-09"), "d0": d("2026-10-10"), "overdue": d("2026-10-11")}


def test_a_hub_that_was_off_fires_only_the_most_urgent_point():
    fire, passed = rules.alert_due(case(), GOLDEN_WEEK, d("2026-10-12"), (1, 0))
    assert fire == "overdue" and set(passed) == {"d1", "d0", "overdue"}
    assert rules.alert_due(case(state="returned"), GOLDEN_WEEK, d("2026-10-12"), (1, 0)) == (None, [])


def test_case_numbers_and_pickup_codes_read_well():
    assert rules.case_number(d("2026-11-26"), 7) == "20261126-0007"
    assert rules.pickup_code(lambda n: 42) == "000042"


# properties ----------------------------------------------------------------------------
days_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
calendars = st.builds(
    lambda off, on: Calendar(holidays=tuple(sorted({x.isoformat() for x in off})),
                             workdays=tuple(sorted({x.isoformat() for x in on if x.weekday() >= 5}
                                                   - {x.isoformat() for x in off}))),
    st.lists(days_2026, max_size=40), st.lists(days_2026, max_size=8))
any_calendar = st.one_of(st.just(GOLDEN_WEEK), calendars)


@settings(max_examples=200, deadline=None)
@given(days_2026, st.integers(0, 40), any_calendar)
def test_deadline_is_a_working_day_never_before_acceptance(accepted, days, cal):
    due = rules.first_deadline(accepted, days, cal)
    assert is_working_day(due, cal)
    assert due >= accepted
    if days > 0:
        assert due > accepted and working_days_between(accepted, due, cal) == days


@settings(max_examples=200, deadline=None)
@given(days_2026, st.integers(0, 40), any_calendar)
def test_deadline_is_monotone_in_promised_days(accepted, days, cal):
    assert rules.first_deadline(accepted, days, cal) <= rules.first_deadline(accepted, days + 1, cal)
    if days > 0 or is_working_day(accepted, cal):  # 0 from a day off is already the next working day
        assert add_working_days(accepted, days + 1, cal) > add_working_days(accepted, days, cal)


@settings(max_examples=200, deadline=None)
@given(days_2026, st.integers(1, 30), st.integers(0, 40), st.integers(0, 60), any_calendar)
def test_the_clock_stops_while_returned(accepted, days, returned_after, waited, cal):
    returned_on = accepted + timedelta(days=returned_after)
    resumed_on = returned_on + timedelta(days=waited)
    c = rules.apply(case(accepted.isoformat(), days), "review", accepted, cal)
    returned = rules.apply(c, "return", returned_on, cal, missing=["材料"])
    resumed = rules.apply(returned, "resume", resumed_on, cal)
    # the working days left when returned are the working days left on resuming
    assert rules.days_left(returned, cal, resumed_on) == rules.days_left(resumed, cal, resumed_on)
    # while returned, the deadline shown is the one resuming today would give
    assert rules.deadline(returned, cal, resumed_on) == rules.deadline(resumed, cal)
    assert rules.deadline(resumed, cal) >= rules.deadline(c, cal)
