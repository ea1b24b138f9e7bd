"""The hall file's [appointments], [platform] and [ratings] sections, each
key checked with its path and line like the rest of the file."""
from __future__ import annotations

from hub.hallfile.checker import default_of, show
from hub.hallfile.lines import join
from hub.hallfile.records import Appointments, Platform, Ratings

APPOINTMENT_KEYS = ("matters", "slot_minutes", "capacity", "capacity_per_matter", "days_ahead", "cutoff_minutes",
                    "checkin_before_minutes", "checkin_after_minutes", "late", "no_show_limit", "block_days",
                    "retention_days")
# key -> smallest value allowed
APPOINTMENT_INTS = {"slot_minutes": 5, "capacity": 1, "days_ahead": 0, "cutoff_minutes": 0,
                    "checkin_before_minutes": 0, "checkin_after_minutes": 0, "no_show_limit": 0,
                    "block_days": 1, "retention_days": 1}
LATE_CHOICES = ("refuse", "normal")
PLATFORM_KEYS = ("url", "key", "area_code", "timeout_s")
RATING_KEYS = ("reasons", "contact_working_days", "rectify_working_days", "default_after_days", "default_score")


def read_appointments(c, doc, matter_ids):
    p = "appointments"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, APPOINTMENT_KEYS)
    values = {key: _int_at_least(c, t, p, key, low, Appointments) for key, low in APPOINTMENT_INTS.items()}
    matters = c.strings(t, p, "matters", ())
    for i, matter in enumerate(matters):
        if matter not in matter_ids:
            c.error(f"{join(p, 'matters')}[{i}]", f"未知的事项 {show(matter)}")
    per_matter = c.get(t, p, "capacity_per_matter", "table", {})
    capacity = {}
    for matter, places in per_matter.items():
        where = join(join(p, "capacity_per_matter"), matter)
        if matter not in matters:
            c.error(where, f"事项 {show(matter)} 不在 appointments.matters 中, 不接受预约")
        elif isinstance(places, bool) or not isinstance(places, int) or places < 1:
            c.error(where, f"应为正整数, 而不是 {show(places)}")
        else:
            capacity[matter] = places
    late = c.get(t, p, "late", "str", default_of(Appointments, "late"))
    c.one_of(late, LATE_CHOICES, p, "late", t, "迟到处理方式")
    if values["slot_minutes"] and 24 * 60 % values["slot_minutes"]:
        c.error(join(p, "slot_minutes"), f"时段长度须能整除一天 (如 15、20、30、60), 而不是 {values['slot_minutes']}")
    return Appointments(matters=matters, capacity_per_matter=capacity, late=late, **values)


def read_platform(c, doc):
    p = "platform"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, PLATFORM_KEYS)
    url = c.get(t, p, "url", "str", "")
    key = c.get(t, p, "key", "str", "")
    area = c.get(t, p, "area_code", "str", "")
    timeout = c.get(t, p, "timeout_s", "num", default_of(Platform, "timeout_s"))
    c.positive(timeout, p, "timeout_s", t)
    if url:
        if not url.startswith(("http://", "https://")):
            c.error(join(p, "url"), f"应以 http:// 或 https:// 开头, 而不是 {show(url)}")
        if not key:
            c.error(join(p, "key"), "填写了 url 就必须填写平台分配的 key")
        if not (area.isdigit() and len(area) in (6, 9, 12)):
            c.error(join(p, "area_code"), f"行政区划代码应为 6、9 或 12 位数字, 而不是 {show(area)}")
    return Platform(url=url, key=key, area_code=area, timeout_s=float(timeout))


def read_ratings(c, doc, rules):
    """[ratings]; a hall file from before it keeps its `[rules] followup_working_days` as the 回访 deadline."""
    p = "ratings"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, RATING_KEYS)
    reasons = c.strings(t, p, "reasons", default_of(Ratings, "reasons"))
    if "reasons" in t and not reasons:
        c.error(join(p, "reasons"), "差评原因至少需要一项")
    values = {key: _int_at_least(c, t, p, key, low, Ratings) for key, low in
              (("contact_working_days", 1), ("rectify_working_days", 1), ("default_after_days", 0))}
    if "contact_working_days" not in t:
        values["contact_working_days"] = rules.followup_working_days
    if "rectify_working_days" not in t:
        values["rectify_working_days"] = max(values["rectify_working_days"], values["contact_working_days"])
    if values["rectify_working_days"] < values["contact_working_days"]:
        c.error(join(p, "rectify_working_days"), "整改期限不能短于回访期限")
    score = _int_at_least(c, t, p, "default_score", 1, Ratings)
    if score > 5:
        c.error(join(p, "default_score"), f"应为 1 到 5, 而不是 {score}")
    return Ratings(reasons=reasons, default_score=score, **values)


def _int_at_least(c, t, p, key, low, record):
    """An integer key of [appointments] or [ratings], its default from `record`'s field."""
    value = c.get(t, p, key, "int", default_of(record, key))
    if key in t and value < low:
        c.error(join(p, key), f"不能小于 {low}, 而不是 {show(value)}")
    return value
