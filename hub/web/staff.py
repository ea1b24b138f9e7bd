"""The consoles' own API routes (registered by the hub as `api_blueprint`):
reports, user management, a clerk's figures for today and the 补正 slip.

Each view checks who asks, calls one service of the hall, and answers JSON
(or a file); the figures come from hub.service.reports."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from hub.service import auth
from hub.rules.clock import iso
from hub.rules.errors import HallError
from hub.web.http import actor, body, field, idempotent, require_manager, require_staff, service
from hub.service.views import materials_of

from hub.web import report_files

from hub.service import reports

api_blueprint = Blueprint("caller_api", __name__, url_prefix="/api")

FORMATS = ("json", "csv", "xlsx")
MAX_MISSING = 40


# reports -----------------------------------------------------------------------------
def day_arg(name, default=None):
    raw = request.args.get(name) or default
    if raw is None:
        raise HallError(400, "missing_field", field=name)
    try:
        return reports.parse_day(raw, name)
    except ValueError:
        raise HallError(400, "bad_field", field=name, why="须为 YYYY-MM-DD 格式的日期") from None


def format_arg():
    fmt = (request.args.get("format") or "json").lower()
    if fmt not in FORMATS:
        raise HallError(400, "bad_field", field="format", why="须为 json/csv/xlsx")
    return fmt


def report_response(report, fmt):
    if fmt == "json":
        return jsonify(report)
    if fmt == "csv":
        data, mimetype = report_files.to_csv(report), "text/csv; charset=utf-8"
    else:
        data, mimetype = report_files.to_xlsx(report), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{report_files.filename(report, fmt)}"'
    return response


@api_blueprint.get("/reports/daily")
def daily_report():
    require_manager()
    svc = service()
    fmt = format_arg()
    day = day_arg("date", svc.reports.today())
    return report_response(svc.reports.daily(day), fmt)


@api_blueprint.get("/reports/range")
def range_report():
    require_manager()
    svc = service()
    fmt = format_arg()
    first, last = day_arg("from"), day_arg("to")
    if last < first:
        raise HallError(400, "bad_field", field="to", why="结束日期不能早于开始日期")
    if len(reports.day_list(first, last)) > reports.MAX_RANGE_DAYS:
        raise HallError(400, "bad_field", field="to", why=f"一次最多 {reports.MAX_RANGE_DAYS} 天")
    return report_response(svc.reports.range(first, last), fmt)


@api_blueprint.get("/clerk/today")
def clerk_today():
    """The figures of the logged-in clerk for today (served, average service, ratings)."""
    who = require_staff()
    return jsonify(service().reports.clerk_today(who.name))


# users -----------------------------------------------------------------------------------
@api_blueprint.get("/users")
def users():
    return jsonify(service().accounts.users(require_manager()))


@api_blueprint.post("/users")
@idempotent
def add_user():
    who = require_manager()
    data = body()
    name = field(data, "name", required=True, max_len=64).strip()
    role = field(data, "role", required=True, max_len=16, choices=auth.ROLES)
    pin = field(data, "pin", required=True, max_len=64)
    departments = field(data, "departments", kind=list) or []
    if not all(isinstance(d, str) and 0 < len(d) <= 32 for d in departments):
        raise HallError(422, "bad_field", field="departments", why="须为部门名称的列表")
    return jsonify(service().accounts.add(who, name, role, pin, departments)), 201


@api_blueprint.post("/users/<name>/pin")
@idempotent
def reset_pin(name):
    who = require_manager()
    return jsonify(service().accounts.set_pin(who, name, field(body(), "pin", required=True, max_len=64)))


@api_blueprint.post("/users/<name>/disable")
@idempotent
def disable_user(name):
    who = require_manager()
    data = body()
    disabled = data.get("disabled", True)
    if not isinstance(disabled, bool):
        raise HallError(422, "bad_field", field="disabled", why="须为 true 或 false")
    return jsonify(service().accounts.set_disabled(who, name, disabled))


# the 补正告知 slip -----------------------------------------------------------------------
def window_printer(hall, window_id):
    return next((d for d in hall.devices if d.kind == "printer" and d.window == window_id), None)


@api_blueprint.post("/slips/correction")
@idempotent
def correction_slip():
    """补正告知单 of a ticket finished at a window: the slip, its text as printed,
    and a print request to the window's printer when the hall has one there."""
    data = body()
    svc = service()
    window_id = field(data, "window", required=True, max_len=32)
    who = actor()
    svc.windows.check_actor(who, window_id)
    ticket_id = field(data, "ticket", kind=int, required=True)
    missing = field(data, "missing", kind=list, required=True)
    if not missing or len(missing) > MAX_MISSING or not all(isinstance(m, str) and 0 < len(m) <= 200
                                                            for m in missing):
        raise HallError(422, "bad_field", field="missing", why=f"须为 1 到 {MAX_MISSING} 项材料名称")
    note = field(data, "note", max_len=500)
    if not 0 < ticket_id < 2**62:
        raise HallError(404, "unknown_ticket", id=ticket_id)
    t = svc.tickets.get(ticket_id)
    if t.window != window_id:
        raise HallError(409, "window_holds_none", number=svc.hall.window(window_id).number)
    slip = correction_slip_data(svc, t, missing, note)
    printer = window_printer(svc.hall, window_id)
    audit = (who, "slip.correction", f"{window_id}:{t.number}", "; ".join(missing)[:200])
    if printer is not None:  # the bridge prints it, as it prints the kiosk's print.materials
        svc.notices.print_request("print.correction", {"printer": printer.id, "slip": slip,
                                                       "ticket": {"id": t.id, "number": t.number}},
                                  window_id=window_id, audit=audit)
    else:
        svc.changes.audit(*audit)
    return jsonify({"slip": slip, "text": slip_text(slip, svc.hall.paper_mm),
                    "printer": printer.id if printer else None})


def correction_slip_data(svc, t, missing, note):
    matter = svc.hall.matter(t.matter)
    situation = matter.situation(t.situation) if matter and t.situation else None
    return {"kind": "correction", "hall": svc.hall.name, "matter_name": matter.name if matter else t.matter,
            "situation_name": situation.name if situation else None, "ticket_number": t.number,
            "department": matter.department if matter else None,
            "materials": materials_of(svc.hall, t.matter, t.situation), "missing": list(missing), "note": note,
            "printed_at": iso(svc.clock.now(), svc.hall.timezone)}


def slip_text(slip, paper_mm):
    """The slip exactly as the printer lays it out (rendered to ESC/POS and read back)."""
    from kiosk import escpos_decode, printing
    data = printing.render(slip, paper_mm)
    return "\n".join(s.text(printing.columns(paper_mm)) for s in escpos_decode.decode(data))
