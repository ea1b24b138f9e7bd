"""Building the Hall model from a parsed hall file, checking every key.

`build_hall(doc, lines)` returns the Hall and the list of errors; a Hall
built with errors is never handed out (hub.hallfile.model.load_hall raises).
"""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.hallfile.records import (
    DEVICE_KINDS, WINDOW_KINDS, Backup, Calendar, Device, Hall, Hours, Queue, Rules, Window,
)
from hub.hallfile.checker import Checker, default_of, show
from hub.hallfile.lines import join
from hub.hallfile.matters import read_matters, read_questions
from hub.hallfile.booking import read_appointments, read_platform, read_ratings
from hub.hallfile.county import read_county
from hub.hallfile.access import read_accounts, read_limits

TOP_KEYS = ("hall", "hours", "calendar", "rules", "backup", "county", "questions", "queues", "matters", "windows",
            "devices", "materials_en", "appointments", "platform", "ratings", "limits", "accounts")
HALL_KEYS = ("name", "name_en", "timezone", "public_url", "language", "notice", "printer", "paper_mm")
HOURS_KEYS = ("periods", "enforce", "expire_at_closing", "workdays")
CALENDAR_KEYS = ("holidays", "workdays")
BACKUP_KEYS = ("dir", "keep", "at")
QUEUE_KEYS = ("id", "name", "name_en", "surge_minutes")
WINDOW_KEYS = ("id", "number", "kind", "name", "profile", "floor")
DEVICE_KEYS = ("id", "kind", "key", "window", "url", "address", "protocol", "options")
LANGUAGES = ("zh-CN", "en")
PAPER_WIDTHS = (58, 80)
# transports a device or printer URL may name (pyserial's and python-escpos')
URL_PREFIXES = ("serial://", "socket://", "loop://", "rfc2217://", "spy://", "usb://", "tcp://", "file://", "/")
WINDOW_DEVICE_KINDS = ("bar", "keypad", "pad")  # devices that belong to one window
MIN_KEY_LENGTH = 16
_KEY = re.compile(r"^[A-Za-z0-9._~+/=-]+$")
WEEKDAYS = "一二三四五六日"
# rule -> (kind, smallest allowed value, message when smaller)
RULE_LIMITS = {
    "recall_limit": ("int", 0, "不能为负数"),
    "rating_minutes": ("num", None, "必须大于 0"),
    "followup_working_days": ("int", 1, "必须是正整数"),
    "auto_open_tidal": ("bool", None, ""),
    "tidal_queue_count": ("int", 1, "必须是正整数"),
    "announce_repeat": ("int", 1, "必须是正整数"),
    "max_body_bytes": ("int", 1024, "不能小于 1024"),
    "event_retention_days": ("int", 7, "不能小于 7"),
}


def build_hall(doc, lines, source=""):
    c = Checker(lines)
    c.unknown(doc, "", TOP_KEYS)
    hall = c.get(doc, "", "hall", "table")
    hours, weekdays = _hours(c, doc)
    calendar = _calendar(c, doc, weekdays)
    rules = _rules(c, doc)
    backup = _backup(c, doc)
    county = read_county(c, doc)
    limits, accounts = read_limits(c, doc), read_accounts(c, doc)
    questions = read_questions(c, doc)
    queues = _queues(c, doc)
    queue_ids = {q.id for _, q in queues}
    matters = read_matters(c, doc, questions, queue_ids)
    windows = _windows(c, doc, queue_ids)
    devices = _devices(c, doc, {w.id for w in windows})
    _check_served(c, queues, windows)
    materials_en = _materials_en(c, doc)
    booking = dict(appointments=read_appointments(c, doc, {m.id for m in matters}),
                   platform=read_platform(c, doc), ratings=read_ratings(c, doc, rules))
    model = Hall(
        **_hall_fields(c, hall, "hall" in doc), hours=hours, calendar=calendar, rules=rules, backup=backup, county=county,
        limits=limits, accounts=accounts,
        queues=tuple(q for _, q in queues), matters=matters, windows=windows,
        devices=devices, materials_en=materials_en, source=str(source), **booking,
    )
    # in file order, as an editor walks them (stable: same line keeps check order)
    return model, sorted(c.errors, key=lambda error: error[1])


