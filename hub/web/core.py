"""The core HTTP API under /api: health, login, the catalog, queues, windows,
tickets, events, devices, calls, follow-ups, audit and the notice.

Each view takes its typed inputs (hub/web/models/core.py; see hub/web/typed.py),
calls one operation of the hall service and returns its result as JSON."""
from __future__ import annotations

from flask import Blueprint, jsonify, make_response, request

from hub.rules.errors import HallError
from hub.web.http import (SESSION_COOKIE, actor, idempotent, request_token, require, require_manager, require_staff,
                          require_staff_or_device, service)
from hub.web.models.common import Anything, NoBody, Ok
from hub.web.models.core import (AckBody, Acks, AuditQuery, AuditRow, CallPath, CancelBody, Device, DevicePath,
                                 DeviceStatusBody, Event, EventsQuery, FinishBody, Followup, FollowupBody,
                                 FollowupPath, FollowupsQuery, Health, IssueBody, LoggedIn, LoginBody, Matter,
                                 MatterGuide, MatterPath, Me, Notice, NoticeBody, NumberQuery, OpenBody,
                                 PadRatingBody, PhoneRatingBody, PhoneTicket, ProfileBody, QueueView, Rated, Slip,
                                 Ticket, TicketIssued, TicketOrNone, TicketPath, TokenPath, TransferBody,
                                 WindowAnswer, WindowPath, WindowView)
from hub.web.openapi import DOCS_PAGE, document
from hub.web.typed import typed
from hub.service.views import in_english, public_copy

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/health")
@typed(answers={200: Health})
def health():
    svc = service()
    return jsonify(svc.ops.health(svc.catalog))


@api.get("/openapi.json")
@typed(answers={200: Anything})
def openapi():
    """This document: every /api route, its inputs and its answers (OpenAPI 3.1)."""
    return jsonify(document())


@api.get("/docs")
@typed(answers={200: None}, files={200: ["text/html"]})
def docs():
    """The document for people (swagger-ui, served from the hub itself)."""
    return DOCS_PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


# auth ------------------------------------------------------------------------------
@api.post("/login")
@typed(answers={200: LoggedIn})
def login(json: LoginBody):
    name, window = json.user, json.window
    token, role = service().accounts.login(name, json.pin, request.remote_addr or "", window)
    response = make_response(jsonify({"token": token, "user": name, "role": role, "window": window}))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict")
    return response


@api.post("/logout")
@typed(answers={200: Ok})
def logout(json: NoBody):
    service().accounts.logout(request_token(), actor())
    response = make_response(jsonify({"ok": True}))
    response.delete_cookie(SESSION_COOKIE)
    return response


@api.get("/me")
@typed(answers={200: Me})
def me():
    who = actor()
    if who is None:
        raise HallError(401, "login_required")
    return jsonify({"user": who.name, "role": who.role, "window": who.window, "device": who.device,
                    "departments": list(who.departments)})


# catalog ---------------------------------------------------------------------------
def matter_view(m, full=False, hall=None):
    view = {"id": m.id, "name": m.name, "name_en": m.name_en, "department": m.department,
            "department_en": m.department_en, "mode": m.mode, "promised_days": m.promised_days,
            "typical_minutes": m.typical_minutes, "scope": m.scope, "queue": m.queue, "common": m.common,
            "has_situations": bool(m.situations)}
    if full:
        view.update(
            conditions=m.conditions, materials=list(m.materials), materials_en=in_english(hall, m.materials),
            questions=[{"id": q.id, "text": q.text, "text_en": q.text_en,
                        "options": [{"value": o.value, "label": o.label, "label_en": o.label_en} for o in q.options]}
                       for q in m.questions],
            situations=[{"id": s.id, "name": s.name, "name_en": s.name_en, "answers": dict(s.answers),
                         "materials": list(s.materials), "materials_en": in_english(hall, s.materials)}
                        for s in m.situations])
    return view


@api.get("/matters")
@typed(answers={200: list[Matter]})
def matters():
    svc = service()
    return jsonify([flag_source(svc, matter_view(m)) for m in svc.hall.matters])


