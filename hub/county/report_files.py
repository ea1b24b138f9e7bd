"""The bulletin as files: CSV (header row first, one row per hall and the
total) and XLSX (openpyxl: one sheet per view — 通报 ranking, 验收评估
checklist, 好差评 ratings — and a bar chart of the one-window share against
the 90 % target)."""
from __future__ import annotations

import csv
import io

from hub.county.report import CHECKS, COLUMNS

FORMATS = ("json", "csv", "xlsx")
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
PERCENT_KEYS = {"served_within_15_min", "one_window_share", "informed_once", "rating_coverage", "satisfaction",
                "followups_on_time", "cases_on_time"}


def _cell(row, key):
    value = row.get(key)
    if key == "flag":
        return "是" if value else ""
    return "" if value is None else value


def table(doc):
    """The ranking: header, one row per hall, the total."""
    rows = [[title for _, title in COLUMNS]]
    for row in doc["halls"] + [doc["total"]]:
        rows.append([_cell(row, key) for key, _ in COLUMNS])
    return rows


def checklist(doc):
    rows = [["大厅编号", "大厅"] + [name for _, name, _ in CHECKS] + ["通过项"]]
    for row in doc["halls"]:
        marks = ["—" if c["passed"] is None else ("通过" if c["passed"] else "未通过") +
                 (f" ({c['value']:.0%})" if c["value"] is not None else "") for c in row["checklist"]]
        rows.append([row["id"], row["name"]] + marks + [row["checks_passed"]])
    return rows


def ratings(doc):
    rows = [["大厅", "非常满意", "满意", "基本满意", "不满意", "非常不满意", "评价数", "办结数", "评价覆盖率"]]
    for row in doc["halls"] + [doc["total"]]:
        rows.append([row["name"]] + [row[f"r{s}"] for s in (5, 4, 3, 2, 1)] +
                    [row["rated"], row["served"], _cell(row, "rating_coverage")])
    return rows


def render(doc, fmt):
    """(bytes, mimetype) of the bulletin in csv or xlsx."""
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(table(doc))
        return out.getvalue().encode("utf-8"), MIMETYPES["csv"]
    return _xlsx(doc), MIMETYPES["xlsx"]


def _xlsx(doc):
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    sheet = wb.active
    sheet.title = "通报"
    sheet.append([doc["title"]])
    sheet["A1"].font = Font(bold=True, size=13)
    for r in table(doc):
        sheet.append(r)
    header = 2
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="F8CBAD")
    share_col = [k for k, _ in COLUMNS].index("one_window_share") + 1
    for i, row in enumerate(doc["halls"], start=header + 1):
        for j, (key, _) in enumerate(COLUMNS, start=1):
            if key in PERCENT_KEYS:
                sheet.cell(i, j).number_format = "0.0%"
        if row["flag"]:
            sheet.cell(i, share_col).fill = red
    for title, rows in (("验收评估", checklist(doc)), ("好差评", ratings(doc))):
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        for cell in ws[1]:
            cell.font = Font(bold=True)
    if doc["halls"]:
        chart = BarChart()
        chart.title = "一窗受理占比 (目标 90%)"
        chart.y_axis.title = "占比"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        last = header + len(doc["halls"])
        chart.add_data(Reference(sheet, min_col=share_col, min_row=header, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=3, min_row=header + 1, max_row=last))
        sheet.add_chart(chart, f"B{last + 4}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
