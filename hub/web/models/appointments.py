"""Inputs and answers of appointments (预约) and of the 差评 appeal (申诉)."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from hub.web.models.common import Answer, Body, Day, Id, PathModel, Query, TicketId, BIG
from typing import Annotated

BookingId = Annotated[int, Field(ge=1, lt=BIG)]
Code = Annotated[str, Field(min_length=1, max_length=32, examples=["12345678"])]


class SlotsQuery(Query):
    matter: Id
    date: Day


class DayQuery(Query):
    date: Optional[Day] = None


class BookBody(Body):
    matter: Id
    start: str = Field(min_length=10, max_length=40, examples=["2026-12-08T09:00:00+08:00"])
    name: str = Field(min_length=1, max_length=32)
    phone: str = Field(min_length=7, max_length=20, examples=["13812345678"])


class CodeBody(Body):
    code: Code


class BookingPath(PathModel):
    NOT_FOUND = {"booking_id": "unknown_booking"}
    booking_id: BookingId


class CodePath(PathModel):
    NOT_FOUND = {"code": "unknown_booking"}
    code: Code


class BlackoutBody(Body):
    from_: Day = Field(alias="from")
    to: Day
    reason: str = Field(min_length=1, max_length=200)


class BlackoutPath(PathModel):
    NOT_FOUND = {"blackout_id": "unknown_blackout"}
    blackout_id: BookingId


class AppealBody(Body):
    reason: str = Field(min_length=1, max_length=500)


class DecideBody(Body):
    decision: Literal["uphold", "reject"]
    note: str = Field("", max_length=500)


class RatingPath(PathModel):
    NOT_FOUND = {"ticket_id": "unknown_rating"}
    ticket_id: TicketId


class Slot(Answer):
    start: str
    end: str
    capacity: int
    left: int


class Slots(Answer):
    slots: list[Slot]


class BookableMatters(Answer):
    matters: list[dict]
    days: list[str]
    slot_minutes: int


class Booked(Answer):
    id: int
    code: str
    matter: str
    start: str
    manage_url: str


class Booking(Answer):
    id: int
    matter: str
    matter_name: str
    start: str
    end: str
    state: str
    phone: str
    name: str


class DayBookings(Answer):
    date: str
    appointments: list[Booking]


class Blackout(Answer):
    id: int
    reason: str


class BlackoutMade(Blackout):
    affected: list[Booking]


class Blackouts(Answer):
    blackouts: list[dict]


class MyRating(Answer):
    ticket_id: int
    number: str
    matter: str
    matter_name: str
    score: int
    at: str
    reasons: list[str]
    appeal: Optional[str]
    appeal_reason: Optional[str]


class MyRatings(Answer):
    date: str
    ratings: list[MyRating]


class Appeal(Answer):
    ticket_id: int
    appeal: Optional[str]