def _materials_en(c, doc):
    """[materials_en]: English names of materials, each a non-empty text."""
    table = c.get(doc, "", "materials_en", "table", {})
    out = {}
    for zh, en in table.items():
        if isinstance(en, str) and en.strip():
            out[zh] = en.strip()
        else:
            c.error(join("materials_en", zh), f"应为非空的英文名, 而不是 {show(en)}")
    return out


def _hall_fields(c, h, present):
    p = "hall"
    c.unknown(h, p, HALL_KEYS)
    # a missing [hall] is one error already; do not add one for its name
    out = {"name": c.text(h, p, "name") if present else ""}
    for key in ("name_en", "notice"):
        out[key] = c.get(h, p, key, "str", default_of(Hall, key))
    out["timezone"] = c.text(h, p, "timezone", default_of(Hall, "timezone"))
    try:
        ZoneInfo(out["timezone"])
    except (ZoneInfoNotFoundError, ValueError, OSError):
        c.error(join(p, "timezone"), f"未知的时区 {show(out['timezone'])} (如 \"Asia/Shanghai\")")
    out["public_url"] = c.text(h, p, "public_url", default_of(Hall, "public_url"))
    if not re.match(r"^https?://[^\s/]+", out["public_url"]):
        c.error(join(p, "public_url"), f"必须以 http:// 或 https:// 开头, 而不是 {show(out['public_url'])}")
    out["language"] = c.text(h, p, "language", default_of(Hall, "language"))
    c.one_of(out["language"], LANGUAGES, p, "language", h, "语言")
    out["printer"] = c.get(h, p, "printer", "str", default_of(Hall, "printer"))
    _check_url(c, out["printer"], join(p, "printer"))
    out["paper_mm"] = c.get(h, p, "paper_mm", "int", default_of(Hall, "paper_mm"))
    c.one_of(out["paper_mm"], PAPER_WIDTHS, p, "paper_mm", h, "纸宽")
    return out


def _check_url(c, url, where):
    if url and not url.startswith(URL_PREFIXES):
        c.error(where, f"不支持的设备地址 {show(url)} (应以 {'、'.join(URL_PREFIXES)} 开头, 或留空)")


def _hours(c, doc):
    p = "hours"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, HOURS_KEYS)
    return Hours(
        periods=_periods(c, t, p),
        enforce=c.get(t, p, "enforce", "bool", default_of(Hours, "enforce")),
        expire_at_closing=c.get(t, p, "expire_at_closing", "bool", default_of(Hours, "expire_at_closing")),
    ), _weekdays(c, t, p)


def _periods(c, t, p):
    items = c.get(t, p, "periods", "list", None)
    if items is None:
        return default_of(Hours, "periods")
    if not items:
        c.error(join(p, "periods"), "至少需要一个办公时段")
    out, last_close = [], None
    for i, item in enumerate(items):
        where = f"{p}.periods[{i}]"
        if not (isinstance(item, list) and len(item) == 2):
            c.error(where, f'应为 ["开始", "结束"] 两个时间, 而不是 {show(item)}')
            continue
        start, end = c.time(item[0], f"{where}[0]"), c.time(item[1], f"{where}[1]")
        if not (start and end):
            continue
        if start >= end:
            c.error(where, f"开始时间 {start} 应早于结束时间 {end}")
        elif last_close and start < last_close:
            c.error(where, f"时段 {start}-{end} 与前一时段重叠或顺序颠倒")
        else:
            last_close = end
        out.append((start, end))
    return tuple(out)


