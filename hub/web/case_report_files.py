"""The case report and a department's overdue list as CSV (UTF-8 with a BOM,
so that Excel and WPS open the Chinese right) or XLSX (openpyxl)."""
from __future__ import annotations

import csv
import io

COLUMNS = (  # key, header, number format
    ("accepted", "受理件数", "0"), ("decided", "办结件数", "0"), ("approved", "准予", "0"),
    ("rejected", "不予", "0"), ("on_time", "按时办结", "0"), ("late", "超期办结", "0"),
    ("on_time_rate", "按时办结率", "0.0%"), ("avg_working_days", "平均用时(工作日)", "0.00"),
    ("open", "在办", "0"), ("overdue", "超期未办结", "0"), ("returned", "曾退回补正", "0"),
    ("delivered", "已送达", "0"),
)
OVERDUE_COLUMNS = (
    ("number", "办件编号"), ("department", "承办部门"), ("matter_name", "事项"), ("state_text", "状态"),
    ("accepted_at", "受理时间"), ("window_number", "受理窗口"), ("clerk", "受理人"), ("deadline", "承诺期限"),
    ("overdue_days", "超期(工作日)"),
)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def report_title(report):
    return f"{report['hall']} 办件统计 {report['from']} 至 {report['to']}"


def report_rows(report):
    """(section, key, name, figures) for the total, each department and each matter."""
    yield "汇总", "全部", "全部", report["totals"]
    for d in report["departments"]:
        yield "部门", d["department"], d["department"], d
    for m in report["matters"]:
        yield "事项", m["matter"], f"{m['name']} ({m['department']})", m


def report_csv(report):
    buffer = io.StringIO()
    out = csv.writer(buffer)  # the header row first: the title is in the file name
    out.writerow(["维度", "编号", "名称"] + [h for _, h, _ in COLUMNS])
    for section, key, name, row in report_rows(report):
        out.writerow([section, key, name] + ["" if row.get(k) is None else row[k] for k, _, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _sheet(ws, report_title(report), [("全部", "全部", report["totals"])])
    _sheet(wb.create_sheet("部门"), "按部门", [(d["department"], d["department"], d) for d in report["departments"]])
    _sheet(wb.create_sheet("事项"), "按事项",
           [(m["matter"], f"{m['name']} ({m['department']})", m) for m in report["matters"]])
    return _save(wb)


def _sheet(ws, title, rows):
    from openpyxl.styles import Font

    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["编号", "名称"] + [h for _, h, _ in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for key, name, row in rows:
        ws.append([key, name] + [row.get(k) for k, _, _ in COLUMNS])
        for col, (_, _, fmt) in enumerate(COLUMNS, start=3):
            ws.cell(ws.max_row, col).number_format = fmt
    ws.freeze_panes = "C3"
    ws.column_dimensions["B"].width = 30


def overdue_rows(cases):
    for v in cases:
        row = dict(v, overdue_days=-v["days_left"] if v.get("days_left") is not None else None)
        yield [row.get(k) for k, _ in OVERDUE_COLUMNS]


def overdue_csv(title, cases):
    buffer = io.StringIO()
    out = csv.writer(buffer)  # the header row first: the title is in the file name
    out.writerow([h for _, h in OVERDUE_COLUMNS])
    for values in overdue_rows(cases):
        out.writerow(["" if v is None else v for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def overdue_xlsx(title, cases):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "超期办件"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([h for _, h in OVERDUE_COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for values in overdue_rows(cases):
        ws.append(values)
    for letter, width in zip("ABCDEFGHI", (16, 10, 30, 12, 22, 10, 12, 12, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    return _save(wb)


def _save(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
