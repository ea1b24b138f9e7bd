"""Slips for the ticket printer: slip data (a dict) -> ESC/POS bytes.

Pure functions, no I/O: `render(slip, paper_mm=80) -> bytes`. python-escpos's
Dummy printer collects the styling commands, the cut and the QR code; the text
itself is sent raw, because python-escpos's codepage magic has no Chinese:
every line holding Chinese is wrapped in the printer's Chinese mode
(FS & ... FS .) and encoded in GB18030. The QR code is printed natively by the
printer (GS ( k), never as an image, so it stays sharp and small on the wire.

Slip kinds (`slip["kind"]`) and their keys (docs/printing.md has the details):
- "ticket": hall, number, queue_name, matter_name, situation_name?, ahead?,
  eta_minutes?, eta_range_minutes?, serve_kinds?, materials, issued_at, status_url, priority?,
  status_note? (a reprint of a ticket no longer waiting), reprint? (补打)
- "materials" (一次性告知单): hall, matter_name, situation_name?, department?,
  mode?, promised_days?, conditions?, materials, printed_at?
- "receipt" (受理回执): hall, case_number, matter_name, department?,
  accepted_at?, deadline, pickup_code, case_url?
- "correction" (补正告知): hall, case_number?, matter_name, missing, note?,
  deadline?, printed_at?
Paper: 58 mm = 32 columns (384 dots), 80 mm = 48 columns (576 dots) in font A;
a Chinese character takes two columns.
"""
from __future__ import annotations

import datetime as _dt

PAPER = {58: (32, 384), 80: (48, 576)}  # paper width mm -> (columns, dots)

FS_CHINESE_ON = b"\x1c&"
FS_CHINESE_OFF = b"\x1c."

WINDOW_KIND_NAMES = {
    "comprehensive": "综合受理窗口",
    "professional": "专业窗口",
    "tidal": "潮汐窗口",
    "output": "统一出件窗口",
    "help": "帮办代办窗口",
    "consult": "咨询导办窗口",
    "complaint": "“一次办不好”窗口",
}
PRIORITY_NAMES = {"green": "绿色通道", "appointment": "预约", "help": "帮办代办"}
MODE_NAMES = {"instant": "即办件", "promised": "承诺件"}

# Chinese punctuation that must not begin a line (避头标点).
_NO_LINE_START = set("，。、；：？！）」』》〉】”’,.;:?!)")


class SlipError(ValueError):
    """A slip that cannot be printed; the message names what is wrong."""


def columns(paper_mm):
    """Characters per line in font A for a paper width (58 or 80 mm)."""
    try:
        return PAPER[int(paper_mm)][0]
    except (KeyError, TypeError, ValueError):
        raise SlipError(f"纸宽 {paper_mm!r} 不受支持，只能是 58 或 80 (毫米)") from None


def char_width(ch):
    """Columns a character takes: in Chinese mode every multi-byte GB18030
    character prints full-width (24 dots), single bytes half-width (12)."""
    try:
        return 1 if len(ch.encode("gb18030")) == 1 else 2
    except UnicodeEncodeError:
        return 2


def text_width(text):
    return sum(char_width(ch) for ch in text)


def wrap(text, width, indent=0):
    """Break `text` into lines of at most `width` columns (CJK counts two).

    Latin words are kept whole where they fit; CJK breaks anywhere except
    before closing punctuation. Continuation lines start with `indent` spaces.
    """
    if width < 4 + indent:
        raise SlipError(f"行宽 {width} 太窄")
    lines = []
    for paragraph in str(text).split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, indent))
    return lines


def _wrap_paragraph(text, width, indent):
    lines, line = [], ""
    pad = " " * indent
    for token in _tokens(text):
        if token == " " and lines and not line.strip():
            continue  # no leading blank on a continuation line
        if text_width(line) + text_width(token) <= width:
            line += token
            continue
        if token == " ":
            lines.append(line.rstrip())
            line = pad
        elif text_width(token) <= width - indent - 2 and line.strip():
            line = line.rstrip()
            carried = ""
            if token in _NO_LINE_START and len(line.strip()) > 1:
                line, carried = line[:-1], line[-1]  # a line never starts with '，'
            lines.append(line.rstrip())
            line = pad + carried + token
        else:
            for ch in token:  # a word longer than a line: split it
                if text_width(line) + char_width(ch) > width:
                    lines.append(line.rstrip())
                    line = pad
                line += ch
    lines.append(line.rstrip())
    return lines


def _tokens(text):
    """Words of Latin letters/digits stay together; every CJK char is its own token."""
    word = ""
    for ch in text:
        if ch.isspace() or char_width(ch) == 2:
            if word:
                yield word
                word = ""
            yield " " if ch.isspace() else ch
        else:
            word += ch
    if word:
        yield word


def encode_line(text):
    """One line of text as printer bytes: Chinese mode around non-ASCII."""
    if text.isascii():
        return text.encode("ascii")
    try:
        data = text.encode("gb18030")
    except UnicodeEncodeError as exc:
        raise SlipError(f"无法用 GB18030 编码的字符: {text[exc.start:exc.end]!r}") from None
    return FS_CHINESE_ON + data + FS_CHINESE_OFF


