"""The hall file: one typed model of the hall, loaded from TOML.

The model is the records in hub/hallfile/records.py (re-exported here, where
the rest of hallq imports them from); nothing reads
the file or the environment at import time. `load_hall(path)` collects every
error with its key path and line before refusing (ConfigError.errors).
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from hub.hallfile.build import build_hall
from hub.hallfile.lines import key_lines
from hub.hallfile.records import (  # noqa: F401  (the model, as the rest of hallq imports it)
    DEFAULT_PIN_RULES, DEVICE_KINDS, MATTER_MODES, MATTER_SCOPES, WINDOW_KINDS, Accounts, Appointments, Backup,
    Calendar, County, Device, Hall, Hours, Limits, Matter, Option, PinRule, Platform, Question, Queue, Ratings,
    Rules, Situation, Window,
)


class ConfigError(Exception):
    """All the errors of a hall file; each is (key_path, line, message)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(format_error(e) for e in self.errors))


def format_error(error):
    path, line, message = error
    where = f"第 {line} 行" if line else "位置未知"
    return f"{path} ({where}): {message}"


# loading ------------------------------------------------------------------
SYNTAX_PATH = "(TOML 语法)"
# tomllib's messages start with these; the hall reads Chinese
_SYNTAX_HINTS = (
    ("Invalid value", "无效的值 (文本要用英文引号括起, 如 \"08:30\")"),
    ("Expected '=' after a key", "键后面缺少 \"=\""),
    ("Cannot overwrite a value", "重复定义的键"),
    ("Cannot declare", "重复定义的表"),
    ("Unclosed array", "数组缺少 \"]\""),
    ("Unclosed inline table", "内联表缺少 \"}\""),
    ("Unterminated string", "字符串缺少结束引号"),
    ("Illegal character '\\n'", "字符串缺少结束引号 (一行内的字符串不能换行)"),
    ("Illegal character", "非法字符"),
    ("Invalid statement", "无法识别的语句"),
    ("Invalid initial character for a key part", "键名无效"),
    ("Expected ']' at the end of a table declaration", "表头缺少 \"]\""),
    ("Expected ']]' at the end of an array declaration", "表头缺少 \"]]\""),
    ("Expected newline or end of document after a statement",
     "一行只能写一个键值对 (时间等文本要用英文引号括起, 如 \"08:30\")"),
)


def demo_hall_path():
    """config/demo-hall.toml, found through the installed `config` package."""
    import config

    return Path(config.__file__).parent / "demo-hall.toml"


def load_hall(path=None):
    """The Hall of a hall file (None: the demo hall); ConfigError lists every
    problem of the file with its key path and line."""
    hall, errors = _read(path)
    if errors:
        raise ConfigError(errors)
    return hall


def check_file(path):
    """All errors of a hall file as (key_path, line, message); [] if it is fine."""
    return _read(path)[1]


def _read(path):
    path = demo_hall_path() if path is None else Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [(str(path), 0, "找不到配置文件")]
    except OSError as exc:
        return None, [(str(path), 0, f"无法读取配置文件: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")  # tolerate the BOM some Windows editors write
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [(str(path), line, "文件不是 UTF-8 编码, 请另存为 UTF-8")]
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax_error(str(exc), text)]
    return build_hall(doc, key_lines(text), source=path)


def _syntax_error(message, text):
    where = re.search(r"\(at line (\d+), column (\d+)\)", message)
    english = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    hint = next((zh for prefix, zh in _SYNTAX_HINTS if english.startswith(prefix)), "")
    detail = f"{hint} ({english})" if hint else english
    if where:
        line, column = int(where.group(1)), int(where.group(2))
        return (SYNTAX_PATH, line, f"TOML 语法错误, 第 {column} 列: {detail}")
    last = text.rstrip("\n").count("\n") + 1
    return (SYNTAX_PATH, last, f"TOML 语法错误, 在文件末尾: {detail}")
