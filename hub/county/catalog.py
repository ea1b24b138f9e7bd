"""The county's matter catalogue: the matter tables of a hall file
([[matters]], [[questions]], [materials_en]), checked by the same checker as
`hallq check-config` before it is published as a new version."""
from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from hub.hallfile.model import check_file, format_error

CATALOG_TABLES = ("matters", "questions", "materials_en")


class CatalogError(Exception):
    """The file cannot be published; the message lists every problem (zh-CN)."""


def _plain(value):
    """TOML values as JSON: dates as YYYY-MM-DD."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def read_catalog(path):
    """{"matters", "questions", "materials_en"} of a checked hall file, or CatalogError."""
    errors = check_file(path)
    if errors:
        lines = "\n".join(f"  {format_error(e)}" for e in errors)
        raise CatalogError(f"{path}: {len(errors)} 处错误, 未发布:\n{lines}")
    doc = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    body = {"matters": _plain(doc.get("matters", [])), "questions": _plain(doc.get("questions", [])),
            "materials_en": _plain(doc.get("materials_en", {}))}
    if not body["matters"]:
        raise CatalogError(f"{path}: 没有 [[matters]] 事项表, 未发布")
    return body


def coverage(matters):
    """(complete, total): matters whose material lists (and each situation's) are non-empty (一次性告知)."""
    complete = sum(1 for m in matters if m.get("materials") and all(s.get("materials") for s in m.get("situations", [])))
    return complete, len(matters)
