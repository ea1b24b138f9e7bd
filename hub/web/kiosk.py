"""The kiosk's API under /api/kiosk: its configuration, the pinyin search
(index built once in `init_app`), the printer's state in words a citizen can
read, the 一次性告知单 print request, and the guide desk's staff tickets
(green channel, help, appointment check-in), which need a staff login and
keep their reason in the audit log. The kiosk's pages are kiosk/pages.py."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from hub.rules.errors import HallError
from hub.rules.printer import FAULT_NAMES
from hub.service import search as matter_search
from hub.service.slips import materials_slip
from hub.web.http import require_staff, service
from hub.web.models.kiosk import (GREEN_REASONS, MESSAGES, CheckinBody, KioskConfig, KioskError, MaterialsPrinted,
                                  MatterBody, PrinterQuery, PrinterState, SearchAnswer, SearchQuery,
                                  StaffTicketBody)
from hub.web.models.core import TicketIssued
from hub.web.typed import typed

api = Blueprint("kiosk_api", __name__, url_prefix="/api/kiosk")

INDEX_KEY = "hallq.kiosk_index"
IDLE_SECONDS = 60
PRINTER_WARNINGS = ("paper_near_end",)  # printing goes on


def init_app(app):
    """Build the pinyin index once: the catalog is fixed while the hub runs."""
    svc = app.extensions["hallq"]
    app.extensions[INDEX_KEY] = matter_search.build_index(svc.hall, matter_search.cache_path(svc.store.path))


@api.get("/config")
@typed(answers={200: KioskConfig})
def kiosk_config(query: PrinterQuery):
    svc = service()
    hall = svc.hall
    return jsonify({
        "hall": {"name": hall.name, "name_en": hall.name_en, "public_url": hall.public_url.rstrip("/"),
                 "timezone": hall.timezone},
        "idle_seconds": IDLE_SECONDS,
        "green_reasons": [{"value": v, "label": zh, "label_en": en} for v, zh, en in GREEN_REASONS],
        "queues": [{"id": q.id, "name": q.name, "name_en": q.name_en} for q in hall.queues],
        "rating_reasons": list(hall.ratings.reasons),  # 差评 reasons offered after a rating of 1 or 2
        "printer": printer_state(svc, query.printer),
    })


@api.get("/search")
@typed(answers={200: SearchAnswer})
def search_matters(query: SearchQuery):
    hits = matter_search.search(current_app.extensions[INDEX_KEY], query.q, limit=query.limit)
    return jsonify({"query": matter_search.normalize(query.q),
                    "matters": [matter_search.public_entry(e) for e in hits]})


def _printer_device(hall, printer_id):
    if printer_id:
        device = hall.device(printer_id)
        if device is None or device.kind != "printer":
            raise HallError(404, "unknown_device", id=printer_id)
        return device
    return next((d for d in hall.devices if d.kind == "printer"), None)


def printer_state(svc, printer_id=None):
    """The kiosk printer in a citizen's words: ok, fault (say so, keep the QR) or none."""
    hall = svc.hall
    device = _printer_device(hall, printer_id)
    row = next((d for d in svc.devices.list() if device and d["id"] == device.id), None)
    configured = bool(hall.printer or (device and (device.url or (row and row["last_seen"]))))
    if device is None or not configured:
        zh, en = MESSAGES["no_printer"]
        return {"state": "none", "ok": False, "printer": None, "message": zh, "message_en": en}
    fault = row["fault"] if row else None
    if row and row["online"] and (not fault or fault in PRINTER_WARNINGS):
        return {"state": "ok", "ok": True, "printer": device.id, "message": FAULT_NAMES.get(fault, ""),
                "message_en": fault or ""}
    zh, en = MESSAGES["printer_fault"]
    detail = FAULT_NAMES.get(fault or "offline", fault or "")
    return {"state": "fault", "ok": False, "printer": device.id, "fault": fault or "offline",
            "message": zh, "message_en": en, "detail": detail}


@api.get("/printer")
@typed(answers={200: PrinterState})
def kiosk_printer(query: PrinterQuery):
    return jsonify(printer_state(service(), query.printer))


def _matter_and_situation(svc, body):
    matter = svc.hall.matter(body.matter)
    if matter is None:
        raise HallError(404, "unknown_matter", id=body.matter)
    situation = matter.situation(body.situation) if body.situation is not None else None
    if body.situation is not None and situation is None:
        raise HallError(422, "unknown_situation", matter=matter.id, id=body.situation)
    return matter, situation


@api.post("/print-materials")
@typed(answers={200: MaterialsPrinted})
def print_materials(json: MatterBody):
    """The 一次性告知单 without a ticket: printed when the printer is well, else shown."""
    svc = service()
    matter, situation = _matter_and_situation(svc, json)
    state = printer_state(svc, json.printer)
    slip = materials_slip(svc.hall, matter, situation, svc.clock.now())
    guide_url = f"{svc.hall.public_url.rstrip('/')}/query#matter={matter.id}"
    printed = False
    if state["ok"]:
        # The printer's agent (a Socket.IO client with the printer's key) prints what this asks.
        svc.notices.print_request("print.materials", {"printer": state["printer"], "slip": slip})
        printed = True
    return jsonify({"printed": printed, "printer": state, "materials": slip["materials"],
                    "matter": matter.id, "situation": json.situation, "guide_url": guide_url})


# the guide desk ------------------------------------------------------------------------
def _staff_issue(body, priority, note):
    who = require_staff()
    svc = service()
    matter, situation = _matter_and_situation(svc, body)
    return svc.tickets.issue(matter.id, situation=body.situation, priority=priority, actor=who,
                             printer=body.printer, desk_note=note)


@api.post("/staff-ticket")
@typed(answers={201: TicketIssued})
def staff_ticket(json: StaffTicketBody):
    """A green-channel (reason required) or help/proxy ticket from the guide desk."""
    require_staff()
    return jsonify(_staff_issue(json, json.priority, json.note())), 201


@api.post("/checkin")
@typed(answers={201: TicketIssued})
def checkin(json: CheckinBody):
    """The guide desk's appointment check-in: the booking's code (typed or scanned) → its ticket,
    as at the kiosk (POST /api/tickets {"appointment": CODE}), audited with the guide's name."""
    who = require_staff()
    return jsonify(service().bookings.check_in(json.code, who, printer=json.printer)), 201
