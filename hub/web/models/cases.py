"""Inputs and answers of the cases' routes (办件: /api/cases…, /api/reports/cases)."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from hub.rules import cases as rules
from hub.service.case_errors import CaseError
from hub.web.models.common import Answer, Body, Day, Format, PathModel, Query, TicketId

CASE_STATE = Literal[rules.STATES + ("open",)]  # type: ignore[valid-type]


class CasePath(PathModel):
    NOT_FOUND = {"case_id": "unknown_case"}
    ERROR = CaseError
    case_id: TicketId


class CasesQuery(Query):
    state: Optional[CASE_STATE] = None
    department: Optional[str] = Field(None, max_length=64)
    due_before: Optional[Day] = None
    ticket: Optional[str] = Field(None, max_length=20)
    number: Optional[str] = Field(None, max_length=32)

    @field_validator("ticket")
    @classmethod
    def _ticket_id(cls, value):
        if value and not (value.isascii() and value.isdigit() and len(value) < 18):
            raise ValueError("ticket_number")
        return value or None


class ReceiptQuery(Query):
    format: Literal["json", "escpos"] = "json"


class OverdueQuery(Query):
    department: Optional[str] = Field(None, max_length=64)
    format: Format = "json"


class CasesReportQuery(Query):
    first: Optional[Day] = Field(None, alias="from")
    last: Optional[Day] = Field(None, alias="to")
    format: Format = "json"


class CaseActionBody(Body):
    missing: Optional[list[str]] = Field(None, max_length=40)
    reason: Optional[str] = Field(None, max_length=500)
    note: Optional[str] = Field(None, max_length=200)

    @field_validator("missing")
    @classmethod
    def _names(cls, value):
        if value is not None and not all(0 < len(m) <= 200 for m in value):
            raise ValueError("material_names")
        return value


class Case(Answer):
    id: int
    number: str
    matter: str
    department: str
    state: str
    accepted_at: Optional[str] = None
    deadline: Optional[str]


class Receipt(Answer):
    """The 受理回执 as data (docs/cases.md)."""


class Supervision(Answer):
    """Due and overdue cases per department (docs/cases.md)."""


class Fired(Answer):
    fired: list | int


class CaseReport(Answer):
    """The case report (docs/reports.md)."""