class SlipWriter:
    """Collects one slip's bytes through python-escpos's Dummy printer."""

    def __init__(self, paper_mm=80):
        from escpos.printer import Dummy  # heavy import kept out of module load

        self.columns = columns(paper_mm)
        self.paper_mm = int(paper_mm)
        self.printer = Dummy()
        self.printer.hw("INIT")
        self._style = ("left", False, 1)  # what ESC @ leaves: align, bold, size

    def style(self, align="left", bold=False, size=1):
        """Send only the style commands that change something."""
        was_align, was_bold, was_size = self._style
        if align != was_align:
            self.printer.set(align=align)
        if bold != was_bold:
            self.printer.set(bold=bold)
        if size != was_size:  # GS ! sizes Chinese characters too, ESC ! would not
            self.printer.set(custom_size=True, width=size, height=size)
        self._style = (align, bold, size)

    def line(self, text="", align="left", bold=False, size=1, indent=0):
        """Print `text` wrapped to the paper; size 2 = double width and height."""
        self.style(align, bold, size)
        for part in wrap(str(text), self.columns // size, indent):
            self.printer._raw(encode_line(part) + b"\n")

    def field(self, label, value, bold=False):
        label = f"{label}："
        self.line(f"{label}{value}", bold=bold, indent=min(text_width(label), 12))

    def numbered(self, items):
        for i, item in enumerate(items, 1):
            prefix = f"{i}. "
            self.line(prefix + item, indent=len(prefix))

    def rule(self, title=""):
        side = (self.columns - text_width(title) - 2) // 2
        if not title:
            self.line("-" * self.columns)
        elif side < 2:
            self.line(title, align="center", bold=True)
        else:
            self.line(f"{'-' * side} {title} {'-' * side}", align="center")

    def qr(self, url):
        # module size: a 48-character URL is a version 4 code (33 modules);
        # 6 dots a module is 198 of 576 dots on 80 mm, 5 dots 165 of 384 on 58 mm
        self.style(align="center")
        from escpos.constants import QR_ECLEVEL_M

        self.printer.qr(url, native=True, size=6 if self.paper_mm == 80 else 5, ec=QR_ECLEVEL_M)
        self.printer._raw(b"\n")

    def feed(self, lines=1):
        self.printer._raw(b"\n" * lines)

    def finish(self):
        self.style()
        self.printer.cut(mode="PART")
        return self.printer.output


def render(slip, paper_mm=80):
    """ESC/POS bytes for a slip dict; `slip["kind"]` picks the layout."""
    if not isinstance(slip, dict):
        raise SlipError("打印内容必须是一个字典 (slip dict)")
    kind = slip.get("kind", "ticket")
    renderer = RENDERERS.get(kind)
    if renderer is None:
        raise SlipError(f"未知的票据类型 kind={kind!r}，可选: {', '.join(RENDERERS)}")
    return renderer(slip, paper_mm)


def _need(slip, *keys):
    missing = [k for k in keys if slip.get(k) in (None, "")]
    if missing:
        raise SlipError(f"票据缺少字段: {', '.join(missing)}")


def eta_text(minutes, minutes_range=None):
    """"约 10–20 分钟" from the calibrated range, "约 12 分钟" without one, "即将叫号" when it is now."""
    low, high = minutes_range if minutes_range else (None, None)
    if high is not None and high > 0:
        return f"约 {max(0, round(low))}–{round(high)} 分钟" if round(high) > max(0, round(low)) else f"约 {round(high)} 分钟"
    minutes = max(0, round(minutes))
    return f"约 {minutes} 分钟" if minutes else "即将叫号"


def format_time(value):
    """'2025-11-26 09:12' from an ISO 8601 string (kept in its own offset) or a datetime."""
    if value in (None, ""):
        return ""
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    try:
        return _dt.datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        raise SlipError(f"时间格式无法识别: {value!r} (应为 ISO 8601)") from None


def format_date(value):
    if value in (None, ""):
        return ""
    try:
        return _dt.date.fromisoformat(str(value)[:10]).strftime("%Y年%m月%d日")
    except ValueError:
        raise SlipError(f"日期格式无法识别: {value!r} (应为 YYYY-MM-DD)") from None


def _matter_title(slip):
    name = slip["matter_name"]
    situation = slip.get("situation_name")
    return f"{name}（{situation}）" if situation else name


def _materials(w, slip, title):
    w.rule(title)
    materials = list(slip.get("materials") or ())
    if materials:
        w.numbered(materials)
    else:
        w.line("本事项无需提交材料")


def ticket_slip(slip, paper_mm=80):
    """号票: what the citizen holds while waiting (with the 一次性告知 list)."""
    _need(slip, "hall", "number", "queue_name", "matter_name", "status_url")
    w = SlipWriter(paper_mm)
    w.line(slip["hall"], align="center", bold=True)
    w.line("排队号票", align="center")
    w.rule()
    w.line(slip["number"], align="center", bold=True, size=2)
    w.line(slip["queue_name"], align="center")
    priority = PRIORITY_NAMES.get(slip.get("priority") or "normal")
    if priority:
        w.line(f"【{priority}】", align="center", bold=True)
    w.rule()
    w.field("办理事项", _matter_title(slip))
    if slip.get("status_note"):
        w.field("当前状态", slip["status_note"], bold=True)
    if slip.get("ahead") is not None:
        w.field("前面等候", f"{int(slip['ahead'])} 人")
    if slip.get("eta_minutes") is not None:
        w.field("预计等候", eta_text(slip["eta_minutes"], slip.get("eta_range_minutes")))
    kinds = [WINDOW_KIND_NAMES.get(k, k) for k in slip.get("serve_kinds") or ()]
    if kinds:
        w.field("办理窗口", "、".join(kinds))
    _materials(w, slip, "请备齐以下材料（一次性告知）")
    w.rule()
    if slip.get("issued_at"):
        w.field("取号时间", format_time(slip["issued_at"]))
    if slip.get("reprint"):
        w.line("（补打）")
    w.feed()
    w.qr(slip["status_url"])
    w.line("扫码查看排队进度，叫号时手机提醒", align="center")
    w.feed()
    w.line("请留意大屏和语音叫号，", align="center")
    w.line("过号请到咨询台。", align="center")
    w.line("感谢您的耐心等候！", align="center")
    return w.finish()


def materials_slip(slip, paper_mm=80):
    """一次性告知单: the exact materials, printable without taking a ticket."""
    _need(slip, "hall", "matter_name")
    w = SlipWriter(paper_mm)
    w.line(slip["hall"], align="center", bold=True)
    w.line("一次性告知单", align="center", bold=True, size=2)
    w.rule()
    w.field("办理事项", _matter_title(slip))
    if slip.get("department"):
        w.field("主管部门", slip["department"])
    if slip.get("mode"):
        mode = MODE_NAMES.get(slip["mode"], slip["mode"])
        if slip.get("mode") == "promised" and slip.get("promised_days"):
            mode += f"，{int(slip['promised_days'])} 个工作日内办结"
        w.field("办件类型", mode)
    if slip.get("conditions"):
        w.rule("办理条件")
        w.line(slip["conditions"])
    _materials(w, slip, "所需材料")
    w.rule()
    if slip.get("printed_at"):
        w.field("打印时间", format_time(slip["printed_at"]))
    if slip.get("guide_url"):
        w.qr(slip["guide_url"])
        w.line("扫码查看完整办事指南", align="center")
    w.line("材料备齐后即可取号办理，一次办好。", align="center")
    return w.finish()


def receipt_slip(slip, paper_mm=80):
    """受理回执: the case number, promised deadline and pickup code."""
    _need(slip, "hall", "case_number", "matter_name", "deadline", "pickup_code")
    w = SlipWriter(paper_mm)
    w.line(slip["hall"], align="center", bold=True)
    w.line("受理回执", align="center", bold=True, size=2)
    w.rule()
    w.field("办件编号", slip["case_number"])
    w.field("办理事项", _matter_title(slip))
    if slip.get("department"):
        w.field("承办部门", slip["department"])
    if slip.get("accepted_at"):
        w.field("受理时间", format_time(slip["accepted_at"]))
    w.field("承诺办结", format_date(slip["deadline"]) + " 前", bold=True)
    w.rule("取件码")
    w.line(slip["pickup_code"], align="center", bold=True, size=2)
    w.line("办结后凭取件码到统一出件窗口领取结果", align="center")
    if slip.get("case_url"):
        w.feed()
        w.qr(slip["case_url"])
        w.line("扫码查看办件进度", align="center")
    w.rule()
    w.line("请妥善保管本回执。", align="center")
    return w.finish()


def correction_slip(slip, paper_mm=80):
    """补正告知: the materials that are missing, all of them at once."""
    _need(slip, "hall", "matter_name", "missing")
    w = SlipWriter(paper_mm)
    w.line(slip["hall"], align="center", bold=True)
    w.line("补正材料告知单", align="center", bold=True, size=2)
    w.rule()
    if slip.get("case_number"):
        w.field("办件编号", slip["case_number"])
    w.field("办理事项", _matter_title(slip))
    w.rule("请补正以下材料")
    w.numbered(list(slip["missing"]))
    if slip.get("note"):
        w.rule("说明")
        w.line(slip["note"])
    w.rule()
    if slip.get("deadline"):
        w.field("补正期限", format_date(slip["deadline"]) + " 前")
    if slip.get("printed_at"):
        w.field("告知时间", format_time(slip["printed_at"]))
    w.line("材料补齐后请携带本告知单到综合受理窗口办理，无需重复提交已收材料。")
    return w.finish()


RENDERERS = {
    "ticket": ticket_slip,
    "materials": materials_slip,
    "receipt": receipt_slip,
    "correction": correction_slip,
}
