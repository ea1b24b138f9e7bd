"""The shapes every area shares: the error, the three kinds of input model and
the ids that appear in paths and bodies."""
from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from hub.rules.errors import HallError

BIG = 2**62  # ids and counters stay well inside SQLite's 64-bit integers

TicketId = Annotated[int, Field(ge=1, lt=BIG)]
EventId = Annotated[int, Field(ge=0, lt=BIG)]
ShortId = Annotated[str, Field(min_length=1, max_length=32)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=2000)]
Pin = Annotated[str, Field(min_length=1, max_length=64)]


def _real_day(text):
    try:
        if len(text) != 10:
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError:
        raise ValueError("date") from None
    return text


Day = Annotated[str, Field(max_length=10, examples=["2026-11-26"]), AfterValidator(_real_day)]
Format = Annotated[Literal["json", "csv", "xlsx"], BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v)]
FILE_TYPES = ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
Score = Annotated[int, Field(ge=1, le=5)]


class Body(BaseModel):
    """A JSON body: types as sent (no "1" for 1), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


class NoBody(Body):
    """A POST that takes no fields (any JSON object is accepted and ignored)."""


class Query(BaseModel):
    """A query string: values arrive as text and are parsed to their types; `?x=` is no x."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data):
        return {k: v for k, v in data.items() if v != ""} if isinstance(data, dict) else data


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

