"""Reading checked values out of a parsed hall file.

A Checker hands out values by key and records, instead of raising, every
problem it meets as (key_path, line, message): the loader reports all of a
file's errors at once, like a compiler. After an error the checker still
returns a harmless value of the right type so that reading can go on.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from hub.hallfile.lines import join, line_of

MISSING = object()

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def default_of(cls, name):
    """The default of a model field: defaults live in the dataclasses only."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
    raise KeyError(name)


def show(value):
    """A value as the hall file would spell it, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    return str(value)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _as_date(v):
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


# kind -> (test, convert, name in messages, neutral value after an error)
KINDS = {
    "str": (lambda v: isinstance(v, str), str, "文本 (用引号括起)", ""),
    "int": (_is_int, int, "整数", 0),
    "num": (_is_num, float, "数字", 0.0),
    "bool": (lambda v: isinstance(v, bool), bool, "true 或 false", False),
    "table": (lambda v: isinstance(v, dict), dict, "表 (键值对)", {}),
    "list": (lambda v: isinstance(v, list), list, "数组 [...]", []),
}


class Checker:
    def __init__(self, lines):
        self.errors = []
        self._lines = lines

    def error(self, path, message):
        self.errors.append((path, line_of(self._lines, path), message))

    # values -----------------------------------------------------------------
    def get(self, table, path, key, kind, default=MISSING):
        """table[key] checked to be of `kind`; `default` when absent (absent
        without a default is an error)."""
        test, convert, name, neutral = KINDS[kind]
        where = join(path, key)
        if key not in table:
            if default is MISSING:
                self.error(where, f"缺少必填项 {key}")
                return convert(neutral)
            return default
        value = table[key]
        if not test(value):
            self.error(where, f"应为{name}, 而不是 {show(value)}")
            return convert(neutral) if default is MISSING else default
        return convert(value)

    def text(self, table, path, key, default=MISSING):
        """A string that, when required, must not be blank."""
        value = self.get(table, path, key, "str", default)
        if default is MISSING and key in table and isinstance(table[key], str) and not value.strip():
            self.error(join(path, key), f"{key} 不能为空")
        return value

    def strings(self, table, path, key, default=()):
        items = self.get(table, path, key, "list", MISSING if default is MISSING else list(default))
        out = []
        for i, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                out.append(item)
            else:
                self.error(f"{join(path, key)}[{i}]", f"应为非空文本, 而不是 {show(item)}")
        return tuple(out)

    def ints(self, table, path, key, default, low, high=None):
        items = self.get(table, path, key, "list", list(default))
        out = []
        for i, item in enumerate(items):
            if not _is_int(item) or item < low or (high is not None and item > high):
                span = f"{low} 到 {high}" if high is not None else f"不小于 {low}"
                self.error(f"{join(path, key)}[{i}]", f"应为{span}的整数, 而不是 {show(item)}")
            else:
                out.append(item)
        return tuple(out)

    def tables(self, doc, path, key, required=True):
        """An array of tables ([[key]]), as (path, table) pairs."""
        items = self.get(doc, path, key, "list", MISSING if required else [])
        if required and key in doc and isinstance(doc[key], list) and not items:
            self.error(join(path, key), f"至少需要一项 {key}")
        out = []
        for i, item in enumerate(items):
            where = f"{join(path, key)}[{i}]"
            if isinstance(item, dict):
                out.append((where, item))
            else:
                self.error(where, f"应为表 (键值对), 而不是 {show(item)}")
        return out

    def dates(self, table, path, key):
        items = self.get(table, path, key, "list", [])
        out = []
        for i, item in enumerate(items):
            day = _as_date(item)
            if day is None:
                self.error(f"{join(path, key)}[{i}]", f"应为日期 YYYY-MM-DD, 而不是 {show(item)}")
            else:
                out.append((f"{join(path, key)}[{i}]", day))
        return out

    # checks -----------------------------------------------------------------
    def unknown(self, table, path, allowed):
        for key in table:
            if key not in allowed:
                self.error(join(path, key), f'未知的配置项 "{key}"')

    def positive(self, value, path, key, table, integer=False):
        if key in table and value is not None and value <= 0:
            what = "必须是正整数" if integer else "必须大于 0"
            self.error(join(path, key), f"{what}, 而不是 {show(value)}")

    def one_of(self, value, choices, path, key, table, what):
        if key in table and value not in choices:
            listed = "、".join(str(c) for c in choices)
            self.error(join(path, key), f"未知的{what} {show(value)} (可选: {listed})")
            return False
        return True

    def ident(self, value, path, key="id"):
        if value and not _ID.match(value):
            self.error(join(path, key), f"编号 {show(value)} 只能包含字母、数字、-、_ 和 .")

    def unique(self, seen, value, path, key, what):
        """Record `value` in `seen` (value -> path); a repeat is an error."""
        if value in ("", None):
            return
        if value in seen:
            self.error(join(path, key), f"重复的{what} {show(value)} (已用于 {seen[value]})")
        else:
            seen[value] = path

    def time(self, value, path):
        if not isinstance(value, str) or not _TIME.match(value):
            self.error(path, f'应为 "HH:MM" 格式的时间 (如 "08:30"), 而不是 {show(value)}')
            return None
        return value
