"""Who may call what: every /api route of the Flask URL map × ten callers,
against one table. A route missing from the table fails the test, so a new
route cannot arrive without saying who may call it.

"May" means the hub does not refuse the caller (401 without a login, 403
with one); what it then answers (200, 404, 409 …) is the route's business."""
from __future__ import annotations

import itertools
import re

import pytest

from hub.hallfile.model import load_hall
from hubproc import HubProcess

HALL = load_hall(None)
KEYS = {d.id: d.key for d in HALL.devices}
ROLES = ("anonymous", "citizen", "kiosk", "device", "other_clerk", "clerk", "guide", "other_backoffice",
         "manager", "admin")
NO_LOGIN = {"anonymous", "citizen"}  # refused with 401; everyone else with 403
ANYONE = set(ROLES)
STAFF = {"other_clerk", "clerk", "guide", "other_backoffice", "manager", "admin"}
MANAGERS = {"manager", "admin"}
WINDOW = {"clerk", "manager", "admin"}  # the routes act on w1, where `clerk` is logged in
CASE = {"manager", "admin"}  # the case is of 人社; `other_backoffice` works 民政's
CASE_READERS = CASE | {"clerk"}  # and clerk1 at w1 accepted it
DEVICES = {"kiosk", "device"}

WHO = {  # "METHOD /api/rule": who may
    "GET /api/health": ANYONE, "GET /api/openapi.json": ANYONE, "GET /api/docs": ANYONE,
    "POST /api/login": ANYONE, "POST /api/logout": ANYONE, "GET /api/me": ANYONE - NO_LOGIN,
    "GET /api/matters": ANYONE, "GET /api/matters/<matter_id>": ANYONE, "GET /api/queues": ANYONE,
    "GET /api/windows": ANYONE, "GET /api/windows/<window_id>": ANYONE,
    "POST /api/tickets": ANYONE, "GET /api/tickets": ANYONE, "GET /api/tickets/<ticket_id>": ANYONE,
    "GET /api/t/<token>": ANYONE,
    "GET /api/tickets/<ticket_id>/slip": STAFF,  # and printer and bridge keys: tests/test_caller_permissions.py
    "POST /api/tickets/<ticket_id>/cancel": STAFF, "POST /api/tickets/<ticket_id>/rating": ANYONE,
    **{f"POST /api/windows/<window_id>/{a}": WINDOW
       for a in ("call-next", "recall", "no-show", "start", "finish", "transfer", "pause", "resume")},
    "POST /api/windows/<window_id>/open": MANAGERS, "POST /api/windows/<window_id>/close": MANAGERS,
    "POST /api/windows/<window_id>/profile": MANAGERS, "POST /api/windows/<window_id>/rating": set(),
    "GET /api/events": STAFF | DEVICES, "GET /api/devices": STAFF | DEVICES,
    "POST /api/devices/<device_id>/status": {"device"} | MANAGERS, "POST /api/calls/<event_id>/ack": {"device"},
    "GET /api/calls/<event_id>/acks": STAFF, "GET /api/followups": MANAGERS,
    "POST /api/followups/<followup_id>": MANAGERS, "GET /api/audit": MANAGERS, "POST /api/notice": MANAGERS,
    "GET /api/kiosk/config": ANYONE, "GET /api/kiosk/search": ANYONE, "GET /api/kiosk/printer": ANYONE,
    "POST /api/kiosk/print-materials": ANYONE, "POST /api/kiosk/staff-ticket": STAFF,
    "POST /api/kiosk/checkin": STAFF,
    "GET /api/reports/daily": MANAGERS, "GET /api/reports/range": MANAGERS, "GET /api/clerk/today": STAFF,
    "GET /api/users": MANAGERS, "POST /api/users": MANAGERS, "POST /api/users/<name>/pin": MANAGERS,
    "POST /api/users/<name>/disable": MANAGERS, "POST /api/slips/correction": WINDOW,
    "GET /api/cases": STAFF - {"guide"}, "GET /api/cases/<case_id>": CASE_READERS,
    "GET /api/cases/<case_id>/receipt": CASE_READERS | {"kiosk"},
    **{f"POST /api/cases/<case_id>/{a}": CASE
       for a in ("review", "return", "resume", "approve", "reject", "ready", "mail", "deliver")},
    "GET /api/cases/supervision": MANAGERS, "GET /api/cases/overdue": MANAGERS,
    "POST /api/cases/check-alerts": MANAGERS, "GET /api/reports/cases": MANAGERS,
    "GET /api/ops": MANAGERS, "GET /api/days": MANAGERS,
    "GET /api/appointments/matters": ANYONE, "GET /api/appointments/slots": ANYONE, "POST /api/appointments": ANYONE,
    "GET /api/appointments": STAFF, "GET /api/appointments/by-code/<code>": ANYONE,
    "POST /api/appointments/<booking_id>/cancel": ANYONE, "GET /api/appointments/blackouts": ANYONE,
    "POST /api/appointments/blackouts": MANAGERS, "POST /api/appointments/blackouts/<blackout_id>/remove": MANAGERS,
    "POST /api/ratings/<ticket_id>/appeal": STAFF, "POST /api/ratings/<ticket_id>/appeal/decide": MANAGERS,
    "GET /api/ratings/mine": {"other_clerk", "clerk"},
}
# a case is not shown to who may not see it: the refusal is its 404, as for a case that does not exist
HIDDEN = "/api/cases/<case_id>"
# the ticket's token in the body is the key (tried without it): no token, no login, 403 bad_token
TOKEN_KEYED = {"POST /api/tickets/<ticket_id>/cancel"}
names = itertools.count(1)
BODIES = {  # a body each route accepts, so that only the caller decides the answer
    "POST /api/login": lambda k: {"user": "clerk3", "pin": "1111", "window": "w3"},
    "POST /api/tickets": lambda k: {"matter": "m03"},
    "POST /api/tickets/<ticket_id>/rating": lambda k: {"score": 5, "token": k["token"]},
    "POST /api/windows/<window_id>/transfer": lambda k: {"queue": "B"},
    "POST /api/windows/<window_id>/open": lambda k: {"queues": ["A"]},
    "POST /api/windows/<window_id>/profile": lambda k: {"profile": {"A": 2.0, "B": 1.0, "C": 1.0}},
    "POST /api/windows/<window_id>/rating": lambda k: {"score": 4},
    "POST /api/devices/<device_id>/status": lambda k: {"online": True},
    "POST /api/calls/<event_id>/ack": lambda k: {"device": "board-1"},
    "POST /api/followups/<followup_id>": lambda k: {"action": "close", "note": "已回访"},
    "POST /api/notice": lambda k: {"notice": "今天正常办公"},
    "POST /api/kiosk/print-materials": lambda k: {"matter": "m03"},
    "POST /api/kiosk/staff-ticket": lambda k: {"matter": "m03", "priority": "help"},
    "POST /api/kiosk/checkin": lambda k: {"code": f"{next(names):08d}"},
    "POST /api/appointments": lambda k: {"matter": "m05", "start": "2026-11-27T09:00:00+08:00", "name": "张三",
                                         "phone": f"1380000{next(names):04d}"},
    "POST /api/appointments/<booking_id>/cancel": lambda k: {"code": "00000000"},
    "POST /api/appointments/blackouts": lambda k: {"from": "2026-12-20", "to": "2026-12-20", "reason": "盘点"},
    "POST /api/ratings/<ticket_id>/appeal": lambda k: {"reason": "恶意差评"},
    "POST /api/ratings/<ticket_id>/appeal/decide": lambda k: {"decision": "reject"},
    "POST /api/users": lambda k: {"name": f"matrix-{next(names)}", "role": "clerk", "pin": "1234"},
    "POST /api/users/<name>/pin": lambda k: {"pin": "6666"},
    "POST /api/users/<name>/disable": lambda k: {"disabled": False},
    "POST /api/slips/correction": lambda k: {"window": "w1", "ticket": k["finished"], "missing": ["户口簿"]},
    "POST /api/cases/<case_id>/return": lambda k: {"missing": ["户口簿"]},
    "POST /api/cases/<case_id>/reject": lambda k: {"reason": "不符合条件"},
}
QUERIES = {"GET /api/tickets": {"number": "A001"}, "GET /api/appointments/slots": {"matter": "m05", "date": "2026-11-27"}, "GET /api/reports/range": {"from": "2026-11-20", "to": "2026-11-26"}}
RULE_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
LAST = ("POST /api/logout",)  # ends the caller's session


