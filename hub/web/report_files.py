"""A report dict (hub.service.reports) as a CSV or XLSX file, for Excel/WPS users.

CSV is UTF-8 with a BOM (Excel opens Chinese correctly only with it) and one
table that starts with its header row, as spreadsheet imports and scripts
expect: a section column (汇总/队列/窗口/人员/时段/日期, and 指标 for the key
figures, whose value is in 数值). The title is in the file name.
XLSX has one sheet per section, headers frozen, shares as percentages.
"""
from __future__ import annotations

import csv
import io

from hub.service.reports import RATING_NAMES, SCORES

COLUMNS = (  # (key, header, kind) kind: n number, m minutes, p share
    ("issued", "取号数", "n"), ("called", "叫号数", "n"), ("served", "办结数", "n"), ("no_shows", "过号数", "n"),
    ("cancelled", "取消数", "n"), ("expired", "作废数", "n"),
    ("avg_wait_min", "平均等候(分钟)", "m"), ("max_wait_min", "最长等候(分钟)", "m"),
    ("avg_service_min", "平均办理(分钟)", "m"), ("served_within_15_min", "15分钟内叫号占比", "p"),
    ("one_window_share", "综合窗口办结占比", "p"),
) + tuple((f"rating_{s}", f"{RATING_NAMES[s]}({s}分)", "n") for s in SCORES) + (
    ("rating_unrated", "未评价", "n"), ("avg_rating", "平均评分", "r"), ("satisfaction", "满意率", "p"),
)
SECTIONS = (  # (report key, section name, key field, label field)
    ("queues", "队列", "queue", "name"), ("windows", "窗口", "window", "name"),
    ("clerks", "人员", "clerk", "clerk"), ("hours", "时段", "hour", "hour"), ("days", "日期", "date", "date"),
)
OUTCOME_NAMES = {"done": "办结", "accepted": "受理转后台", "incomplete": "补正告知", "rejected": "不予受理"}


def title(report):
    if report["kind"] == "daily":
        return f"{report['hall']} 日报表 {report['date']}"
    return f"{report['hall']} 报表 {report['from']} 至 {report['to']}"


def filename(report, ext):
    when = report["date"] if report["kind"] == "daily" else f"{report['from']}_{report['to']}"
    return f"hallq-report-{when}.{ext}"


def key_figures(report):
    """(label, value, kind) lines of the overview."""
    t = report["totals"]
    owm = report["one_window_matters"]
    ow = report["one_window_counts"]
    lines = [
        ("取号总数", t["issued"], "n"), ("办结总数", t["served"], "n"), ("过号总数", t["no_shows"], "n"),
        ("平均等候(分钟)", t["avg_wait_min"], "m"), ("最长等候(分钟)", t["max_wait_min"], "m"),
        ("平均办理(分钟)", t["avg_service_min"], "m"),
        ("15分钟内叫号占比 served_within_15_min", report["served_within_15_min"], "p"),
        (f"一窗受理率 one_window_share ({ow['comprehensive']}/{ow['business']})", report["one_window_share"], "p"),
        (f"一窗事项占比 one_window_matter_share ({owm['one_window']}/{owm['business']})",
         report["one_window_matter_share"], "p"),
        ("满意率", t["satisfaction"], "p"), ("平均评分", t["avg_rating"], "r"),
    ]
    lines += [(f"综合窗口 · {OUTCOME_NAMES[k]}", n, "n") for k, n in report["comprehensive_outcomes"].items()]
    return lines


def _cells(row):
    flat = dict(row)
    for key, n in row.get("ratings", {}).items():
        flat[f"rating_{key}"] = n
    return [flat.get(key) for key, _, _ in COLUMNS]


def table_rows(report):
    """(section, key, label, row) for the total and every group of the report."""
    yield "汇总", "全部", "全部", report["totals"]
    for report_key, section, key_field, label_field in SECTIONS:
        for row in report.get(report_key, ()):
            yield section, row[key_field], row.get(label_field) or row[key_field], row


def to_csv(report):
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(["维度", "编号", "名称", "数值"] + [header for _, header, _ in COLUMNS])
    blank = [""] * len(COLUMNS)
    for label, value, _ in key_figures(report):
        out.writerow(["指标", "", label, "" if value is None else value] + blank)
    for section, key, label, row in table_rows(report):
        out.writerow([section, key, label, ""] + ["" if v is None else v for v in _cells(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0B5CAD")
    formats = {"p": "0.0%", "m": "0.0", "r": "0.00", "n": "0"}

    wb = Workbook()
    ws = wb.active
    ws.title = "概览"
    ws.append([title(report)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["指标", "数值"])
    for label, value, kind in key_figures(report):
        ws.append([label, value])
        ws.cell(ws.max_row, 2).number_format = formats[kind]
    _style_header(ws, 2, header_font, header_fill)
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 14

    for report_key, section, key_field, label_field in SECTIONS:
        rows = report.get(report_key)
        if rows is None:
            continue
        sheet = wb.create_sheet(section)
        sheet.append(["编号", "名称"] + [header for _, header, _ in COLUMNS])
        for row in rows:
            sheet.append([row[key_field], row.get(label_field) or row[key_field]] + _cells(row))
        for col, (_, _, kind) in enumerate(COLUMNS, start=3):
            for r in range(2, sheet.max_row + 1):
                sheet.cell(r, col).number_format = formats[kind]
        _style_header(sheet, 1, header_font, header_fill)
        sheet.freeze_panes = "C2"
        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["B"].width = 24
        for col in range(3, len(COLUMNS) + 3):
            sheet.column_dimensions[get_column_letter(col)].width = 13
        for cell in sheet[1]:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _style_header(ws, row, font, fill):
    for cell in ws[row]:
        cell.font = font
        cell.fill = fill
