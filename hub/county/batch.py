"""The uplink batch as the county accepts it: one pydantic model validates it
(and documents it); a refusal names the first wrong path, e.g. events[3].at."""
from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, ValidationError

from hub.county.errors import CountyError
from hub.county.figures import parse_at

MAX_EVENTS = 5000


class UplinkEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event_id: StrictInt = Field(ge=1, le=2**62)
    at: Union[StrictInt, StrictFloat, StrictStr]
    type: StrictStr = Field(min_length=1, max_length=64)
    data: dict[str, Any]


class UplinkBatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    hall: StrictStr = Field(min_length=1, max_length=64)
    events: list[UplinkEvent] = Field(max_length=MAX_EVENTS)
    after: Optional[StrictInt] = Field(default=None, ge=0)
    facts: Optional[dict[str, Any]] = None


def _path(loc):
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_batch(body):
    """The batch, its events as (event_id, at, type, data) sorted by id and without repeats."""
    if not isinstance(body, dict):
        raise CountyError(400, "bad_json")
    if isinstance(body.get("events"), list) and len(body["events"]) > MAX_EVENTS:
        raise CountyError(413, "too_many_events", limit=MAX_EVENTS)
    try:
        batch = UplinkBatch.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CountyError(422, "bad_field", field=_path(first["loc"]) or "body", why=first["msg"]) from None
    rows = {}
    for i, e in enumerate(batch.events):
        try:
            at = parse_at(e.at)
        except ValueError:
            raise CountyError(422, "bad_field", field=f"events[{i}].at",
                              why="须为 unix 秒数或带时区的 ISO 8601 时间") from None
        rows.setdefault(e.event_id, (e.event_id, at, e.type, e.data))
    return batch, [rows[k] for k in sorted(rows)]