def _weekdays(c, t, p):
    """`[hours] workdays`: the hall's days of the week (Monday = 0), the base of
    its calendar, which holidays and make-up days then amend."""
    weekdays = c.ints(t, p, "workdays", default_of(Calendar, "weekdays"), 0, 6)
    if len(set(weekdays)) != len(weekdays):
        c.error(join(p, "workdays"), "有重复的星期")
    if "workdays" in t and isinstance(t["workdays"], list) and not t["workdays"]:
        c.error(join(p, "workdays"), "至少需要一个工作日")
    return tuple(sorted(set(weekdays)))


def _calendar(c, doc, weekdays):
    p = "calendar"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, CALENDAR_KEYS)
    holidays, workdays = c.dates(t, p, "holidays"), c.dates(t, p, "workdays")
    seen = {}
    for where, day in holidays + workdays:
        c.unique(seen, day.isoformat(), where, "", "日期")
    for where, day in workdays:
        if day.weekday() in weekdays:
            c.error(where, f"调休上班日 {day.isoformat()} 是星期{WEEKDAYS[day.weekday()]}, 本来就是工作日")
    return Calendar(
        weekdays=weekdays,
        holidays=tuple(sorted({d.isoformat() for _, d in holidays})),
        workdays=tuple(sorted({d.isoformat() for _, d in workdays})),
    )


def _rules(c, doc):
    p = "rules"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, tuple(RULE_LIMITS) + ("case_alert_days",))
    values = {}
    for key, (kind, low, message) in RULE_LIMITS.items():
        value = c.get(t, p, key, kind, default_of(Rules, key))
        if kind == "num":
            c.positive(value, p, key, t)
        elif kind == "int" and key in t and value < low:
            c.error(join(p, key), f"{message}, 而不是 {show(value)}")
        values[key] = value
    values["case_alert_days"] = c.ints(t, p, "case_alert_days", default_of(Rules, "case_alert_days"), 0)
    return Rules(**values)


def _backup(c, doc):
    p = "backup"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, BACKUP_KEYS)
    directory = c.get(t, p, "dir", "str", default_of(Backup, "dir"))
    if not directory.strip():
        c.error(join(p, "dir"), '备份目录不能为空 (如 "/media/hallq-backup/hallq")')
    elif directory != directory.strip():
        c.error(join(p, "dir"), f"备份目录 {show(directory)} 不能以空格开头或结尾")
    keep = c.get(t, p, "keep", "int", default_of(Backup, "keep"))
    if "keep" in t and keep < 1:
        c.error(join(p, "keep"), f"至少保留 1 份, 而不是 {show(keep)}")
    at = default_of(Backup, "at")
    if "at" in t:
        at = c.time(t["at"], join(p, "at")) or at
    return Backup(dir=directory, keep=keep, at=at)


def _queues(c, doc):
    """[[queues]] -> [(path, Queue)]."""
    out, seen = [], {}
    for path, t in c.tables(doc, "", "queues"):
        c.unknown(t, path, QUEUE_KEYS)
        qid = c.text(t, path, "id")
        if qid and not re.fullmatch(r"[A-Z]", qid):
            c.error(join(path, "id"), f'队列编号必须是一个大写字母 (如 "A"), 而不是 {show(qid)}')
        c.unique(seen, qid, path, "id", "队列编号")
        surge = c.get(t, path, "surge_minutes", "num", default_of(Queue, "surge_minutes"))
        c.positive(surge, path, "surge_minutes", t)
        queue = Queue(id=qid, name=c.text(t, path, "name"),
                      name_en=c.get(t, path, "name_en", "str", ""), surge_minutes=surge)
        out.append((path, queue))
    return out


