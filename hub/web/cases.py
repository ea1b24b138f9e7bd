"""The cases' HTTP routes under /api (the hall's `cases` and `supervision`
services). Registered by the hub's app (hub/web/app.py, `API_BLUEPRINTS`)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify

from hub.rules import cases as case_rules
from hub.web.field_errors import check_range
from hub.web.http import actor, idempotent, require_manager, service
from hub.web import case_report_files as report_files
from hub.service.case_errors import CaseError
from hub.web.models.cases import (Case, CaseActionBody, CasePath, CaseReport, CasesQuery, CasesReportQuery, Fired,
                                  OverdueQuery, Receipt, ReceiptQuery, Supervision)
from hub.web.models.common import FILE_TYPES, NoBody
from hub.web.typed import typed

api = Blueprint("cases_api", __name__, url_prefix="/api")
MAX_REPORT_DAYS = 366


def file_response(data, mimetype, filename):
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{filename}\""
    return response


# cases --------------------------------------------------------------------------------
@api.get("/cases")
@typed(answers={200: list[Case]})
def list_cases(query: CasesQuery):
    due = date.fromisoformat(query.due_before) if query.due_before else None
    return jsonify(service().cases.list(
        actor(), state=query.state, department=query.department, due_before=due,
        ticket=int(query.ticket) if query.ticket else None, number=query.number))


@api.get("/cases/<case_id>")
@typed(answers={200: Case})
def get_case(path: CasePath):
    return jsonify(service().cases.get(path.case_id, actor()))


def case_route(action):
    """POST /api/cases/ID/ACTION: one typed route per case action."""
    def view(path, json):
        return jsonify(service().cases.act(path.case_id, action, actor(), missing=json.missing,
                                           reason=json.reason, note=json.note))
    view.__name__ = "case_" + action
    view.__doc__ = f"Moves a case on: `{action}` (docs/cases.md)."
    view.__annotations__ = {"path": CasePath, "json": CaseActionBody}
    api.add_url_rule(f"/cases/<case_id>/{action}", endpoint=view.__name__, methods=["POST"],
                     view_func=idempotent(typed(answers={200: Case})(view)))


for _action in case_rules.ACTIONS:
    case_route(_action)


@api.get("/cases/<case_id>/receipt")
@typed(answers={200: Receipt}, files={200: ["application/octet-stream"]})
def case_receipt(path: CasePath, query: ReceiptQuery):
    """受理回执: JSON for the page and printer; ?format=escpos for the printer's raw bytes."""
    slip = service().cases.receipt(path.case_id, actor())
    if query.format == "json":
        return jsonify(slip)
    try:
        from kiosk.printing import render
    except ImportError:
        raise CaseError(404, "no_printer_module") from None
    return Response(render(slip, slip["paper_mm"]), mimetype="application/octet-stream")


# supervision --------------------------------------------------------------------------
@api.get("/cases/supervision")
@typed(answers={200: Supervision})
def case_supervision():
    require_manager()
    return jsonify(service().supervision.summary())


@api.get("/cases/overdue")
@typed(answers={200: list[Case]}, files={200: FILE_TYPES})
def case_overdue(query: OverdueQuery):
    """A department's (or every) overdue list, to print or export."""
    require_manager()
    svc = service()
    fmt, department = query.format, query.department
    rows = svc.supervision.overdue(department)
    if fmt == "json":
        return jsonify(rows)
    today = svc.cases.today().isoformat()
    title = f"{svc.hall.name} {department or '全部部门'} 超期办件清单 ({today})"
    name = f"hallq-overdue-{today}"
    if fmt == "csv":
        return file_response(report_files.overdue_csv(title, rows), report_files.CSV_TYPE, name + ".csv")
    return file_response(report_files.overdue_xlsx(title, rows), report_files.XLSX_TYPE, name + ".xlsx")


@api.post("/cases/check-alerts")
@typed(answers={200: Fired})
def case_check_alerts(json: NoBody):
    require_manager()
    return jsonify({"fired": service().supervision.check_alerts()})


# reports ------------------------------------------------------------------------------
@api.get("/reports/cases")
@typed(answers={200: CaseReport}, files={200: FILE_TYPES})
def cases_report(query: CasesReportQuery):
    require_manager()
    svc = service()
    fmt = query.format
    today = svc.cases.today()
    last = date.fromisoformat(query.last) if query.last else today
    first = date.fromisoformat(query.first) if query.first else last.replace(day=1)
    check_range(first, last, MAX_REPORT_DAYS + 1)
    report = svc.reports.cases(first, last, today)
    if fmt == "json":
        return jsonify(report)
    name = f"hallq-cases-{report['from']}_{report['to']}"
    if fmt == "csv":
        return file_response(report_files.report_csv(report), report_files.CSV_TYPE, name + ".csv")
    return file_response(report_files.report_xlsx(report), report_files.XLSX_TYPE, name + ".xlsx")
