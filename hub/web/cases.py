"""The cases' HTTP routes under /api (the hall's `cases` and `supervision`
services). Registered by the hub's app like the page modules (module
`hub.web.cases`: attribute `api_blueprint`)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, jsonify, request

from hub.rules.errors import HallError
from hub.web.http import actor, body, field, idempotent, require_manager, service
from hub.web import case_report_files as report_files
from hub.service.case_errors import CaseError

api_blueprint = Blueprint("cases_api", __name__, url_prefix="/api")
FORMATS = ("json", "csv", "xlsx")
MAX_REPORT_DAYS = 366


# arguments ----------------------------------------------------------------------------
def date_arg(name, default=None):
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise HallError(400, "bad_field", field=name, why="须为 YYYY-MM-DD 格式的日期") from None


def format_arg(allowed=FORMATS):
    fmt = (request.args.get("format") or "json").lower()
    if fmt not in allowed:
        raise HallError(400, "bad_field", field="format", why="须为 " + "/".join(allowed))
    return fmt


def file_response(data, mimetype, filename):
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{filename}\""
    return response


# cases --------------------------------------------------------------------------------
@api_blueprint.get("/cases")
def list_cases():
    ticket = request.args.get("ticket")
    if ticket is not None and not (ticket.isascii() and ticket.isdigit() and len(ticket) < 18):
        raise HallError(400, "bad_field", field="ticket", why="须为号票编号 (整数)")
    return jsonify(service().cases.list(
        actor(), state=request.args.get("state") or None, department=request.args.get("department") or None,
        due_before=date_arg("due_before"), ticket=int(ticket) if ticket else None,
        number=request.args.get("number") or None))


@api_blueprint.get("/cases/<int:case_id>")
def get_case(case_id):
    return jsonify(service().cases.get(case_id, actor()))


@api_blueprint.post("/cases/<int:case_id>/<action>")
@idempotent
def case_action(case_id, action):
    data = body()
    missing = field(data, "missing", kind=list)
    return jsonify(service().cases.act(
        case_id, action, actor(), missing=missing, reason=field(data, "reason", max_len=500),
        note=field(data, "note", max_len=200)))


@api_blueprint.get("/cases/<int:case_id>/receipt")
def case_receipt(case_id):
    """受理回执: JSON for the page and printer; ?format=escpos for the printer's raw bytes."""
    fmt = format_arg(("json", "escpos"))
    slip = service().cases.receipt(case_id, actor())
    if fmt == "json":
        return jsonify(slip)
    try:
        from kiosk.printing import render
    except ImportError:
        raise CaseError(404, "no_printer_module") from None
    return Response(render(slip, slip["paper_mm"]), mimetype="application/octet-stream")


# supervision --------------------------------------------------------------------------
@api_blueprint.get("/cases/supervision")
def case_supervision():
    require_manager()
    return jsonify(service().supervision.summary())


@api_blueprint.get("/cases/overdue")
def case_overdue():
    """A department's (or every) overdue list, to print or export."""
    require_manager()
    svc = service()
    fmt = format_arg()
    department = request.args.get("department") or None
    rows = svc.supervision.overdue(department)
    if fmt == "json":
        return jsonify(rows)
    today = svc.cases.today().isoformat()
    title = f"{svc.hall.name} {department or '全部部门'} 超期办件清单 ({today})"
    name = f"hallq-overdue-{today}"
    if fmt == "csv":
        return file_response(report_files.overdue_csv(title, rows), report_files.CSV_TYPE, name + ".csv")
    return file_response(report_files.overdue_xlsx(title, rows), report_files.XLSX_TYPE, name + ".xlsx")


@api_blueprint.post("/cases/check-alerts")
def case_check_alerts():
    require_manager()
    return jsonify({"fired": service().supervision.check_alerts()})


# reports ------------------------------------------------------------------------------
@api_blueprint.get("/reports/cases")
def cases_report():
    require_manager()
    svc = service()
    fmt = format_arg()
    today = svc.cases.today()
    last = date_arg("to", today)
    first = date_arg("from", last.replace(day=1))
    if last < first:
        raise HallError(400, "bad_field", field="to", why="结束日期不能早于开始日期")
    if last - first > timedelta(days=MAX_REPORT_DAYS):
        raise HallError(400, "bad_field", field="to", why=f"一次最多 {MAX_REPORT_DAYS} 天")
    report = svc.reports.cases(first, last, today)
    if fmt == "json":
        return jsonify(report)
    name = f"hallq-cases-{report['from']}_{report['to']}"
    if fmt == "csv":
        return file_response(report_files.report_csv(report), report_files.CSV_TYPE, name + ".csv")
    return file_response(report_files.report_xlsx(report), report_files.XLSX_TYPE, name + ".xlsx")
