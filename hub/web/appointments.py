"""Appointments (预约) under /api/appointments, and the 差评 appeal (申诉)
under /api/ratings: each view takes its typed inputs, calls one operation of
the bookings or ratings service and returns its result."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hub.web.http import actor, idempotent, require, require_manager, require_staff, service
from hub.web.models.appointments import (Appeal, AppealBody, BlackoutBody, BlackoutMade, BlackoutPath, Blackouts,
                                         BookableMatters, BookBody, Booked, Booking, BookingPath, CodeBody,
                                         CodePath, DayBookings, DayQuery, DecideBody, MyRatings, RatingPath, Slots,
                                         SlotsQuery)
from hub.web.typed import typed

api = Blueprint("appointments", __name__, url_prefix="/api")


def require_clerk():
    return require(lambda a: a.is_staff and a.role == "clerk")


@api.get("/appointments/matters")
@typed(answers={200: BookableMatters})
def bookable_matters():
    """The matters that take bookings and the days open for booking."""
    return jsonify(service().bookings.matters())


@api.get("/appointments/slots")
@typed(answers={200: Slots})
def slots(query: SlotsQuery):
    return jsonify(service().bookings.slots(query.matter, query.date))


@api.post("/appointments")
@idempotent
@typed(answers={201: Booked})
def book(json: BookBody):
    return jsonify(service().bookings.book(json.matter, json.start, json.name, json.phone)), 201


@api.get("/appointments")
@typed(answers={200: DayBookings})
def day_bookings(query: DayQuery):
    require_staff()
    bookings = service().bookings
    return jsonify(bookings.day_list(query.date or bookings.today()))


@api.get("/appointments/by-code/<code>")
@typed(answers={200: Booking})
def by_code(path: CodePath):
    """The citizen's manage page: the booking behind its code (name masked)."""
    return jsonify(service().bookings.by_code(path.code))


@api.post("/appointments/<booking_id>/cancel")
@typed(answers={200: Booking})
def cancel(path: BookingPath, json: CodeBody):
    return jsonify(service().bookings.cancel(path.booking_id, json.code, actor()))


@api.get("/appointments/blackouts")
@typed(answers={200: Blackouts})
def blackouts():
    return jsonify(service().bookings.blackouts())


@api.post("/appointments/blackouts")
@typed(answers={201: BlackoutMade})
def add_blackout(json: BlackoutBody):
    who = require_manager()
    return jsonify(service().bookings.add_blackout(json.from_, json.to, json.reason, who)), 201


@api.post("/appointments/blackouts/<blackout_id>/remove")
@typed(answers={200: Blackouts})
def remove_blackout(path: BlackoutPath):
    who = require_manager()
    return jsonify(service().bookings.remove_blackout(path.blackout_id, who))


@api.get("/ratings/mine")
@typed(answers={200: MyRatings})
def my_ratings():
    """The clerk's own 差评 today (reasons, appeal state): what the caller console appeals from."""
    who = require_clerk()
    return jsonify(service().ratings.mine(who))


@api.post("/ratings/<ticket_id>/appeal")
@typed(answers={200: Appeal})
def appeal(path: RatingPath, json: AppealBody):
    """申诉: the rated clerk asks that a 差评 not count against them."""
    who = require_staff()
    return jsonify(service().ratings.appeal(path.ticket_id, json.reason, who))


@api.post("/ratings/<ticket_id>/appeal/decide")
@typed(answers={200: Appeal})
def decide(path: RatingPath, json: DecideBody):
    who = require_manager()
    return jsonify(service().ratings.decide_appeal(path.ticket_id, json.decision == "uphold", json.note, who))
