"""The citizen's pages and the kiosk's own API routes.

Pages: `/kiosk` (取号机), `/query` (智能查询终端), `/t/TOKEN` (the phone page
behind a ticket's QR) and `/kiosk/qr.svg` (a QR code drawn on the hub, so the
kiosk needs no JavaScript QR library). The pages are static shells; they
read hall state only through the API and Socket.IO.

API under /api/kiosk: the pinyin search (index built once in `init_app`),
the printer's state in words a citizen can read, the 一次性告知单 print
request, and the guide desk's staff tickets (green channel, help, appointment
check-in), which need a staff login and keep their reason in the audit log.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from hub.rules.errors import HallError
from hub.web.http import body, field, require_staff, service
from hub.web.pages import not_found_page, render_page

from kiosk import search as matter_search

blueprint = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/kiosk/static")
api_blueprint = Blueprint("kiosk_api", __name__, url_prefix="/api/kiosk")

INDEX_KEY = "hallq.kiosk_index"
IDLE_SECONDS = 60
QR_MAX = 600  # characters: a status URL is ~80
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{4,16}$")
GREEN_REASONS = (  # value, 中文, English
    ("elderly", "老年人", "Senior citizen"), ("disabled", "残疾人", "Person with a disability"),
    ("pregnant", "孕妇", "Pregnant woman"), ("military", "军人及优抚对象", "Service member or veteran"),
    ("ill", "重病或行动不便", "Seriously ill or limited mobility"), ("child", "怀抱婴儿", "Carrying an infant"),
    ("other", "其他特殊情况", "Other special need"),
)
PRINTER_WARNINGS = ("paper_near_end",)  # printing goes on
UNKNOWN_TICKET = ("没有这张号票", "This ticket does not exist",
                  "链接无效或已过期，请扫描号票上的二维码，或到导办台询问。",
                  "The link is wrong or has expired: scan the QR code on your ticket, or ask at the guide desk.")

MESSAGES = {  # key: (中文, English)
    "qr_data": ("二维码内容须为 1 到 {limit} 个字符", "The QR content must be 1 to {limit} characters"),
    "bad_reason": ("绿色通道须选择原因: {choices}", "A green-channel ticket needs a reason: {choices}"),
    "bad_priority": ("工作人员取号类型须为 green (绿色通道) 或 help (帮办代办)",
                     "A staff ticket is either green (green channel) or help (assisted)"),
    "bad_code": ("预约码须为 4 到 16 位字母或数字", "An appointment code is 4 to 16 letters or digits"),
    "code_used": ("预约码 {code} 今天已签到 (号票 {number})", "Appointment code {code} was checked in today ({number})"),
    "no_printer": ("本机未连接打印机, 请拍照保存屏幕上的材料清单或扫码查看",
                   "No printer here: photograph the list or scan the QR code"),
    "printer_fault": ("打印机暂时故障, 请拍照保存二维码", "The printer is out of order: please photograph the QR code"),
}


class KioskError(HallError):
    """A refusal of a kiosk route, with its message from this module."""

    MESSAGES = MESSAGES


def init_app(app):
    """Build the pinyin index once: the catalog is fixed while the hub runs."""
    app.extensions[INDEX_KEY] = matter_search.build_index(app.extensions["hallq"].hall)


def _index():
    index = current_app.extensions.get(INDEX_KEY)
    if index is None:  # an app made without init_app (never per keystroke after that)
        init_app(current_app)
        index = current_app.extensions[INDEX_KEY]
    return index


# pages -------------------------------------------------------------------------------
@blueprint.get("/kiosk")
def kiosk_page():
    return render_page("kiosk/kiosk.html", idle_default=IDLE_SECONDS)


@blueprint.get("/query")
def query_page():
    return render_page("kiosk/query.html")


@blueprint.get("/t/<token>")
def phone_page(token):
    """The phone page of a ticket; a token that names no ticket gets the 404 page."""
    try:
        if not TOKEN_SHAPE.match(token):
            raise HallError(404, "bad_token")
        service().ticket_by_token(token)
    except HallError as exc:
        if exc.status != 404:
            raise
        return not_found_page(*UNKNOWN_TICKET)
    return render_page("kiosk/phone.html", token=token)


@blueprint.get("/kiosk/qr.svg")
def qr_svg():
    import qrcode
    import qrcode.image.svg

    data = request.args.get("data", "")
    if not 0 < len(data) <= QR_MAX:
        raise KioskError(422, "qr_data", limit=QR_MAX)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(data)
    svg = code.make_image().to_string(encoding="unicode")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# kiosk API -----------------------------------------------------------------------------
@api_blueprint.get("/config")
def kiosk_config():
    svc = service()
    hall = svc.hall
    return jsonify({
        "hall": {"name": hall.name, "name_en": hall.name_en, "public_url": hall.public_url.rstrip("/"),
                 "timezone": hall.timezone},
        "idle_seconds": IDLE_SECONDS,
        "green_reasons": [{"value": v, "label": zh, "label_en": en} for v, zh, en in GREEN_REASONS],
        "queues": [{"id": q.id, "name": q.name, "name_en": q.name_en} for q in hall.queues],
        "printer": printer_state(svc, request.args.get("printer")),
    })


@api_blueprint.get("/search")
def search_matters():
    query = request.args.get("q", "")
    limit = request.args.get("limit", "20")
    limit = int(limit) if limit.isdigit() and 0 < int(limit) <= 100 else 20
    hits = matter_search.search(_index(), query, limit=limit)
    return jsonify({"query": matter_search.normalize(query),
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
    from kiosk.printer_port import FAULT_NAMES

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


@api_blueprint.get("/printer")
def kiosk_printer():
    return jsonify(printer_state(service(), request.args.get("printer")))


def _matter_and_situation(svc, data):
    matter_id = field(data, "matter", required=True, max_len=64)
    matter = svc.hall.matter(matter_id)
    if matter is None:
        raise HallError(404, "unknown_matter", id=matter_id)
    situation = field(data, "situation", max_len=64)
    if situation is not None and matter.situation(situation) is None:
        raise HallError(422, "unknown_situation", matter=matter.id, id=situation)
    return matter, situation


@api_blueprint.post("/print-materials")
def print_materials():
    """The 一次性告知单 without a ticket: printed when the printer is well, else shown."""
    from kiosk.slip_data import materials_slip_data

    svc = service()
    data = body()
    matter, situation = _matter_and_situation(svc, data)
    state = printer_state(svc, field(data, "printer", max_len=64))
    slip = materials_slip_data(svc.hall, matter.id, situation, svc.clock.now())
    guide_url = f"{svc.hall.public_url.rstrip('/')}/query#matter={matter.id}"
    printed = False
    if state["ok"]:
        # The printer's agent (a Socket.IO client with the printer's key) prints what this asks.
        svc.notices.print_request("print.materials", {"printer": state["printer"], "slip": slip})
        printed = True
    return jsonify({"printed": printed, "printer": state, "materials": slip["materials"],
                    "matter": matter.id, "situation": situation, "guide_url": guide_url})


# the guide desk ------------------------------------------------------------------------
def _staff_issue(priority, note, due_now=False):
    who = require_staff()
    svc = service()
    data = body()
    matter, situation = _matter_and_situation(svc, data)
    return svc.tickets.issue(matter.id, situation=situation, priority=priority, actor=who,
                             printer=field(data, "printer", max_len=64),
                             due_at=svc.clock.now() if due_now else None, desk_note=note)


def _green_reason(data):
    reason = field(data, "reason", max_len=32)
    labels = {v: zh for v, zh, _ in GREEN_REASONS}
    if reason not in labels:
        raise KioskError(422, "bad_reason", choices="/".join(labels))
    return f"{reason} {labels[reason]}"


@api_blueprint.post("/staff-ticket")
def staff_ticket():
    """A green-channel (reason required) or help/proxy ticket from the guide desk."""
    require_staff()
    data = body()
    priority = data.get("priority")
    if priority == "green":
        note = _green_reason(data)
    elif priority == "help":
        note = field(data, "reason", max_len=200) or "帮办代办"
    else:
        raise KioskError(422, "bad_priority")
    return jsonify(_staff_issue(priority, note)), 201


@api_blueprint.post("/checkin")
def checkin():
    """Appointment check-in: the code from the hall's appointment system, once a day.

    The hall file holds no appointments, so the code is checked for shape and
    reuse only; the ticket gets priority "appointment", due now.
    """
    require_staff()
    svc = service()
    code = body().get("code")
    if not isinstance(code, str) or not CODE_SHAPE.match(code):
        raise KioskError(422, "bad_code")
    code = code.upper()
    number = svc.tickets.checked_in(code)
    if number is not None:
        raise KioskError(409, "code_used", code=code, number=number)
    return jsonify(_staff_issue("appointment", code, due_now=True)), 201
