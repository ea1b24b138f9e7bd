"""The HTTP API under /api: each view parses its input, calls one
operation of the hall service and returns its result as JSON."""
from __future__ import annotations

from flask import Blueprint, jsonify, make_response, request

from hub.service.auth import login as auth_login, logout as auth_logout
from hub.rules.errors import HallError
from hub.web.http import (SESSION_COOKIE, actor, body, field, idempotent, int_arg, request_token, require_manager,
                   require_staff, require_staff_or_device, service)
from hub.rules.tickets import OUTCOMES
from hub.service.views import in_english, materials_of

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/health")
def health():
    return jsonify(service().health())


# auth ------------------------------------------------------------------------------
@api.post("/login")
def login():
    data = body()
    name = field(data, "user", required=True, max_len=64)
    pin = field(data, "pin", required=True, max_len=64)
    window = field(data, "window", max_len=32)
    svc = service()
    if window is not None and svc.hall.window(window) is None:
        raise HallError(422, "unknown_window", id=window)
    token, user = auth_login(svc.store, name, pin, request.remote_addr or "", svc.clock.now(), window)
    if user["role"] == "clerk" and window is None:
        auth_logout(svc.store, token)
        raise HallError(422, "window_required")
    if window is not None:
        svc.staff_window(window, name)
    svc.audit("login", window or "-", actor_from(user, window))
    response = make_response(jsonify({"token": token, "user": name, "role": user["role"], "window": window}))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict")
    return response


def actor_from(user, window):
    from hub.service.auth import Actor
    return Actor(name=user["name"], role=user["role"], window=window, ip=request.remote_addr or "")


@api.post("/logout")
def logout():
    token, who = request_token(), actor()
    if token and who is not None and who.role != "device":
        svc = service()
        if who.window:
            svc.staff_window(who.window, None)
        auth_logout(svc.store, token)
        svc.audit("logout", who.window or "-", who)
    response = make_response(jsonify({"ok": True}))
    response.delete_cookie(SESSION_COOKIE)
    return response


@api.get("/me")
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
def matters():
    return jsonify([matter_view(m) for m in service().hall.matters])


@api.get("/matters/<matter_id>")
def matter(matter_id):
    svc = service()
    m = svc.hall.matter(matter_id)
    if m is None:
        raise HallError(404, "unknown_matter", id=matter_id)
    view = matter_view(m, full=True, hall=svc.hall)
    view["windows"] = [w["number"] for w in svc.windows() if m.queue in w["main_queues"]]
    return jsonify(view)


@api.get("/queues")
def queues():
    return jsonify(service().queues())


@api.get("/windows")
def windows():
    return jsonify(service().windows())


@api.get("/windows/<window_id>")
def window(window_id):
    return jsonify(service().window(window_id))


# tickets ---------------------------------------------------------------------------
@api.post("/tickets")
@idempotent
def issue_ticket():
    data = body()
    svc = service()
    if "pickup" in data:
        return jsonify(svc.issue_pickup(field(data, "pickup", required=True, max_len=300), actor(),
                                        printer=field(data, "printer", max_len=64))), 201
    matter_id = data.get("matter")
    if matter_id is None:
        raise HallError(422, "missing_field", field="matter")
    if not isinstance(matter_id, str) or len(matter_id) > 64:
        raise HallError(422, "bad_field", field="matter", why="须为事项编号")
    ticket = svc.issue(matter_id, situation=field(data, "situation", max_len=64),
                       priority=field(data, "priority", max_len=16) or "normal", actor=actor(),
                       printer=field(data, "printer", max_len=64))
    return jsonify(ticket), 201


def ticket_id_arg(ticket_id):
    try:
        value = int(ticket_id)
    except ValueError:
        raise HallError(404, "unknown_ticket", id=ticket_id) from None
    if not 0 < value < 2**62:
        raise HallError(404, "unknown_ticket", id=ticket_id)
    return value


@api.get("/tickets")
def find_ticket():
    number = request.args.get("number", "")
    if not number or len(number) > 8:
        raise HallError(400, "missing_field", field="number")
    svc = service()
    return jsonify(svc.ticket_view(svc.ticket_by_number(number)))


@api.get("/tickets/<ticket_id>")
def get_ticket(ticket_id):
    svc = service()
    return jsonify(svc.ticket_view(svc.ticket(ticket_id_arg(ticket_id))))


@api.get("/t/<token>")
def ticket_by_token(token):
    """The phone page's view: the ticket, its materials and whether it may still be rated."""
    svc = service()
    t = svc.ticket_by_token(token)
    view = svc.ticket_view(t)
    view["materials"] = materials_of(svc.hall, t.matter, t.situation)
    view["materials_en"] = in_english(svc.hall, view["materials"])
    view["rating"] = svc.rating_state(t)
    view["case"] = svc.case_for_ticket(t.id) if hasattr(svc, "case_for_ticket") else None
    return jsonify(view)


@api.get("/tickets/<ticket_id>/slip")
def ticket_slip(ticket_id):
    who = require_staff_or_device()
    if who.role == "device" and who.device_kind not in ("printer", "bridge"):
        raise HallError(403, "forbidden")
    return jsonify(service().slip(ticket_id_arg(ticket_id)))


