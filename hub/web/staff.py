"""The staff blueprint: the consoles' API routes — reports, user management,
a clerk's figures for today and the 补正 slip.

Each view checks who asks, calls one service of the hall, and answers JSON
(or a file); the figures come from hub.service.reports."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify

from hub.rules.clock import iso
from hub.rules.errors import HallError
from hub.web.field_errors import check_range
from hub.web.http import actor, idempotent, require_manager, require_staff, service
from hub.web.models.common import FILE_TYPES
from hub.web.models.staff import (ClerkToday, CorrectionSlip, CorrectionSlipBody, DisableBody, PinBody, RangeQuery,
                                  Report, ReportQuery, User, UserBody, UserPath)
from hub.web.typed import typed
from hub.service.views import materials_of

from hub.web import report_files

from hub.service import reports

api = Blueprint("staff_api", __name__, url_prefix="/api")


# reports -----------------------------------------------------------------------------
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


@api.get("/reports/daily")
@typed(answers={200: Report}, files={200: FILE_TYPES})
def daily_report(query: ReportQuery):
    require_manager()
    svc = service()
    return report_response(svc.reports.daily(query.date or svc.reports.today()), query.format)


@api.get("/reports/range")
@typed(answers={200: Report}, files={200: FILE_TYPES})
def range_report(query: RangeQuery):
    require_manager()
    first, last = query.first, query.last
    check_range(date.fromisoformat(first), date.fromisoformat(last), reports.MAX_RANGE_DAYS)
    return report_response(service().reports.range(first, last), query.format)


@api.get("/clerk/today")
@typed(answers={200: ClerkToday})
def clerk_today():
    """The figures of the logged-in clerk for today (served, average service, ratings)."""
    who = require_staff()
    return jsonify(service().reports.clerk_today(who.name))


# users -----------------------------------------------------------------------------------
@api.get("/users")
@typed(answers={200: list[User]})
def users():
    return jsonify(service().accounts.users(require_manager()))


@api.post("/users")
@idempotent
@typed(answers={201: User})
def add_user(json: UserBody):
    who = require_manager()
    return jsonify(service().accounts.add(who, json.name, json.role, json.pin, json.departments)), 201


@api.post("/users/<name>/pin")
@idempotent
@typed(answers={200: User})
def reset_pin(path: UserPath, json: PinBody):
    who = require_manager()
    return jsonify(service().accounts.set_pin(who, path.name, json.pin))


@api.post("/users/<name>/disable")
@idempotent
@typed(answers={200: User})
def disable_user(path: UserPath, json: DisableBody):
    who = require_manager()
    return jsonify(service().accounts.set_disabled(who, path.name, json.disabled))


# the 补正告知 slip -----------------------------------------------------------------------
def window_printer(hall, window_id):
    return next((d for d in hall.devices if d.kind == "printer" and d.window == window_id), None)


@api.post("/slips/correction")
@idempotent
@typed(answers={200: CorrectionSlip})
def correction_slip(json: CorrectionSlipBody):
    """补正告知单 of a ticket finished at a window: the slip, its text as printed,
    and a print request to the window's printer when the hall has one there."""
    svc = service()
    window_id, missing, note = json.window, json.missing, json.note
    who = actor()
    svc.windows.check_actor(who, window_id)
    t = svc.tickets.get(json.ticket)
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