def flag_source(svc, view):
    """While the county's catalogue runs: "local": true on the hall's own additions."""
    source = svc.catalog.source_of(view["id"]) if svc.catalog else None
    if source is not None:
        view["local"] = source == "local"
    return view


@api.get("/matters/<matter_id>")
@typed(answers={200: MatterGuide})
def matter(path: MatterPath):
    svc = service()
    m = svc.hall.matter(path.matter_id)
    if m is None:
        raise HallError(404, "unknown_matter", id=path.matter_id)
    view = matter_view(m, full=True, hall=svc.hall)
    view["windows"] = svc.windows.serving(m.queue)
    return jsonify(flag_source(svc, view))


@api.get("/queues")
@typed(answers={200: list[QueueView]})
def queues():
    return jsonify(service().estimates.queue_views())


@api.get("/windows")
@typed(answers={200: list[WindowView]})
def windows():
    return jsonify(for_reader(service().windows.list()))


@api.get("/windows/<window_id>")
@typed(answers={200: WindowView})
def window(path: WindowPath):
    return jsonify(for_reader(service().windows.get(path.window_id)))


def for_reader(view):
    """Staff and devices see who is at each window; the public does not."""
    return view if actor() is not None else public_copy(view)


# tickets ---------------------------------------------------------------------------
@api.post("/tickets")
@idempotent
@typed(answers={201: TicketIssued})
def issue_ticket(json: IssueBody):
    svc = service()
    if json.pickup is not None:
        return jsonify(svc.pickups.issue(json.pickup, actor(), printer=json.printer,
                                         ip=request.remote_addr or "")), 201
    if json.appointment is not None:  # check-in: the booking names the matter
        return jsonify(svc.bookings.check_in(json.appointment, actor(), printer=json.printer)), 201
    if json.matter is None:
        raise HallError(422, "missing_field", field="matter")
    ticket = svc.tickets.issue(json.matter, situation=json.situation, priority=json.priority, actor=actor(),
                               printer=json.printer)
    return jsonify(ticket), 201


@api.get("/tickets")
@typed(answers={200: Ticket})
def find_ticket(query: NumberQuery):
    svc = service()
    return jsonify(svc.tickets.view(svc.tickets.by_number(query.number)))


@api.get("/tickets/<ticket_id>")
@typed(answers={200: Ticket})
def get_ticket(path: TicketPath):
    svc = service()
    return jsonify(svc.tickets.view(svc.tickets.get(path.ticket_id)))


@api.get("/t/<token>")
@typed(answers={200: PhoneTicket})
def ticket_by_token(path: TokenPath):
    """The phone page's view: the ticket, its materials and whether it may still be rated."""
    return jsonify(service().tickets.phone_view(path.token))


@api.get("/tickets/<ticket_id>/slip")
@typed(answers={200: Slip})
def ticket_slip(path: TicketPath):
    who = require_staff_or_device()
    if who.role == "device" and who.device_kind not in ("printer", "bridge"):
        raise HallError(403, "forbidden")
    return jsonify(service().tickets.slip(path.ticket_id))


@api.post("/tickets/<ticket_id>/cancel")
@idempotent
@typed(answers={200: Ticket})
def cancel_ticket(path: TicketPath, json: CancelBody):
    return jsonify(service().tickets.cancel(path.ticket_id, actor(), token=json.token))


@api.post("/tickets/<ticket_id>/rating")
@idempotent
@typed(answers={200: Rated})
def rate_ticket(path: TicketPath, json: PhoneRatingBody):
    return jsonify(service().ratings.by_token(path.ticket_id, json.token, json.score, json.reasons))


