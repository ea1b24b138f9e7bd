"""Appointments through the real hub: slots from the hall's calendar, exact capacity under concurrent
booking, check-in early, on time and late, routing at the slot time, no-show blocking, blackouts, privacy."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from hub.hallfile.model import demo_hall_path
from hubproc import KIOSK_KEY

KIOSK = {"X-Device-Key": KIOSK_KEY}  # the kiosk is not held to a phone's booking limit
T0 = 1795654800.0  # Thu 2026-11-26 09:00, Asia/Shanghai
MIN = 60


@pytest.fixture
def hall(hub_factory, tmp_path):
    """The demo hall, with Monday 11-30 a holiday and Saturday 11-28 a make-up working day (调休)."""
    text = demo_hall_path().read_text(encoding="utf-8")
    text = text.replace("holidays = [\n", "holidays = [\n  2026-11-30,\n", 1)
    text = text.replace("workdays = [\n", "workdays = [\n  2026-11-28,\n", 1)
    path = tmp_path / "booking-hall.toml"
    path.write_text(text, encoding="utf-8")
    return hub_factory(config=path).start()


def book(hub, start, phone="13812345678", matter="m05", name="张三", headers=KIOSK):
    return hub.post("/api/appointments", {"matter": matter, "start": start, "name": name, "phone": phone},
                    headers=headers)


def slots(hub, day, matter="m05"):
    r = hub.get(f"/api/appointments/slots?matter={matter}&date={day}")
    assert r.status_code == 200, r.text
    return r.json()["slots"]


def test_slots_follow_working_days_holidays_and_make_up_saturdays(hall):
    friday = slots(hall, "2026-11-27")
    assert [s["start"][11:16] for s in friday][:3] == ["08:30", "09:00", "09:30"] and len(friday) == 14
    assert all((s["capacity"], s["left"]) == (2, 2) for s in friday)
    assert len(slots(hall, "2026-11-28")) == 14  # 调休 Saturday
    assert slots(hall, "2026-11-29") == []  # Sunday
    assert slots(hall, "2026-11-30") == []  # the holiday
    assert book(hall, "2026-11-30T09:00:00+08:00").status_code == 422
    assert [s["capacity"] for s in slots(hall, "2026-11-27", matter="m09")][:1] == [3]  # capacity_per_matter
    refused = hall.get("/api/appointments/slots?matter=m03&date=2026-11-27")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_bookable"


def test_a_booking_gets_a_code_a_manage_url_and_takes_a_place(hall):
    r = book(hall, "2026-11-27T09:00:00+08:00")
    assert r.status_code == 201, r.text
    booked = r.json()
    assert len(booked["code"]) == 8 and booked["code"].isdigit()
    assert booked["manage_url"].endswith("/b/" + booked["code"]) and booked["phone"] == "138****5678"
    assert [s["left"] for s in slots(hall, "2026-11-27")][1] == 1
    mine = hall.get(f"/api/appointments/by-code/{booked['code']}").json()
    assert (mine["state"], mine["name"], mine["phone"]) == ("booked", "张*", "138****5678")
    wrong = hall.post(f"/api/appointments/{booked['id']}/cancel", {"code": "00000000"})
    assert wrong.status_code == 404
    cancelled = hall.post(f"/api/appointments/{booked['id']}/cancel", {"code": booked["code"]})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert [s["left"] for s in slots(hall, "2026-11-27")][1] == 2


def test_past_cut_off_and_too_far_slots_are_refused_with_their_reason(hall):
    assert book(hall, "2026-11-26T08:30:00+08:00").json()["error"]["code"] == "slot_past"
    assert book(hall, "2026-11-26T09:30:00+08:00").json()["error"]["code"] == "slot_cut_off"
    assert book(hall, "2026-12-04T09:00:00+08:00").json()["error"]["code"] == "slot_too_far"
    assert book(hall, "2026-11-27T09:10:00+08:00").json()["error"]["code"] == "not_a_slot"
    english = hall.post("/api/appointments", {"matter": "m05", "start": "2026-11-26T09:30:00+08:00",
                                              "name": "Li", "phone": "13812345678"},
                        headers=dict(KIOSK, **{"Accept-Language": "en"}))
    assert english.status_code == 422 and "Booking closes 60 minutes" in english.json()["error"]["message"]
    blank = hall.post("/api/appointments", {"matter": "m05", "start": "2026-11-27T09:00:00+08:00", "name": "  ",
                                            "phone": "13812345678"}, headers=dict(KIOSK, **{"Accept-Language": "en"}))
    message = blank.json()["error"]["message"]
    assert blank.status_code == 422 and "must be 1 to 32 characters" in message
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in message)  # English only


def test_two_phones_taking_the_last_place_at_once_get_one_201_and_one_409(hall):
    start = "2026-11-27T10:00:00+08:00"
    assert book(hall, start, phone="13900000001").status_code == 201
    answers = []
    barrier = threading.Barrier(6)

    def take(i):
        barrier.wait()
        answers.append(book(hall, start, phone=f"1390000001{i}").status_code)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 409, 409, 409, 409, 409]
    assert [s for s in slots(hall, "2026-11-27") if s["start"] == start][0]["left"] == 0


def test_check_in_early_on_time_twice_and_late(hall):
    on_time = book(hall, "2026-11-26T10:30:00+08:00").json()
    late = book(hall, "2026-11-26T10:00:00+08:00", phone="13700000000").json()
    early = hall.post("/api/tickets", {"appointment": on_time["code"]}, headers=KIOSK)
    assert early.status_code == 422 and early.json()["error"]["code"] == "checkin_early"
    assert "10:00" in early.json()["error"]["message"]
    hall.set_time(T0 + 80 * MIN)  # 10:20: ten minutes before the 10:30 slot, the 10:00 one 20 minutes gone
    ticket = hall.post("/api/tickets", {"appointment": on_time["code"]}, headers=KIOSK)
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["priority"] == "appointment"
    again = hall.post("/api/tickets", {"appointment": on_time["code"]}, headers=KIOSK)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_checked_in"
    refused = hall.post("/api/tickets", {"appointment": late["code"]}, headers=KIOSK)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "checkin_late"


def test_an_appointment_waits_its_turn_before_its_slot_and_goes_first_at_it(hall):
    clerk = hall.login("clerk1", "1111", window="w1")
    code = book(hall, "2026-11-26T10:30:00+08:00").json()["code"]
    older = hall.issue("m05")  # 09:00
    hall.set_time(T0 + 80 * MIN)  # 10:20
    appointment = hall.post("/api/tickets", {"appointment": code}, headers=KIOSK).json()
    first = hall.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]
    assert first["number"] == older["number"]  # checked in early: no jump before the slot
    hall.post("/api/windows/w1/no-show", token=clerk)
    hall.set_time(T0 + 85 * MIN)
    newer = hall.issue("m05")  # 10:25, while the appointment still waits for 10:30
    hall.set_time(T0 + 91 * MIN)  # 10:31
    called = hall.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]
    assert called["number"] == appointment["number"] != newer["number"]
    report = hall.get("/api/reports/daily?date=2026-11-26", token=hall.login("manager", "2222")).json()
    figures = report["appointments"]
    assert (figures["bookings"], figures["checked_in"], figures["no_shows"], figures["no_show_rate"]) == (1, 1, 0, 0)
    assert figures["wait_after_slot_min"] == {"mean": 1.0, "p90": 1.0, "count": 1}  # slot 10:30, called 10:31


def test_the_green_channel_still_goes_before_a_due_appointment(hall):
    clerk = hall.login("clerk1", "1111", window="w1")
    guide = hall.login("guide", "5555")
    code = book(hall, "2026-11-26T10:30:00+08:00").json()["code"]
    hall.set_time(T0 + 85 * MIN)
    appointment = hall.post("/api/tickets", {"appointment": code}, headers=KIOSK).json()
    hall.set_time(T0 + 95 * MIN)  # the slot has begun
    green = hall.post("/api/kiosk/staff-ticket", {"matter": "m05", "priority": "green", "reason": "elderly"},
                      token=guide)
    assert green.status_code == 201, green.text
    order = [hall.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]["number"]]
    hall.post("/api/windows/w1/no-show", token=clerk)
    order.append(hall.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]["number"])
    assert order == [green.json()["number"], appointment["number"]]


def test_two_no_shows_block_new_bookings_with_the_date_they_end(hall):
    for start in ("2026-11-26T10:30:00+08:00", "2026-11-26T11:00:00+08:00"):
        assert book(hall, start, phone="13600000000").status_code == 201
    hall.set_time(T0 + 3 * 60 * MIN)  # 12:00: both check-in windows closed, unused
    blocked = book(hall, "2026-11-27T09:00:00+08:00", phone="13600000000")
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "booking_blocked"
    assert "2026-12-26" in blocked.json()["error"]["message"]  # 30 days after the latest no-show
    manager = hall.login("manager", "2222")
    states = [a["state"] for a in hall.get("/api/appointments?date=2026-11-26", token=manager).json()["appointments"]]
    assert states == ["no_show", "no_show"]
    assert book(hall, "2026-11-27T09:00:00+08:00", phone="13600000001").status_code == 201  # others still may


def test_a_blackout_closes_booking_and_lists_the_bookings_made_inside_it(hall):
    made = book(hall, "2026-11-27T09:00:00+08:00").json()
    manager = hall.login("manager", "2222")
    r = hall.post("/api/appointments/blackouts", {"from": "2026-11-27", "to": "2026-11-27", "reason": "系统升级"},
                  token=manager)
    assert r.status_code == 201, r.text
    assert [(a["id"], a["phone"]) for a in r.json()["affected"]] == [(made["id"], "138****5678")]
    assert slots(hall, "2026-11-27") == []
    assert book(hall, "2026-11-27T09:30:00+08:00").json()["error"]["code"] == "blackout"
    clerk = hall.login("clerk1", "1111", window="w1")
    assert hall.post("/api/appointments/blackouts", {"from": "2026-11-28", "to": "2026-11-28", "reason": "x"},
                     token=clerk).status_code == 403
    removed = hall.post(f"/api/appointments/blackouts/{r.json()['id']}/remove", token=manager)
    assert removed.status_code == 200 and removed.json()["blackouts"] == []
    assert len(slots(hall, "2026-11-27")) == 14


def test_the_database_keeps_no_code_and_no_phone_number_in_clear(hall):
    booked = book(hall, "2026-11-27T09:00:00+08:00", phone="13812345678").json()
    hall.stop()
    raw = sqlite3.connect(hall.db).execute("SELECT * FROM bookings").fetchall()
    flat = " ".join(str(v) for row in raw for v in row)
    assert booked["code"] not in flat and "13812345678" not in flat and "138****5678" in flat


def test_staff_see_the_days_bookings_with_masked_phones_and_anonymous_users_do_not(hall):
    book(hall, "2026-11-27T09:00:00+08:00", name="张小三")
    assert hall.get("/api/appointments?date=2026-11-27").status_code == 401
    guide = hall.login("guide", "5555")
    listed = hall.get("/api/appointments?date=2026-11-27", token=guide).json()["appointments"]
    assert [(a["name"], a["phone"]) for a in listed] == [("张小三", "138****5678")]