def api_routes():
    from hub.rules.clock import FixedClock
    from hub.store.database import Store
    from hub.web.app import create_app
    import tempfile

    app, _ = create_app(HALL, Store(tempfile.mkdtemp() + "/hallq.db"), FixedClock(1795654800.0),
                        async_mode="threading")
    found = {f"{m} {rule.rule}" for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
             for m in rule.methods - {"HEAD", "OPTIONS"}}
    return sorted(found, key=lambda r: (r in LAST, r))


ROUTES = api_routes()


def test_every_route_of_the_url_map_is_in_the_table():
    assert sorted(set(ROUTES) - set(WHO)) == [], "say who may call these routes in WHO"
    assert sorted(set(WHO) - set(ROUTES)) == [], "routes in WHO that the hub no longer has"


@pytest.fixture(scope="module")
def callers(tmp_path_factory, template_db):
    """A hub with a case of 人社 (id 1), a finished ticket at w1 and a follow-up, and each caller's credentials."""
    hub = HubProcess(tmp_path_factory.mktemp("matrix"), template_db=template_db).start()
    clerk = hub.login("clerk1", "1111", "w1")
    hub.issue("m02")
    for action, body in (("call-next", {}), ("finish", {"outcome": "accepted"}), ("call-next", {}),
                         ("finish", {"outcome": "done"})):
        hub.post("/api/windows/w1/" + action, body, token=clerk)
    finished = hub.get("/api/tickets?number=A001").json()["id"]
    hub.post("/api/windows/w1/rating", {"score": 1}, token=KEYS["pad-1"])  # opens follow-up 1
    citizen = hub.issue("m03")
    tokens = {"anonymous": None, "citizen": citizen["token"], "kiosk": KEYS["kiosk-1"], "device": KEYS["board-1"],
              "other_clerk": hub.login("clerk2", "1111", "w2"), "clerk": clerk, "guide": hub.login("guide", "5555"),
              "other_backoffice": hub.login("backoffice-minzheng", "4444"), "manager": hub.login("manager", "2222"),
              "admin": hub.login("admin", "3333")}
    known = {"window_id": "w1", "matter_id": "m03", "ticket_id": citizen["id"], "token": citizen["token"],
             "event_id": 1, "followup_id": 1, "case_id": 1, "device_id": "board-1", "name": "clerk6",
             "booking_id": 1, "code": "12345678", "blackout_id": 1,
             "finished": finished}
    yield hub, tokens, known
    hub.stop()


def refusals(route, role):
    if role in NO_LOGIN:
        return {403} if route in TOKEN_KEYED else {401}
    return {403, 404} if HIDDEN in route else {403}


def test_each_route_lets_in_exactly_who_the_table_says(callers):
    hub, tokens, known = callers
    wrong = []
    for route in ROUTES:
        method, rule = route.split(" ", 1)
        path = RULE_PART.sub(lambda m: str(known[m.group(1)]), rule)
        for role in ROLES:
            body = BODIES.get(route, lambda k: {})(known) if method == "POST" else None
            response = hub.request(method, path, token=tokens[role], json=body, params=QUERIES.get(route))
            assert response.status_code < 500, (route, role, response.text)
            may = role in WHO[route]
            if may and response.status_code in (401, 403):
                wrong.append(f"{route}: {role} refused ({response.status_code} {response.text[:120]})")
            elif not may and response.status_code not in refusals(route, role):
                wrong.append(f"{route}: {role} let in ({response.status_code} {response.text[:120]})")
    assert wrong == [], "\n".join(wrong)
