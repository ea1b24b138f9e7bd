"""The cases' HTTP routes under /api, and `init_app(app)`, which gives the
hub's HallService its case service, its finish hook and `case_for_ticket`.

Registered by the hub's app like the page modules (module `hub.web.cases`:
attribute `api_blueprint` and `init_app`)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, jsonify, request

from hub.rules.clock import iso
from hub.rules.errors import HallError
from hub.web.http import actor, body, field, idempotent, require_manager, service
from hub.web import case_report_files as report_files
from hub.service.case_errors import CaseError
from hub.service.case_reports import case_report
from hub.service.cases import CaseService
from hub.service.supervision import check_case_alerts, overdue_cases, supervision

api_blueprint = Blueprint("cases_api", __name__, url_prefix="/api")
FORMATS = ("json", "csv", "xlsx")
MAX_REPORT_DAYS = 366


def init_app(app):
    svc = app.extensions["hallq"]
    cases = CaseService(svc)
    svc.cases = cases
    svc.case_for_ticket = cases.case_for_ticket
    svc.on_finish.append(cases.on_finish)


def cases_of(svc):
    cases = getattr(svc, "cases", None)
    if cases is None:  # the blueprint without init_app: say so rather than fail
        raise HallError(404, "not_found", path=request.path)
    return cases


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
    return jsonify(cases_of(service()).list(
        actor(), state=request.args.get("state") or None, department=request.args.get("department") or None,
        due_before=date_arg("due_before"), ticket=int(ticket) if ticket else None,
        number=request.args.get("number") or None))


@api_blueprint.get("/cases/<int:case_id>")
def get_case(case_id):
    return jsonify(cases_of(service()).get(case_id, actor()))


@api_blueprint.post("/cases/<int:case_id>/<action>")
@idempotent
def case_action(case_id, action):
    data = body()
    missing = field(data, "missing", kind=list)
    return jsonify(cases_of(service()).act(
        case_id, action, actor(), missing=missing, reason=field(data, "reason", max_len=500),
        note=field(data, "note", max_len=200)))


@api_blueprint.get("/cases/<int:case_id>/receipt")
def case_receipt(case_id):
    """受理回执: JSON for the page and printer; ?format=escpos for the printer's raw bytes."""
    fmt = format_arg(("json", "escpos"))
    slip = cases_of(service()).receipt(case_id, actor())
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
    return jsonify(supervision(cases_of(service())))


@api_blueprint.get("/cases/overdue")
def case_overdue():
    """A department's (or every) overdue list, to print or export."""
    require_manager()
    svc = service()
    fmt = format_arg()
    department = request.args.get("department") or None
    rows = overdue_cases(cases_of(svc), department)
    if fmt == "json":
        return jsonify(rows)
    today = cases_of(svc).today().isoformat()
    title = f"{svc.hall.name} {department or '全部部门'} 超期办件清单 ({today})"
    name = f"hallq-overdue-{today}"
    if fmt == "csv":
        return file_response(report_files.overdue_csv(title, rows), report_files.CSV_TYPE, name + ".csv")
    return file_response(report_files.overdue_xlsx(title, rows), report_files.XLSX_TYPE, name + ".xlsx")


@api_blueprint.post("/cases/check-alerts")
def case_check_alerts():
    require_manager()
    return jsonify({"fired": check_case_alerts(service())})


# reports ------------------------------------------------------------------------------
@api_blueprint.get("/reports/cases")
def cases_report():
    require_manager()
    svc = service()
    fmt = format_arg()
    cases = cases_of(svc)
    today = cases.today()
    last = date_arg("to", today)
    first = date_arg("from", last.replace(day=1))
    if last < first:
        raise HallError(400, "bad_field", field="to", why="结束日期不能早于开始日期")
    if last - first > timedelta(days=MAX_REPORT_DAYS):
        raise HallError(400, "bad_field", field="to", why=f"一次最多 {MAX_REPORT_DAYS} 天")
    rows = svc.store.query("SELECT * FROM cases WHERE accepted_on BETWEEN ? AND ? ORDER BY id",
                           (first.isoformat(), last.isoformat()))
    corrections = {r["case_id"]: r["n"] for r in svc.store.query(
        "SELECT h.case_id, COUNT(*) AS n FROM case_history h JOIN cases c ON c.id = h.case_id "
        "WHERE h.action='return' AND c.accepted_on BETWEEN ? AND ? GROUP BY h.case_id",
        (first.isoformat(), last.isoformat()))}
    report = case_report(svc.hall, rows, corrections, first.isoformat(), last.isoformat(), today,
                         generated_at=iso(svc.clock.now(), svc.hall.timezone))
    if fmt == "json":
        return jsonify(report)
    name = f"hallq-cases-{report['from']}_{report['to']}"
    if fmt == "csv":
        return file_response(report_files.report_csv(report), report_files.CSV_TYPE, name + ".csv")
    return file_response(report_files.report_xlsx(report), report_files.XLSX_TYPE, name + ".xlsx")
