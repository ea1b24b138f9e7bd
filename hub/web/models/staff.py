"""Inputs and answers of the consoles' routes: reports, users, a clerk's day, the 补正 slip."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from hub.service.auth import ROLES
from hub.web.models.common import Answer, Body, Day, Format, PathModel, Pin, Query, ShortId, TicketId

MAX_MISSING = 40


class ReportQuery(Query):
    date: Optional[Day] = None
    format: Format = "json"


class RangeQuery(Query):
    first: Day = Field(alias="from")
    last: Day = Field(alias="to")
    format: Format = "json"


class UserPath(PathModel):
    NOT_FOUND = {"name": "unknown_user"}
    name: str = Field(min_length=1, max_length=64)


class UserBody(Body):
    name: str = Field(max_length=64)
    role: Literal[ROLES]  # type: ignore[valid-type]
    pin: Pin
    departments: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value):
        if not value.strip():
            raise ValueError("name_blank")
        return value.strip()

    @field_validator("departments")
    @classmethod
    def _departments(cls, value):
        if not all(0 < len(d) <= 32 for d in value):
            raise ValueError("departments")
        return value


class PinBody(Body):
    pin: Pin


class DisableBody(Body):
    disabled: bool = True


class CorrectionSlipBody(Body):
    window: ShortId
    ticket: TicketId
    missing: list[str] = Field(min_length=1, max_length=MAX_MISSING)
    note: Optional[str] = Field(None, max_length=500)

    @field_validator("missing")
    @classmethod
    def _names(cls, value):
        for name in value:
            if not 0 < len(name) <= 200:
                raise ValueError("material_names")
        return value


class Report(Answer):
    """A daily or range report (docs/reports.md)."""


class ClerkToday(Answer):
    user: str
    date: str


class User(Answer):
    name: str
    role: str
    departments: list[str]
    disabled: bool
    created_at: Optional[str]


class CorrectionSlip(Answer):
    slip: dict
    text: str
    printer: Optional[str]
