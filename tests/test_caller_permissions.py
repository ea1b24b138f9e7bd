"""Who may do what: every staff route tried as anonymous, as a citizen (a
ticket's token as Bearer), as a clerk of another window, as the window's
clerk, as a manager and as a device; each gets what ../shared/API.md allows.
Also: user management, the 补正 slip, and idempotent presses."""
from __future__ import annotations

import itertools

import pytest

from hub.hallfile.model import load_hall

HALL = load_hall(None)
KEYS = {d.id: d.key for d in HALL.devices}
REFUSED = (401, 403)
names = itertools.count(1)

# who may: "clerk" = clerk1 logged in at w1 (the window the routes act on); "staff" = any staff login
CLERK, MANAGER, STAFF, DEVICES = "clerk", "manager", "staff", "devices"
ROUTES = [  # (method, path, body, who may)
    ("POST", "/api/windows/w1/call-next", {}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w1/recall", {}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w1/start", {}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w1/transfer", {"queue": "B"}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w1/no-show", {}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w1/finish", {"outcome": "done"}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w1/pause", {}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w1/resume", {}, {CLERK, MANAGER}),
    ("POST", "/api/windows/w14/open", {"queues": ["A"]}, {MANAGER}),
    ("POST", "/api/windows/w14/close", {}, {MANAGER}),
    ("POST", "/api/windows/w1/profile", {"profile": {"A": 2.0, "B": 1.0, "C": 1.0}}, {MANAGER}),
    ("POST", "/api/windows/w1/rating", {"score": 4}, set()),  # only w1's rating pad, tried below
    ("GET", "/api/events?after=0", None, {STAFF, DEVICES}),
    ("GET", "/api/devices", None, {STAFF, DEVICES}),
    ("GET", "/api/reports/daily", None, {MANAGER}),
    ("GET", "/api/reports/daily?format=xlsx", None, {MANAGER}),
    ("GET", "/api/reports/range?from=2026-11-20&to=2026-11-26", None, {MANAGER}),
    ("GET", "/api/followups", None, {MANAGER}),
    ("POST", "/api/followups/1", {"action": "contact", "note": "已电话回访"}, {MANAGER}),
    ("GET", "/api/audit", None, {MANAGER}),
    ("POST", "/api/notice", {"notice": "今天下午 3 点后暂停办理不动产业务"}, {MANAGER}),
    ("GET", "/api/users", None, {MANAGER}),
    ("POST", "/api/users", "new-user", {MANAGER}),
    ("POST", "/api/users/clerk6/pin", {"pin": "6666"}, {MANAGER}),
    ("POST", "/api/users/clerk5/disable", {"disabled": False}, {MANAGER}),
    ("GET", "/api/clerk/today", None, {STAFF}),
    ("POST", "/api/slips/correction", "slip", {CLERK, MANAGER}),
]
ROLES = ("anonymous", "citizen", "other_clerk", "clerk", "manager", "device")


def allowed(role, who_may):
    if role == "clerk":
        return bool(who_may & {CLERK, STAFF})
    if role == "other_clerk":
        return STAFF in who_may
    if role == "manager":
        return bool(who_may & {MANAGER, STAFF, CLERK})
    if role == "device":
        return DEVICES in who_may
    return False


@pytest.fixture
def hall_day(hub):
    """Tokens of each role, a follow-up (id 1) and a ticket finished at w1."""
    clerk = hub.login("clerk1", "1111", "w1")
    tokens = {"anonymous": None, "citizen": hub.issue("m03")["token"],
              "other_clerk": hub.login("clerk2", "1111", "w2"), "clerk": clerk,
              "manager": hub.login("manager", "2222"), "device": KEYS["board-1"]}
    for action in ("call-next", "start", "finish"):
        assert hub.post(f"/api/windows/w1/{action}", token=clerk).status_code == 200
    assert hub.post("/api/windows/w1/rating", {"score": 1}, token=KEYS["pad-1"]).status_code == 200
    for _ in range(3):
        hub.issue("m03")
    return tokens


def body_for(body, finished_id):
    if body == "new-user":
        return {"name": f"clerk-new-{next(names)}", "role": "clerk", "pin": "1234"}
    if body == "slip":
        return {"window": "w1", "ticket": finished_id, "missing": ["户口簿"]}
    return body


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_route_answers_each_role_as_the_contract_says(hub, hall_day, role):
    finished = hub.get("/api/tickets?number=A001").json()["id"]
    wrong = []
    for method, path, body, who_may in ROUTES:
        response = hub.request(method, path, token=hall_day[role], json=body_for(body, finished))
        status = response.status_code
        assert status < 500, (path, response.text)
        if allowed(role, who_may):
            ok = status not in REFUSED
        elif role in ("anonymous", "citizen"):
            ok = status == 401
        else:
            ok = status == 403
        if not ok:
            wrong.append((method, path, status, response.json().get("error", {}).get("code")))
    assert wrong == [], f"{role}: {wrong}"


def test_only_the_windows_own_pad_rates_and_only_printers_read_slips(hub, hall_day):
    hub.post("/api/windows/w1/call-next", token=hall_day["clerk"])
    hub.post("/api/windows/w1/finish", token=hall_day["clerk"])
    assert hub.post("/api/windows/w1/rating", {"score": 5}, token=KEYS["pad-2"]).status_code == 403
    assert hub.post("/api/windows/w1/rating", {"score": 5}, token=KEYS["keypad-1"]).status_code == 403
    assert hub.post("/api/windows/w1/rating", {"score": 5}, token=KEYS["pad-1"]).status_code == 200
    assert hub.get("/api/tickets/1/slip", token=KEYS["board-1"]).status_code == 403
    assert hub.get("/api/tickets/1/slip", token=KEYS["printer-1"]).status_code == 200


def test_a_windows_keypad_acts_on_its_own_window_only(hub, hall_day):
    assert hub.post("/api/windows/w1/call-next", token=KEYS["keypad-1"]).status_code == 200
    assert hub.post("/api/windows/w1/call-next", token=KEYS["keypad-2"]).status_code == 403
    assert hub.post("/api/windows/w2/pause", token=KEYS["keypad-1"]).status_code == 403


# users ----------------------------------------------------------------------------------
def test_a_manager_adds_a_clerk_who_logs_in_then_resets_the_pin_and_disables_them(hub):
    manager = hub.login("manager", "2222")
    r = hub.post("/api/users", {"name": "wangli", "role": "clerk", "pin": "8080"}, token=manager)
    assert r.status_code == 201 and r.json()["role"] == "clerk" and not r.json()["disabled"]
    token = hub.login("wangli", "8080", "w4")
    assert hub.get("/api/me", token=token).json()["window"] == "w4"
    assert hub.post("/api/users/wangli/pin", {"pin": "9090"}, token=manager).status_code == 200
    assert hub.get("/api/me", token=token).status_code == 401  # a reset PIN ends the old session
    token = hub.login("wangli", "9090", "w4")
    assert hub.get("/api/windows/w4", token=manager).json()["clerk"] == "wangli"
    assert "clerk" not in hub.get("/api/windows/w4").json()  # the hall Wi-Fi sees no staff names
    assert hub.post("/api/users/wangli/disable", {}, token=manager).json()["disabled"] is True
    assert hub.get("/api/me", token=token).status_code == 401
    assert hub.get("/api/windows/w4", token=manager).json()["clerk"] is None  # no longer shown at the window
    assert hub.post("/api/login", {"user": "wangli", "pin": "9090", "window": "w4"}).status_code == 403
    actions = [(a["action"], a["target"]) for a in hub.get("/api/audit", token=manager).json()]
    assert {("user.add", "wangli"), ("user.pin", "wangli"), ("user.disable", "wangli")} <= set(actions)
    listed = {u["name"]: u for u in hub.get("/api/users", token=manager).json()}
    assert listed["wangli"]["disabled"] and "salt" not in listed["wangli"] and "hash" not in listed["wangli"]


def test_a_manager_cannot_make_admins_or_touch_them_and_bad_input_is_named(hub):
    manager = hub.login("manager", "2222")
    admin = hub.login("admin", "3333")
    assert hub.post("/api/users", {"name": "boss", "role": "admin", "pin": "1234"}, token=manager).status_code == 403
    assert hub.post("/api/users/admin/pin", {"pin": "1234"}, token=manager).status_code == 403
    weak = hub.post("/api/users", {"name": "boss", "role": "manager", "pin": "1234"}, token=admin)
    assert weak.status_code == 422 and weak.json()["error"] == {
        "code": "weak_pin", "message": "大厅负责人的 PIN 至少 6 个字符"}
    assert hub.post("/api/users", {"name": "boss", "role": "manager", "pin": "b0ss-1"}, token=admin).status_code == 201
    r = hub.post("/api/users", {"name": "x", "role": "clerk", "pin": "12ab"}, token=manager,
                 headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "A clerk's PIN must be at least 4 digits"
    assert hub.post("/api/users/manager/pin", {"pin": "22222"}, token=admin).json()["error"]["code"] == "weak_pin"
    r = hub.post("/api/users", {"name": "clerk1", "role": "clerk", "pin": "1234"}, token=manager)
    assert r.status_code == 409 and "clerk1" in r.json()["error"]["message"]
    r = hub.post("/api/users", {"name": "x", "role": "clerk", "pin": "12"}, token=manager)
    assert r.status_code == 422 and "PIN" in r.json()["error"]["message"]
    r = hub.post("/api/users", {"name": "x", "role": "king", "pin": "1234"}, token=manager)
    assert r.status_code == 422 and "role" in r.json()["error"]["message"]
    assert hub.post("/api/users/nobody/pin", {"pin": "1234"}, token=manager).status_code == 404
    assert hub.post("/api/users/manager/disable", {}, token=admin).status_code == 200
    assert hub.post("/api/users/admin/disable", {}, token=admin).status_code == 422  # not oneself


# the 补正 slip ------------------------------------------------------------------------------
def test_the_correction_slip_lists_the_missing_materials_as_printed(hub):
    clerk = hub.login("clerk1", "1111", "w1")
    ticket = hub.issue("m03")
    for action, body in (("call-next", {}), ("finish", {"outcome": "incomplete", "reason": "缺少材料: 近期免冠照片"})):
        assert hub.post(f"/api/windows/w1/{action}", body, token=clerk).status_code == 200
    r = hub.post("/api/slips/correction", {"window": "w1", "ticket": ticket["id"], "missing": ["近期免冠照片"],
                                           "note": "照片须为白底"}, token=clerk)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["slip"]["kind"] == "correction" and data["slip"]["missing"] == ["近期免冠照片"]
    printed = data["text"].replace(" ", "")  # the title is printed double width
    assert "补正材料告知单" in printed and "近期免冠照片" in printed and "照片须为白底" in printed
    assert data["printer"] is None  # the demo hall has no printer at window 1: the page shows the slip
    other = hub.login("clerk2", "1111", "w2")
    assert hub.post("/api/slips/correction", {"window": "w2", "ticket": ticket["id"], "missing": ["x"]},
                    token=other).status_code == 409  # not a ticket of window 2
    r = hub.post("/api/slips/correction", {"window": "w1", "ticket": ticket["id"], "missing": []}, token=clerk)
    assert r.status_code == 422 and "missing" in r.json()["error"]["message"]


# idempotency ---------------------------------------------------------------------------------
def test_the_same_idempotency_key_calls_only_once(hub):
    clerk = hub.login("clerk1", "1111", "w1")
    first, second = hub.issue("m03"), hub.issue("m03")
    key = {"Idempotency-Key": "press-0001"}
    r1 = hub.post("/api/windows/w1/call-next", token=clerk, headers=dict(key))
    r2 = hub.post("/api/windows/w1/call-next", token=clerk, headers=dict(key))
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json() and r2.headers.get("Idempotent-Replay") == "true"
    assert r1.json()["ticket"]["number"] == first["number"]
    assert hub.get(f"/api/tickets/{second['id']}").json()["status"] == "waiting"
    manager = hub.login("manager", "2222")
    calls = [a for a in hub.get("/api/audit", token=manager).json() if a["action"] == "window.call_next"]
    assert len(calls) == 1
    # a new press (new key) acts again: here it is refused, the window still holds the first ticket
    assert hub.post("/api/windows/w1/call-next", token=clerk, headers={"Idempotency-Key": "press-0002"}).status_code == 409


def test_a_repeated_add_user_press_creates_one_user(hub):
    manager = hub.login("manager", "2222")
    headers = {"Idempotency-Key": "add-zhao"}
    body = {"name": "zhao", "role": "guide", "pin": "1234"}
    assert hub.post("/api/users", body, token=manager, headers=dict(headers)).status_code == 201
    assert hub.post("/api/users", body, token=manager, headers=dict(headers)).status_code == 201  # replayed
    assert hub.post("/api/users", body, token=manager).status_code == 409  # a new press: already there


def test_a_window_with_its_own_printer_gets_the_slip_printed_by_the_bridge(hub_factory, tmp_path):
    from hub.hallfile.model import demo_hall_path
    from test_caller_console import Board

    text = demo_hall_path().read_text(encoding="utf-8")
    text = text.replace('id = "printer-1"\nkind = "printer"\n', 'id = "printer-1"\nkind = "printer"\nwindow = "w1"\n')
    config = tmp_path / "printer-at-w1.toml"
    config.write_text(text, encoding="utf-8")
    hub = hub_factory(name="printer", config=config).start()
    clerk = hub.login("clerk1", "1111", "w1")
    ticket = hub.issue("m03")
    for action, body in (("call-next", {}), ("finish", {"outcome": "incomplete", "reason": "缺少材料: 近期免冠照片"})):
        assert hub.post(f"/api/windows/w1/{action}", body, token=clerk).status_code == 200
    bridge = Board(hub.url, token=KEYS["bridge-1"])  # the bridge listens in the staff room
    try:
        r = hub.post("/api/slips/correction", {"window": "w1", "ticket": ticket["id"], "missing": ["近期免冠照片"]},
                     token=clerk)
        assert r.status_code == 200 and r.json()["printer"] == "printer-1"
        seen = bridge.wait_for("print.correction", ticket["number"])
        assert seen["printer"] == "printer-1" and seen["slip"]["missing"] == ["近期免冠照片"]
    finally:
        bridge.close()
    public = hub.get("/api/events?after=0", token=KEYS["board-1"]).json()
    assert any(e["type"] == "print.correction" for e in public)  # logged, for devices and staff only


@pytest.mark.parametrize("path, body", [
    ("/api/users", {"name": ["x"], "role": "clerk", "pin": "1234"}),
    ("/api/users", {"name": "  ", "role": "clerk", "pin": "1234"}),
    ("/api/users", {"name": "x", "role": "clerk", "pin": 1234}),
    ("/api/users", {"name": "x", "role": "clerk", "pin": "1234", "departments": "人社"}),
    ("/api/users", {"name": "x", "role": "clerk", "pin": "1234", "departments": [1]}),
    ("/api/users/clerk1/pin", {"pin": None}),
    ("/api/users/clerk1/disable", {"disabled": "yes"}),
    ("/api/slips/correction", {"window": "w1", "ticket": 2**70, "missing": ["a"]}),
    ("/api/slips/correction", {"window": "w1", "ticket": "1", "missing": ["a"]}),
    ("/api/slips/correction", {"window": "w99", "ticket": 1, "missing": ["a"]}),
    ("/api/slips/correction", {"window": "w1", "ticket": 1, "missing": "户口簿"}),
    ("/api/slips/correction", {"window": "w1", "ticket": 1, "missing": ["x" * 201]}),
])
def test_bad_bodies_to_the_console_routes_get_a_named_error_never_a_500(hub, path, body):
    token = hub.login("manager", "2222")
    response = hub.post(path, body, token=token)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["message"]
    response = hub.request("POST", path, token=token, data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