# windows ---------------------------------------------------------------------------
WINDOW_ACTIONS = {  # action: (body, answer, what it does)
    "call-next": (NoBody, TicketOrNone, lambda svc, w, who, b: {"ticket": svc.windows.call_next(w, who)}),
    "recall": (NoBody, TicketOrNone, lambda svc, w, who, b: {"ticket": svc.windows.recall(w, who)}),
    "no-show": (NoBody, TicketOrNone, lambda svc, w, who, b: {"ticket": svc.windows.no_show(w, who)}),
    "start": (NoBody, TicketOrNone, lambda svc, w, who, b: {"ticket": svc.windows.start(w, who)}),
    "finish": (FinishBody, TicketOrNone, lambda svc, w, who, b: {
        "ticket": svc.windows.finish(w, who, outcome=b.outcome, reason=b.reason)}),
    "transfer": (TransferBody, TicketOrNone, lambda svc, w, who, b: {
        "ticket": svc.windows.transfer(w, who, queue=b.queue, to_window=b.window)}),
    "pause": (NoBody, WindowAnswer, lambda svc, w, who, b: {"window": svc.windows.pause(w, who)}),
    "resume": (NoBody, WindowAnswer, lambda svc, w, who, b: {"window": svc.windows.resume(w, who)}),
    "open": (OpenBody, WindowAnswer, lambda svc, w, who, b: {"window": svc.windows.open(w, who, b.queues)}),
    "close": (NoBody, WindowAnswer, lambda svc, w, who, b: {"window": svc.windows.close(w, who)}),
    "profile": (ProfileBody, WindowAnswer, lambda svc, w, who, b: {"window": svc.windows.set_profile(w, who, b.profile)}),
    "rating": (PadRatingBody, Rated, lambda svc, w, who, b: svc.ratings.at_window(w, b.score, who, b.reasons)),
}


def window_route(action, body_model, answer, act):
    """POST /api/windows/ID/ACTION: one typed route per action."""
    def view(path, json):
        svc = service()
        if svc.hall.window(path.window_id) is None:
            raise HallError(404, "unknown_window", id=path.window_id)
        return jsonify(act(svc, path.window_id, actor(), json))
    view.__name__ = "window_" + action.replace("-", "_")
    view.__doc__ = f"The window's `{action}` (docs/api.md, Windows)."
    view.__annotations__ = {"path": WindowPath, "json": body_model}
    api.add_url_rule(f"/windows/<window_id>/{action}", endpoint=view.__name__, methods=["POST"],
                     view_func=idempotent(typed(answers={200: answer})(view)))


for _action, (_body, _answer, _act) in WINDOW_ACTIONS.items():
    window_route(_action, _body, _answer, _act)


# events, devices, calls, follow-ups, audit ----------------------------------------
@api.get("/events")
@typed(answers={200: list[Event]})
def events(query: EventsQuery):
    require_staff_or_device()
    return jsonify(service().events.after(query.after, public_only=False, limit=query.limit))


@api.get("/devices")
@typed(answers={200: list[Device]})
def devices():
    who = require_staff_or_device()
    return jsonify(service().devices.list(setup=who.is_manager))


@api.post("/devices/<device_id>/status")
@typed(answers={200: Device})
def device_status(path: DevicePath, json: DeviceStatusBody):
    return jsonify(service().devices.report(path.device_id, actor(), online=json.online, shows=json.shows,
                                           fault=json.fault))


@api.post("/calls/<event_id>/ack")
@typed(answers={200: Acks})
def ack_call(path: CallPath, json: AckBody):
    require(lambda a: a.role == "device")
    return jsonify(service().devices.ack_call(path.event_id, json.device, json.shown, json.spoken, actor()))


@api.get("/calls/<event_id>/acks")
@typed(answers={200: list[Acks]})
def call_acks(path: CallPath):
    require_staff()
    return jsonify(service().devices.acks(path.event_id))


@api.get("/followups")
@typed(answers={200: list[Followup]})
def followups(query: FollowupsQuery):
    require_manager()
    return jsonify(service().followups.list(state=query.state))


@api.post("/followups/<followup_id>")
@idempotent
@typed(answers={200: Followup})
def followup_action(path: FollowupPath, json: FollowupBody):
    return jsonify(service().followups.act(path.followup_id, json.action, json.note, actor()))


@api.get("/audit")
@typed(answers={200: list[AuditRow]})
def audit(query: AuditQuery):
    require_manager()
    return jsonify(service().reports.audit(query.limit))


@api.post("/notice")
@typed(answers={200: Notice})
def set_notice(json: NoticeBody):
    who = require_manager()
    return jsonify(service().notices.set_notice(json.notice, who))