@api.post("/tickets/<ticket_id>/cancel")
@idempotent
def cancel_ticket(ticket_id):
    data = body()
    svc = service()
    return jsonify(svc.cancel(ticket_id_arg(ticket_id), actor(), token=field(data, "token", max_len=64)))


@api.post("/tickets/<ticket_id>/rating")
@idempotent
def rate_ticket(ticket_id):
    data = body()
    score = field(data, "score", kind=int, required=True)
    token = field(data, "token", required=True, max_len=64)
    return jsonify(service().rate_by_token(ticket_id_arg(ticket_id), token, score, actor()))


# windows ---------------------------------------------------------------------------
def ticket_or_none(ticket):
    return jsonify({"ticket": ticket})


WINDOW_ACTIONS = {
    "call-next": lambda svc, w, who, data: ticket_or_none(svc.call_next(w, who)),
    "recall": lambda svc, w, who, data: ticket_or_none(svc.recall(w, who)),
    "no-show": lambda svc, w, who, data: ticket_or_none(svc.no_show(w, who)),
    "start": lambda svc, w, who, data: ticket_or_none(svc.start(w, who)),
    "finish": lambda svc, w, who, data: ticket_or_none(svc.finish(
        w, who, outcome=field(data, "outcome", choices=OUTCOMES) or "done",
        reason=field(data, "reason", max_len=500))),
    "transfer": lambda svc, w, who, data: ticket_or_none(svc.transfer(
        w, who, queue=field(data, "queue", max_len=8), to_window=field(data, "window", max_len=32))),
    "pause": lambda svc, w, who, data: jsonify({"window": svc.pause(w, who)}),
    "resume": lambda svc, w, who, data: jsonify({"window": svc.resume(w, who)}),
    "open": lambda svc, w, who, data: jsonify({"window": svc.open_window(w, who, queues_field(data))}),
    "close": lambda svc, w, who, data: jsonify({"window": svc.close_window(w, who)}),
    "profile": lambda svc, w, who, data: jsonify({"window": svc.set_profile(
        w, who, field(data, "profile", kind=dict, required=True))}),
    "rating": lambda svc, w, who, data: jsonify(svc.rate_at_window(
        w, field(data, "score", kind=int, required=True), who)),
}


def queues_field(data):
    queues = field(data, "queues", kind=list)
    if queues is not None and not all(isinstance(q, str) and len(q) <= 8 for q in queues):
        raise HallError(422, "bad_field", field="queues", why="须为队列编号的列表")
    return queues


@api.post("/windows/<window_id>/<action>")
@idempotent
def window_action(window_id, action):
    handler = WINDOW_ACTIONS.get(action)
    if handler is None:
        raise HallError(404, "not_found", path=request.path)
    svc = service()
    if svc.hall.window(window_id) is None:
        raise HallError(404, "unknown_window", id=window_id)
    return handler(svc, window_id, actor(), body())


# events, devices, calls, follow-ups, audit ----------------------------------------
@api.get("/events")
def events():
    who = require_staff_or_device()
    after = int_arg("after", 0)
    limit = min(max(int_arg("limit", 500), 1), 1000)
    return jsonify(service().events_after(after, public_only=False, limit=limit) if who else [])


@api.get("/devices")
def devices():
    require_staff_or_device()
    return jsonify(service().devices())


@api.post("/devices/<device_id>/status")
def device_status(device_id):
    data = body()
    online = data.get("online", True)
    if not isinstance(online, bool):
        raise HallError(422, "bad_field", field="online", why="须为 true 或 false")
    return jsonify(service().device_status(device_id, actor(), online=online,
                                           shows=field(data, "shows", max_len=200),
                                           fault=field(data, "fault", max_len=32)))


@api.post("/calls/<int:event_id>/ack")
def ack_call(event_id):
    data = body()
    device = field(data, "device", required=True, max_len=64)
    shown = data.get("shown", True)
    spoken = data.get("spoken", False)
    return jsonify(service().ack_call(event_id, device, bool(shown), bool(spoken), actor()))


@api.get("/calls/<int:event_id>/acks")
def call_acks(event_id):
    require_staff()
    return jsonify(service().call_acks(event_id))


@api.get("/followups")
def followups():
    require_manager()
    return jsonify(service().followups(state=request.args.get("state") or None))


@api.post("/followups/<int:followup_id>")
@idempotent
def followup_action(followup_id):
    data = body()
    return jsonify(service().followup_action(
        followup_id, field(data, "action", required=True, max_len=16), field(data, "note", max_len=2000), actor()))


@api.get("/audit")
def audit():
    require_manager()
    limit = min(max(int_arg("limit", 200), 1), 5000)
    svc = service()
    rows = svc.store.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
    from hub.rules.clock import iso
    return jsonify([{"at": iso(r["at"], svc.hall.timezone), "user": r["user"], "action": r["action"],
                     "target": r["target"], "ip": r["ip"], "detail": r["detail"]} for r in rows])


@api.post("/notice")
def set_notice():
    who = require_manager()
    text = field(body(), "notice", required=True, max_len=500)
    return jsonify(service().set_notice(text, who))
