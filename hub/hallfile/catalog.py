"""The county's matter catalogue merged into a hall file, and checked by the
same checker as `hallq check-config`.

The county publishes the matter tables of a hall file as JSON (docs/api.md
"Catalog: county → hall": `matters`, `questions`, `materials_en`). A hall
takes them into its own file's tables: a county matter replaces the hall's
matter of the same id, the hall's other matters stay as its local additions.
What is the hall's own layout stays the hall's: for a matter it already had,
its queue, share and whether the kiosk shows it first; a matter new to the
hall goes to the county's queue when the hall has it, else to the queue the
hall's matters of the same department use. The merged document is built by
`build_hall`, so every rule of the hall file applies to the county's matters
too; an error in a county matter is named as the county's.
"""
from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

from hub.hallfile.build import build_hall
from hub.hallfile.lines import key_lines
from hub.hallfile.model import ConfigError, demo_hall_path, format_error

HALL_OWN = ("queue", "share", "common")  # a matter's place in this hall, kept from the hall's own entry
COUNTY_PREFIX = "县目录"


class CatalogError(Exception):
    """A catalogue that cannot be applied: `errors` are lines for people (Chinese)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def shape_errors(catalog):
    """What is wrong with the answer itself, before any matter is read."""
    if not isinstance(catalog, dict):
        return ["县平台返回的事项目录不是 JSON 对象"]
    errors = []
    version = catalog.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        errors.append(f"事项目录缺少有效的版本号 version (应为正整数, 而不是 {version!r})")
    for key, kind, name in (("matters", list, "数组"), ("questions", list, "数组"), ("materials_en", dict, "对象")):
        if key in catalog and not isinstance(catalog[key], kind):
            errors.append(f"事项目录的 {key} 应为{name}")
    if not catalog.get("matters"):
        errors.append("事项目录没有任何事项 (matters 为空)")
    return errors


def read_doc(path=None):
    """The hall file as a TOML document and its key lines; CatalogError when it does not read."""
    path = demo_hall_path() if path is None or path == "" else Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
        return tomllib.loads(text), key_lines(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError([f"无法读取本厅配置文件 {path}: {exc}"]) from None


def merge(doc, lines, catalog):
    """(merged document, its key lines, county matter ids, local matter ids)."""
    own = [m for m in doc.get("matters", []) if isinstance(m, dict)]
    own_by_id = {m.get("id"): m for m in own}
    queues = {q.get("id") for q in doc.get("queues", []) if isinstance(q, dict)}
    by_department = _department_queues(own)
    county = [_placed(dict(m), own_by_id, queues, by_department) if isinstance(m, dict) else m
              for m in catalog.get("matters", [])]
    county_ids = [m.get("id") for m in county if isinstance(m, dict)]
    local = [(i, m) for i, m in enumerate(doc.get("matters", [])) if not (isinstance(m, dict) and m.get("id") in county_ids)]
    questions = list(catalog.get("questions", []))
    asked = {q.get("id") for q in questions if isinstance(q, dict)}
    own_questions = [(i, q) for i, q in enumerate(doc.get("questions", [])) if not (isinstance(q, dict) and q.get("id") in asked)]
    merged = dict(doc, matters=county + [m for _, m in local], questions=questions + [q for _, q in own_questions])
    merged["materials_en"] = dict(doc.get("materials_en", {}), **catalog.get("materials_en", {}))
    moved = {**_moved("matters", local, len(county)), **_moved("questions", own_questions, len(questions))}
    merged_lines = {path: line for path, line in lines.items() if not path.startswith(("matters", "questions"))}
    for path, line in lines.items():
        head = path.split(".", 1)[0]
        if head in moved:
            merged_lines[moved[head] + path[len(head):]] = line
    return merged, merged_lines, county_ids, [m.get("id") for _, m in local if isinstance(m, dict)]


def apply_catalog(hall_path, catalog):
    """(the Hall with the county's matters, county ids, local ids); CatalogError with every problem."""
    errors = shape_errors(catalog)
    if errors:
        raise CatalogError(errors)
    doc, lines = read_doc(hall_path)
    merged, merged_lines, county_ids, local_ids = merge(doc, lines, catalog)
    hall, found = build_hall(merged, merged_lines, source=hall_path or "")
    if found:
        raise CatalogError([_name(e, merged, len(county_ids), len(catalog.get("questions", []))) for e in found])
    return hall, county_ids, local_ids


def check(hall_path, catalog):
    """The errors of applying `catalog` to the hall file ([] when it applies)."""
    try:
        apply_catalog(hall_path, catalog)
    except (CatalogError, ConfigError) as exc:
        return exc.errors
    return []


def _placed(matter, own_by_id, queues, by_department):
    mine = own_by_id.get(matter.get("id"))
    if mine is not None:
        for key in HALL_OWN:
            if key in mine:
                matter[key] = mine[key]
            else:
                matter.pop(key, None)
    elif matter.get("queue") not in queues and matter.get("department") in by_department:
        matter["queue"] = by_department[matter["department"]]
    return matter


def _department_queues(own):
    counts = {}
    for m in own:
        counts.setdefault(m.get("department"), Counter())[m.get("queue")] += 1
    return {department: c.most_common(1)[0][0] for department, c in counts.items()}


def _moved(table, kept, offset):
    """{old path: new path} of the hall's own entries after the county's."""
    return {f"{table}[{old}]": f"{table}[{offset + new}]" for new, (old, _) in enumerate(kept)}


def _name(error, merged, county_matters, county_questions):
    """An error in the county's part says so and names the matter; the hall's own keep their lines."""
    path, line, message = error
    for table, count in (("matters", county_matters), ("questions", county_questions)):
        if path.startswith(table + "["):
            index = int(path[len(table) + 1: path.index("]")])
            if index < count:
                item = merged[table][index]
                ident = item.get("id") if isinstance(item, dict) else None
                what = {"matters": "事项", "questions": "问题"}[table]
                return f"{COUNTY_PREFIX}{what} {ident or '?'} ({path}): {message}"
    return format_error(error)
