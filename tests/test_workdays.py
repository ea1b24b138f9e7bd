"""Working days come from the hall file: its days of the week (`[hours]
workdays`), its holidays and its make-up days (调休). One calendar decides
opening hours, case deadlines, follow-up deadlines and the day shown to the
manager. The hall here opens Monday to Thursday; Monday 2026-11-30 is a
holiday and Sunday 2026-11-29 a make-up working day."""
from __future__ import annotations

from datetime import date

import pytest

from hub.hallfile.model import demo_hall_path
from hub.rules import cases as case_rules
from hub.rules.clock import within_hours
from hub.rules.workdays import add_working_days, is_working_day, working_days_before, working_days_between
from hubproc import DEFAULT_TIME

DAY = 86400
THU, FRI, SUN, MON = (DEFAULT_TIME + n * DAY for n in (0, 1, 3, 4))  # 09:00 each, from Thu 2026-11-26


def mon_to_thu_hall_text(enforce=False):
    text = demo_hall_path().read_text(encoding="utf-8")
    text = text.replace("workdays = [0, 1, 2, 3, 4]", "workdays = [0, 1, 2, 3]")
    text = text.replace("holidays = [\n", "holidays = [\n  2026-11-30,\n", 1)
    text = text.replace("workdays = [\n", "workdays = [\n  2026-11-29,\n", 1)
    if enforce:
        text = text.replace("enforce = false", "enforce = true")
    return text


def load(text, tmp_path):
    from hub.hallfile.model import load_hall
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return load_hall(path)


def d(text):
    return date.fromisoformat(text)


def test_the_calendar_takes_the_days_of_the_week_holidays_and_make_up_days_from_the_hall_file(tmp_path):
    cal = load(mon_to_thu_hall_text(), tmp_path).calendar
    assert cal.weekdays == (0, 1, 2, 3)
    week = {day: is_working_day(d(day), cal) for day in
            ("2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01")}
    assert week == {"2026-11-26": True, "2026-11-27": False, "2026-11-28": False,  # Thu on; Fri, Sat off
                    "2026-11-29": True, "2026-11-30": False, "2026-12-01": True}  # 调休 Sun on; holiday Mon off
    assert add_working_days(d("2026-11-26"), 2, cal) == d("2026-12-01")
    assert working_days_between(d("2026-11-26"), d("2026-12-03"), cal) == 4  # Sun, Tue, Wed, Thu
    assert working_days_before(d("2026-12-01"), 1, cal) == d("2026-11-29")
    assert case_rules.first_deadline(d("2026-11-27"), 0, cal) == d("2026-11-29")  # 即办件 on a Friday


def test_opening_hours_follow_the_same_calendar(tmp_path):
    hall = load(mon_to_thu_hall_text(), tmp_path)
    open_at = {name: within_hours(at, hall.timezone, hall.hours.periods, hall.calendar)
               for name, at in (("thu", THU), ("fri", FRI), ("sun", SUN), ("mon", MON))}
    assert open_at == {"thu": True, "fri": False, "sun": True, "mon": False}
    assert within_hours(FRI, hall.timezone, hall.hours.periods)  # no calendar: only the periods count


@pytest.mark.parametrize("hours_workdays, where, why", [
    ("[]", "hours.workdays", "至少需要一个工作日"),
    ("[0, 1, 1]", "hours.workdays", "有重复的星期"),
    ("[0, 1, 2, 3, 4, 5]", "calendar.workdays[", "本来就是工作日"),  # the demo's make-up Saturdays
])
def test_a_calendar_without_sense_is_refused_with_its_key(tmp_path, hours_workdays, where, why):
    from hub.hallfile.model import ConfigError
    text = demo_hall_path().read_text(encoding="utf-8").replace("workdays = [0, 1, 2, 3, 4]",
                                                                f"workdays = {hours_workdays}")
    with pytest.raises(ConfigError) as err:
        load(text, tmp_path)
    assert where in str(err.value) and why in str(err.value)


def test_the_hub_opens_deadlines_and_follow_ups_on_the_hall_calendar(hub_factory, tmp_path):
    config = tmp_path / "hall.toml"
    config.write_text(mon_to_thu_hall_text(enforce=True), encoding="utf-8")
    hub = hub_factory(config=config).start()  # Thursday 09:00
    manager = hub.login("manager", "2222")
    clerk = hub.login("clerk1", "1111", window="w1")

    case_ticket = hub.issue("m02")  # 承诺件, 5 working days
    assert hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]["id"] == case_ticket["id"]
    assert hub.post("/api/windows/w1/finish", {"outcome": "accepted"}, token=clerk).status_code == 200
    case = hub.get(f"/api/cases?ticket={case_ticket['id']}", token=clerk).json()[0]
    assert case["deadline"] == "2026-12-07"  # Sun 11-29, Tue, Wed, Thu, then Mon 12-07

    rated = hub.issue("m03")
    hub.post("/api/windows/w1/call-next", token=clerk)
    hub.post("/api/windows/w1/finish", token=clerk)
    low = hub.post(f"/api/tickets/{rated['id']}/rating", {"score": 1, "token": rated["token"]}).json()
    followup = next(f for f in hub.get("/api/followups", token=manager).json() if f["id"] == low["followup"])
    assert followup["deadline"].startswith("2026-12-02")  # 3 working days: Sun 11-29, Tue, Wed

    for at, status, working in ((FRI, 409, False), (SUN, 201, True), (MON, 409, False)):
        hub.set_time(at)
        r = hub.post("/api/tickets", {"matter": "m03"})
        assert r.status_code == status, (at, r.text)
        if status == 409:
            assert r.json()["error"]["code"] == "hall_closed"
        day = hub.get("/api/ops", token=hub.login("manager", "2222")).json()["day"]  # a new day, a new login
        assert day["working_day"] is working
