"""Inputs and answers of the appliance routes (/api/ops, /api/days)."""
from __future__ import annotations

from typing import Optional

from pydantic import Field

from hub.web.models.common import Answer, Day, Query


class DaysQuery(Query):
    first: Optional[Day] = Field(None, alias="from")
    last: Optional[Day] = Field(None, alias="to")


class OpsAnswer(Answer):
    at: str
    health: dict
    day: dict
    backup: dict
    retention: dict
    disk: dict


class DaysAnswer(Answer):
    first: str = Field(alias="from")
    last: str = Field(alias="to")
    days: list[dict]