def _windows(c, doc, queue_ids):
    ids, numbers, out = {}, {}, []
    for path, t in c.tables(doc, "", "windows"):
        c.unknown(t, path, WINDOW_KEYS)
        wid = c.text(t, path, "id")
        c.ident(wid, path)
        c.unique(ids, wid, path, "id", "窗口编号")
        number = c.get(t, path, "number", "int")
        c.positive(number, path, "number", t, integer=True)
        c.unique(numbers, number, path, "number", "窗口号")
        kind = c.text(t, path, "kind")
        known_kind = c.one_of(kind, WINDOW_KINDS, path, "kind", t, "窗口类型")
        profile = _profile(c, t, path, queue_ids)
        if known_kind and kind != "tidal":
            if "profile" not in t:
                c.error(join(path, "profile"), "缺少必填项 profile (非潮汐窗口至少要办理一个队列)")
            elif t["profile"] == {}:
                c.error(join(path, "profile"), "非潮汐窗口至少要办理一个队列")
        out.append(Window(
            id=wid, number=number, kind=kind,
            name=c.get(t, path, "name", "str", f"{number}号窗口"),
            profile=profile, floor=c.get(t, path, "floor", "str", ""),
        ))
    return tuple(out)


def _profile(c, t, path, queue_ids):
    table = c.get(t, path, "profile", "table", {})
    where = join(path, "profile")
    out = {}
    for qid, weight in table.items():
        at = join(where, qid)
        if qid not in queue_ids:
            c.error(at, f'未知的队列 "{qid}"')
        elif isinstance(weight, bool) or not isinstance(weight, (int, float)):
            c.error(at, f"权重应为数字, 而不是 {show(weight)}")
        elif weight <= 0:
            c.error(at, f"权重必须大于 0, 而不是 {show(weight)}")
        else:
            out[qid] = float(weight)
    return out


def _devices(c, doc, window_ids):
    ids, keys, addresses, out = {}, {}, {}, []
    for path, t in c.tables(doc, "", "devices", required=False):
        c.unknown(t, path, DEVICE_KEYS)
        did = c.text(t, path, "id")
        c.ident(did, path)
        c.unique(ids, did, path, "id", "设备编号")
        kind = c.text(t, path, "kind")
        c.one_of(kind, DEVICE_KINDS, path, "kind", t, "设备类型")
        key = _device_key(c, t, path, keys)
        window = _device_window(c, t, path, kind, window_ids)
        url = c.get(t, path, "url", "str", default_of(Device, "url"))
        _check_url(c, url, join(path, "url"))
        address = c.get(t, path, "address", "int", default_of(Device, "address"))
        if not 0 <= address <= 247:
            c.error(join(path, "address"), f"总线地址应在 0 到 247 之间, 而不是 {address}")
        elif address and url:
            c.unique(addresses, (url, address), path, "address", "总线地址 (同一线路)")
        protocol = c.get(t, path, "protocol", "str", default_of(Device, "protocol"))
        if not protocol.strip():
            c.error(join(path, "protocol"), "protocol 不能为空")
        out.append(Device(id=did, kind=kind, key=key, window=window, url=url, address=address,
                          protocol=protocol, options=c.get(t, path, "options", "table", {})))
    return tuple(out)


def _device_key(c, t, path, keys):
    key = c.text(t, path, "key")
    where = join(path, "key")
    if not key:
        return key
    if len(key) < MIN_KEY_LENGTH:
        c.error(where, f"设备密钥至少 {MIN_KEY_LENGTH} 个字符, 现为 {len(key)} 个")
    if not _KEY.match(key):
        c.error(where, "设备密钥只能包含字母、数字和 . _ ~ + / = -")
    if key in keys:  # the key is a secret: name the clash, never echo it
        c.error(where, f"与 {keys[key]} 的设备密钥相同, 每台设备的密钥必须不同")
    keys.setdefault(key, path)
    return key


def _device_window(c, t, path, kind, window_ids):
    window = c.get(t, path, "window", "str", None)
    if window is not None and window not in window_ids:
        c.error(join(path, "window"), f'未知的窗口 "{window}"')
    if window is None and kind in WINDOW_DEVICE_KINDS and "window" not in t:
        c.error(join(path, "window"), "缺少必填项 window (窗口屏、呼叫器和评价器必须指定所属窗口)")
    return window


def _check_served(c, queues, windows):
    served = {qid for w in windows for qid in w.profile}
    for path, queue in queues:
        if queue.id and queue.id not in served:
            c.error(path, f'没有窗口办理队列 "{queue.id}" (请把它加入某个窗口的 profile)')
