"""The shapes every area shares: the error, the three kinds of input model and
the ids that appear in paths and bodies."""
from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hub.rules.errors import HallError

BIG = 2**62  # ids and counters stay well inside SQLite's 64-bit integers

TicketId = Annotated[int, Field(ge=1, lt=BIG)]
EventId = Annotated[int, Field(ge=0, lt=BIG)]
ShortId = Annotated[str, Field(min_length=1, max_length=32)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=2000)]
Pin = Annotated[str, Field(min_length=1, max_length=64)]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-11-26"])]
Score = Annotated[int, Field(ge=1, le=5)]


class Body(BaseModel):
    """A JSON body: types as sent (no "1" for 1), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


class NoBody(Body):
    """A POST that takes no fields (any JSON object is accepted and ignored)."""


class Query(BaseModel):
    """A query string: values arrive as text and are parsed to their types."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class PathModel(BaseModel):
    """The values of a URL path; a wrong one is a 404 with `NOT_FOUND[name]`."""

    model_config = ConfigDict(extra="forbid")
    NOT_FOUND: ClassVar[dict] = {}
    ERROR: ClassVar[type] = HallError


class Answer(BaseModel):
    """An answer: the fields listed are always there; more may be added."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["bad_field"])
    message: str = Field(examples=["字段 matter 无效: 须为文字"])


class ErrorBody(BaseModel):
    """Every refusal: a stable code and a message in the request's language."""

    error: ErrorDetail


class Ok(Answer):
    ok: bool


class Anything(Answer):
    """A JSON object whose fields are described in docs/api.md."""

