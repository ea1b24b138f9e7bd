"""The pure rules of appointments: slots from the hall's calendar, refusals, check-in timing, no-show blocking."""
from __future__ import annotations

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hub.hallfile.model import Appointments, Calendar
from hub.rules import appointments as slots

TZ = "Asia/Shanghai"
PERIODS = (("08:30", "12:00"), ("13:30", "17:00"))
SETTINGS = Appointments(matters=("m05",), slot_minutes=30, days_ahead=7, cutoff_minutes=60,
                        checkin_before_minutes=30, checkin_after_minutes=15, no_show_limit=2, block_days=30)
# 2026-10-01..07 National Day holidays; Saturday 2026-10-10 a make-up working day (调休)
CALENDAR = Calendar(weekdays=(0, 1, 2, 3, 4), holidays=tuple(f"2026-10-0{d}" for d in range(1, 8)),
                    workdays=("2026-10-10",))


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ)).timestamp()


def test_a_day_is_cut_into_slots_inside_its_opening_periods():
    got = slots.day_slots(date(2026, 12, 8), PERIODS, 30, TZ)
    assert len(got) == 7 + 7  # 08:30-12:00 and 13:30-17:00, half an hour each
    assert got[0] == (at("2026-12-08T08:30"), at("2026-12-08T09:00"))
    assert got[6][1] == at("2026-12-08T12:00") and got[7][0] == at("2026-12-08T13:30")


def test_a_slot_that_would_run_past_closing_is_not_offered():
    got = slots.day_slots(date(2026, 12, 8), (("08:30", "11:45"),), 30, TZ)
    assert got[-1][1] == at("2026-12-08T11:30")


def test_holidays_weekends_and_blackouts_close_a_day_while_a_make_up_saturday_opens():
    blackout = slots.Blackout(1, "2026-12-09", "2026-12-10", "系统升级")
    assert slots.open_day(date(2026, 10, 2), CALENDAR) == slots.CLOSED_DAY  # National Day
    assert slots.open_day(date(2026, 10, 11), CALENDAR) == slots.CLOSED_DAY  # Sunday
    assert slots.open_day(date(2026, 10, 10), CALENDAR) is None  # 调休 Saturday
    assert slots.open_day(date(2026, 12, 9), CALENDAR, [blackout]) == slots.BLACKOUT
    assert slots.open_day(date(2026, 12, 11), CALENDAR, [blackout]) is None


def test_days_open_for_booking_skip_the_closed_ones():
    days = slots.days_open_for_booking(date(2026, 9, 30), SETTINGS, CALENDAR)
    assert [d.isoformat() for d in days] == ["2026-09-30"]  # then the holiday week up to 10-07
    days = slots.days_open_for_booking(date(2026, 10, 6), SETTINGS, CALENDAR)
    assert [d.isoformat() for d in days] == ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12",
                                             "2026-10-13"]


def test_a_booking_is_refused_for_a_past_slot_inside_the_cut_off_or_too_far_ahead():
    now = at("2026-12-08T09:00")
    assert slots.booking_refusal(at("2026-12-08T08:30"), now, SETTINGS, TZ) == slots.PAST
    assert slots.booking_refusal(at("2026-12-08T09:30"), now, SETTINGS, TZ) == slots.CUT_OFF
    assert slots.booking_refusal(at("2026-12-08T10:00"), now, SETTINGS, TZ) is None
    assert slots.booking_refusal(at("2026-12-15T16:30"), now, SETTINGS, TZ) is None  # 7 days ahead
    assert slots.booking_refusal(at("2026-12-16T08:30"), now, SETTINGS, TZ) == slots.TOO_FAR


def test_check_in_is_early_on_time_or_late_around_the_slot_start():
    start = at("2026-12-08T10:00")
    assert slots.checkin_timing(start, at("2026-12-08T09:29"), SETTINGS) == slots.EARLY
    assert slots.checkin_timing(start, at("2026-12-08T09:30"), SETTINGS) == slots.ON_TIME
    assert slots.checkin_timing(start, at("2026-12-08T10:15"), SETTINGS) == slots.ON_TIME
    assert slots.checkin_timing(start, at("2026-12-08T10:16"), SETTINGS) == slots.LATE


def test_two_no_shows_within_the_block_period_block_booking_until_30_days_after_the_latest():
    first, second = at("2026-11-02T09:00"), at("2026-11-20T09:00")
    assert slots.blocked_until([first], at("2026-11-21T09:00"), SETTINGS) is None
    assert slots.blocked_until([first, second], at("2026-11-21T09:00"), SETTINGS) == second + 30 * 86400
    # the older one has aged out: one no-show in the window no longer blocks
    assert slots.blocked_until([first, second], at("2026-12-03T09:00"), SETTINGS) is None


def test_phones_and_names_are_masked_for_display():
    assert slots.mask_phone("13812345678") == "138****5678"
    assert slots.mask_name("张三") == "张*" and slots.mask_name("欧阳小明") == "欧**明"


def test_the_forecast_lets_a_booked_appointment_go_first_at_its_slot():
    from hub.rules import eta
    from hub.rules.routing import Candidate

    now = at("2026-12-08T09:00")
    window = [eta.Server("w1", {"A": 1.0}, free_at=now)]
    waiting = [Candidate(1, "A", since=now - 600), Candidate(2, "A", since=now - 300), Candidate(3, "A", since=now - 60)]
    ten_minutes = lambda c: 600.0  # noqa: E731
    plain = eta.forecast(window, waiting, ten_minutes, now)
    assert [plain[i] - now for i in (1, 2, 3)] == [0, 600, 1200]
    booked = Candidate(eta.BOOKED_ID - 7, "A", since=now + 600, priority="appointment", due_at=now + 600)
    counted = eta.forecast(window, waiting + [booked], ten_minutes, now)
    assert counted[booked.id] - now == 600  # called at its slot, ahead of tickets that waited longer
    assert [counted[i] - now for i in (1, 2, 3)] == [0, 1200, 1800]  # so they wait ten minutes more
    runs = eta.forecast_runs(window, waiting + [booked], lambda c, r: 600.0, lambda s, r: now, now, 5,
                             random.Random(1))
    assert [runs[i][0] - now for i in (1, 2, 3)] == [0, 1200, 1800] and booked.id not in runs


def test_a_hall_file_from_before_ratings_keeps_its_follow_up_deadline(tmp_path):
    from hub.hallfile.model import demo_hall_path, load_hall

    text = demo_hall_path().read_text(encoding="utf-8")
    start = text.index("\n[ratings]")
    end = text.index("\n# ──", start + 1) if "\n# ──" in text[start + 1:] else text.index("\n[[", start)
    old = text[:start] + text[end:]
    old = old.replace("followup_working_days = 3 ", "followup_working_days = 7 ")
    path = tmp_path / "old-hall.toml"
    path.write_text(old, encoding="utf-8")
    ratings = load_hall(path).ratings
    assert (ratings.contact_working_days, ratings.rectify_working_days) == (7, 7)
