"""Inputs and answers of the core routes: health, login, catalog, queues,
windows, tickets, events, devices, calls, follow-ups, audit, notice."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, field_validator

from hub.rules.tickets import OUTCOMES
from hub.web.models.common import (Answer, Body, EventId, Id, Note, PathModel, Pin, Query, Score, ShortId,
                                   Text, TicketId)


# paths ------------------------------------------------------------------------------------
class TicketPath(PathModel):
    NOT_FOUND = {"ticket_id": "unknown_ticket"}
    ticket_id: TicketId


class WindowPath(PathModel):
    NOT_FOUND = {"window_id": "unknown_window"}
    window_id: ShortId


class MatterPath(PathModel):
    NOT_FOUND = {"matter_id": "unknown_matter"}
    matter_id: Id


class TokenPath(PathModel):
    NOT_FOUND = {"token": "bad_token"}
    token: str = Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


class DevicePath(PathModel):
    NOT_FOUND = {"device_id": "unknown_device"}
    device_id: Id


class CallPath(PathModel):
    NOT_FOUND = {"event_id": "unknown_event"}
    event_id: TicketId


class FollowupPath(PathModel):
    NOT_FOUND = {"followup_id": "unknown_ticket"}
    followup_id: TicketId


# bodies -----------------------------------------------------------------------------------
class LoginBody(Body):
    user: str = Field(min_length=1, max_length=64)
    pin: Pin
    window: Optional[ShortId] = None


class IssueBody(Body):
    """A ticket for a matter, or (with `pickup`) for the output window."""

    matter: Optional[Id] = None
    situation: Optional[Id] = None
    priority: Literal["normal", "green", "appointment", "help"] = "normal"
    printer: Optional[Id] = None
    pickup: Optional[str] = Field(None, min_length=1, max_length=300)
    appointment: Optional[str] = Field(None, min_length=1, max_length=32, description="a booking's code: check-in")


class CancelBody(Body):
    token: Optional[Id] = None


class PhoneRatingBody(Body):
    score: Score
    token: Id
    reasons: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field([], max_length=10)


class FinishBody(Body):
    outcome: Literal[OUTCOMES] = "done"  # type: ignore[valid-type]
    reason: Optional[str] = Field(None, max_length=500)


class TransferBody(Body):
    queue: Optional[str] = Field(None, min_length=1, max_length=8)
    window: Optional[ShortId] = None


class OpenBody(Body):
    queues: Optional[list[str]] = Field(None, max_length=50)

    @field_validator("queues")
    @classmethod
    def _queue_ids(cls, value):
        if value is not None and not all(0 < len(q) <= 8 for q in value):
            raise ValueError("queue_ids")
        return value


class ProfileBody(Body):
    profile: dict[Annotated[str, Field(max_length=8)], Annotated[float, Field(gt=0, le=100)]] = Field(max_length=50)


class PadRatingBody(Body):
    score: int  # the range is the service's rule (422 bad_score)
    reasons: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field([], max_length=10)


class DeviceStatusBody(Body):
    online: bool = True
    shows: Optional[Text] = None
    fault: Optional[str] = Field(None, max_length=32)


class AckBody(Body):
    device: Id
    shown: bool = True
    spoken: bool = False


class FollowupBody(Body):
    action: Literal["contact", "rectify", "close", "appeal"]
    note: Optional[Note] = None


class NoticeBody(Body):
    notice: str = Field(max_length=500)


# queries ----------------------------------------------------------------------------------
class NumberQuery(Query):
    number: str = Field(min_length=1, max_length=8, examples=["A001"])


class EventsQuery(Query):
    after: EventId = 0
    limit: int = Field(500, ge=1, le=1000)


class FollowupsQuery(Query):
    state: Optional[Literal["open", "contacted", "rectified", "appealed", "closed"]] = None


class AuditQuery(Query):
    limit: int = Field(200, ge=1, le=5000)


# answers ----------------------------------------------------------------------------------
class Health(Answer):
    status: Literal["ok", "degraded"]
    version: str
    at: Optional[str] = None
    checks: dict
    problems: list[str]


class LoggedIn(Answer):
    token: str
    user: str
    role: str
    window: Optional[str]


class Me(Answer):
    user: str
    role: str
    window: Optional[str]
    device: Optional[str]
    departments: list[str]


class Matter(Answer):
    id: str
    name: str
    name_en: Optional[str]
    department: str
    mode: str
    promised_days: Optional[int]
    typical_minutes: Optional[float]
    queue: str
    has_situations: bool


class MatterGuide(Matter):
    conditions: Optional[str]
    materials: list[str]
    materials_en: list[str]
    questions: list[dict]
    situations: list[dict]
    windows: list[int | str]


class QueueView(Answer):
    id: str
    prefix: str
    name: str
    name_en: Optional[str]
    waiting: int
    eta_minutes: Optional[float]


class Ticket(Answer):
    id: int
    number: str
    queue: str
    matter: str
    matter_name: Optional[str]
    situation: Optional[str]
    priority: str
    status: str
    window: Optional[str]
    window_number: Optional[int | str]
    issued_at: Optional[str]
    called_at: Optional[str]
    finished_at: Optional[str]
    ahead: Optional[int]
    eta_minutes: Optional[float]
    eta_range_minutes: Optional[list[Optional[int]]]  # [LOW, HIGH]: the calibrated range, "约 LOW–HIGH 分钟"
    recalls: int
    transfers: int
    outcome: Optional[str]


class TicketIssued(Ticket):
    token: str
    status_url: str
    materials: list[str]
    materials_en: list[str]
    serve_kinds: list[str]


class PhoneTicket(Ticket):
    materials: list[str]
    materials_en: list[str]
    rating: dict
    case: Optional[dict]


class Slip(Ticket):
    hall: str
    status_url: str
    materials: list[str]
    paper_mm: int


class WindowView(Answer):
    id: str
    number: int | str
    kind: str
    name: str
    state: Literal["open", "paused", "closed"]
    queues: list[str]
    profile: dict[str, float]
    clerk: Optional[str] = None
    ticket: Optional[Ticket]


class TicketOrNone(Answer):
    ticket: Optional[Ticket]


class WindowAnswer(Answer):
    window: WindowView


class Rated(Answer):
    """A rating taken (docs/api.md: ratings)."""


class Event(Answer):
    event_id: int
    type: Optional[str] = None


class Device(Answer):
    id: str
    kind: str
    window: Optional[str]
    online: bool
    last_seen: Optional[str]
    shows: Optional[str]
    setup_url: Optional[str] = Field(None, description="kiosks, for managers only: /kiosk?key=… to open once on it")


class Acks(Answer):
    """Who showed and spoke a call."""


class Followup(Answer):
    id: int
    ticket: dict
    score: int
    state: str
    deadline: str
    history: list[dict]


class AuditRow(Answer):
    at: Optional[str]
    user: Optional[str]
    action: str
    target: Optional[str]
    ip: Optional[str]


class Notice(Answer):
    notice: str

