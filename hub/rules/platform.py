"""The message a rating becomes for the provincial 好差评 system, and its check.

One shape, used by the hub's outbox (to build it) and by the platform
simulator (to check what it receives): the national specification's five
levels, the 差评 reasons, and the 办件, 事项 and staff the rating is tied to.
A rating's `rating_id` with its `revision` make a repeat harmless: revision 1
is the rating, revision 2 its upheld appeal (申诉成立), which the platform
then leaves out of the staff's figures.
"""
from __future__ import annotations

import re

VERSION = "2"
LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
CHANNELS = ("pad", "phone", "default")
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$")

# field -> (kind, required); kind "str?" is a string or null
FIELDS = {
    "version": ("str", True), "rating_id": ("str", True), "revision": ("int", True), "area_code": ("str", True),
    "hall": ("str", True), "ticket_number": ("str", True), "case_number": ("str?", True),
    "matter_code": ("str", True), "matter_name": ("str", True), "department": ("str", True),
    "window": ("str", True), "staff": ("str?", True), "score": ("int", True), "level": ("str", True),
    "channel": ("str", True), "rated_at": ("str", True), "reasons": ("list", True),
    "appeal": ("str?", True), "defaulted": ("bool", True),
}


def message(rating, revision=1, appeal=None):
    """The platform's message for a rating (a dict of the facts below)."""
    score = rating["score"]
    return {
        "version": VERSION, "rating_id": rating["rating_id"], "revision": revision,
        "area_code": rating["area_code"], "hall": rating["hall"], "ticket_number": rating["ticket_number"],
        "case_number": rating.get("case_number"), "matter_code": rating["matter_code"],
        "matter_name": rating["matter_name"], "department": rating["department"], "window": rating["window"],
        "staff": rating.get("staff"), "score": score, "level": LEVELS[score], "channel": rating["channel"],
        "rated_at": rating["rated_at"], "reasons": list(rating.get("reasons") or []), "appeal": appeal,
        "defaulted": bool(rating.get("defaulted")),
    }


def problems(doc):
    """Every way `doc` is not a valid message, as (field, why) pairs; [] if valid."""
    if not isinstance(doc, dict):
        return [("", "body must be a JSON object")]
    found = [(name, "unknown field") for name in doc if name not in FIELDS]
    for name, (kind, required) in FIELDS.items():
        if name not in doc:
            if required:
                found.append((name, "missing"))
            continue
        why = _type_problem(doc[name], kind)
        if why:
            found.append((name, why))
    if found:
        return found
    if doc["version"] != VERSION:
        found.append(("version", f"must be {VERSION!r}"))
    if doc["score"] not in LEVELS:
        found.append(("score", "must be 1..5"))
    elif doc["level"] != LEVELS[doc["score"]]:
        found.append(("level", f"score {doc['score']} is {LEVELS[doc['score']]!r}"))
    if doc["channel"] not in CHANNELS:
        found.append(("channel", f"must be one of {', '.join(CHANNELS)}"))
    if not (doc["area_code"].isdigit() and len(doc["area_code"]) in (6, 9, 12)):
        found.append(("area_code", "must be 6, 9 or 12 digits"))
    if not _ISO.match(doc["rated_at"]):
        found.append(("rated_at", "must be ISO 8601 with its offset"))
    if doc["score"] in (1, 2) and not doc["reasons"] and doc["channel"] != "pad":
        found.append(("reasons", "a rating of 1 or 2 from a phone gives its reasons"))
    if not all(isinstance(r, str) and r for r in doc["reasons"]):
        found.append(("reasons", "must be non-empty strings"))
    if doc["revision"] not in (1, 2):
        found.append(("revision", "must be 1 (the rating) or 2 (its appeal)"))
    if doc["revision"] == 2 and doc["appeal"] != "upheld":
        found.append(("appeal", "revision 2 carries appeal 'upheld'"))
    return found


def _type_problem(value, kind):
    if kind == "str" and not (isinstance(value, str) and value):
        return "must be a non-empty string"
    if kind == "str?" and not (value is None or isinstance(value, str)):
        return "must be a string or null"
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return "must be an integer"
    if kind == "bool" and not isinstance(value, bool):
        return "must be true or false"
    if kind == "list" and not isinstance(value, list):
        return "must be a list"
    return None
