"""The hub over real HTTP: tickets, window actions, auth and errors."""
from __future__ import annotations

import pytest

from hub.hallfile.model import load_hall

HALL = load_hall(None)
PAD1 = HALL.device("pad-1").key
KEYPAD1 = HALL.device("keypad-1").key


def materials_of_matter(hub, matter_id):
    """The matter's own list, from its guide: what the ticket must repeat."""
    return hub.get(f"/api/matters/{matter_id}").json()["materials"]


def test_a_ticket_is_issued_numbered_and_read_back(hub):
    first = hub.issue("m03")
    second = hub.issue("m03")
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert second["ahead"] == 1 and first["status"] == "waiting"
    assert first["status_url"].endswith("/t/" + first["token"]) and len(first["token"]) >= 16
    assert first["materials"] == materials_of_matter(hub, "m03") and first["materials"]
    read = hub.get(f"/api/tickets/{first['id']}").json()
    assert read["number"] == "A001" and "token" not in read
    assert hub.get(f"/api/t/{first['token']}").json()["id"] == first["id"]


def test_the_clerk_cycle_call_start_finish_and_a_pad_rating(hub):
    ticket = hub.issue("m03")
    token = hub.login("clerk1", "1111", window="w1")
    called = hub.post("/api/windows/w1/call-next", token=token).json()["ticket"]
    assert called["number"] == ticket["number"] and called["window_number"] == 1
    again = hub.post("/api/windows/w1/call-next", token=token)
    assert again.status_code == 409 and "A001" in again.json()["error"]["message"]
    assert hub.post("/api/windows/w1/start", token=token).json()["ticket"]["status"] == "serving"
    done = hub.post("/api/windows/w1/finish", {"outcome": "done"}, token=token).json()["ticket"]
    assert done["status"] == "done"
    rated = hub.post("/api/windows/w1/rating", {"score": 5}, token=PAD1)
    assert rated.status_code == 200 and rated.json()["score"] == 5
    twice = hub.post("/api/windows/w1/rating", {"score": 4}, token=PAD1)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_rated"
    assert hub.post("/api/windows/w1/call-next", token=token).json() == {"ticket": None}


def test_a_clerk_cannot_act_on_another_window_and_anonymous_is_refused(hub):
    hub.issue("m03")
    token = hub.login("clerk1", "1111", window="w1")
    other = hub.post("/api/windows/w2/call-next", token=token)
    assert other.status_code == 403 and "1 号窗口" in other.json()["error"]["message"]
    assert hub.post("/api/windows/w1/call-next").status_code == 401
    assert hub.post("/api/windows/w1/call-next", token="x" * 30).status_code == 401
    citizen = hub.issue("m03")["token"]
    assert hub.post("/api/windows/w1/call-next", token=citizen).status_code == 401
    assert hub.post("/api/windows/w1/call-next", token=KEYPAD1).status_code == 200
    assert hub.post("/api/windows/w2/call-next", token=KEYPAD1).status_code == 403


def test_recall_limit_turns_a_called_ticket_into_a_no_show(hub):
    hub.issue("m03")
    token = hub.login("clerk1", "1111", window="w1")
    hub.post("/api/windows/w1/call-next", token=token)
    statuses = [hub.post("/api/windows/w1/recall", token=token).json()["ticket"]["status"] for _ in range(3)]
    assert statuses == ["called", "called", "no_show"]
    assert hub.post("/api/windows/w1/recall", token=token).status_code == 409


def test_transfer_to_a_professional_queue_keeps_the_ticket_and_its_first_issue_time(hub):
    ticket = hub.issue("m03")
    clerk = hub.login("clerk1", "1111", window="w1")
    hub.post("/api/windows/w1/call-next", token=clerk)
    hub.advance(120)
    moved = hub.post("/api/windows/w1/transfer", {"queue": "D"}, token=clerk).json()["ticket"]
    assert (moved["status"], moved["queue"], moved["number"]) == ("waiting", "D", ticket["number"])
    assert moved["issued_at"] == ticket["issued_at"]
    pro = hub.login("clerk2", "1111", window="w7")
    assert hub.post("/api/windows/w7/call-next", token=pro).json()["ticket"]["id"] == ticket["id"]


def test_green_channel_needs_staff_and_goes_first(hub):
    first = hub.issue("m03")
    refused = hub.post("/api/tickets", {"matter": "m03", "priority": "green"})
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "绿色通道号须由工作人员发放"
    guide = hub.login("guide", "5555")
    green = hub.post("/api/tickets", {"matter": "m03", "priority": "green"}, token=guide).json()
    assert green["ahead"] == 0 and hub.get(f"/api/tickets/{first['id']}").json()["ahead"] == 1
    clerk = hub.login("clerk1", "1111", window="w1")
    assert hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]["id"] == green["id"]


def test_tidal_windows_start_closed_and_a_manager_opens_them_on_the_loaded_queue(hub):
    windows = {w["id"]: w for w in hub.get("/api/windows").json()}
    assert windows["w14"]["state"] == "closed" and windows["w1"]["state"] == "open"
    for _ in range(3):
        hub.issue("m11")  # queue B
    clerk = hub.login("clerk1", "1111", window="w1")
    assert hub.post("/api/windows/w14/open", token=clerk).status_code == 403
    manager = hub.login("manager", "2222")
    opened = hub.post("/api/windows/w14/open", token=manager).json()["window"]
    assert opened["state"] == "open" and "B" in opened["queues"]
    assert hub.post("/api/windows/w14/call-next", token=manager).json()["ticket"]["queue"] == "B"


def test_a_low_rating_from_the_phone_opens_a_followup_and_forgery_is_refused(hub):
    ticket = hub.issue("m03")
    clerk = hub.login("clerk1", "1111", window="w1")
    hub.post("/api/windows/w1/call-next", token=clerk)
    hub.post("/api/windows/w1/finish", token=clerk)
    forged = hub.post(f"/api/tickets/{ticket['id']}/rating", {"score": 1, "token": "x" * 24})
    assert forged.status_code == 403
    ok = hub.post(f"/api/tickets/{ticket['id']}/rating", {"score": 2, "token": ticket["token"]}).json()
    assert ok["followup"]
    manager = hub.login("manager", "2222")
    followups = hub.get("/api/followups", token=manager).json()
    assert followups[0]["ticket"]["number"] == ticket["number"] and followups[0]["state"] == "open"
    closed = hub.post(f"/api/followups/{ok['followup']}", {"action": "close", "note": "已电话回访"}, token=manager)
    assert closed.json()["state"] == "closed"
    assert any(a["action"] == "followup.close" and a["user"] == "manager"
               for a in hub.get("/api/audit", token=manager).json())


def test_a_rating_after_the_configured_time_is_refused(hub):
    ticket = hub.issue("m03")
    clerk = hub.login("clerk1", "1111", window="w1")
    hub.post("/api/windows/w1/call-next", token=clerk)
    hub.post("/api/windows/w1/finish", token=clerk)
    hub.advance(11 * 60)
    late = hub.post(f"/api/tickets/{ticket['id']}/rating", {"score": 5, "token": ticket["token"]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "rating_expired"


def test_errors_speak_english_on_request(hub):
    r = hub.get("/api/tickets/999999", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.status_code == 404 and r.json()["error"]["message"] == "No ticket 999999"
    assert hub.get("/api/tickets/999999").json()["error"]["message"] == "未找到号票 999999"


def test_repeated_failed_logins_are_slowed_down(hub):
    codes = [hub.post("/api/login", {"user": "manager", "pin": "0000"}).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and 429 in codes
    r = hub.post("/api/login", {"user": "manager", "pin": "2222"})
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_the_same_idempotency_key_acts_once(hub):
    hub.issue("m03")
    hub.issue("m03")
    clerk = hub.login("clerk1", "1111", window="w1")
    headers = {"Idempotency-Key": "press-1"}
    first = hub.post("/api/windows/w1/call-next", token=clerk, headers=headers).json()
    hub.post("/api/windows/w1/no-show", token=clerk)
    replay = hub.post("/api/windows/w1/call-next", token=clerk, headers=headers)
    assert replay.json() == first and replay.headers.get("Idempotent-Replay") == "true"
    assert hub.get("/api/queues").json()[0]["waiting"] == 1


BAD_BODIES = [b"", b"{", b"[]", b"null", b'"text"', b"123", '{"matter": "社保"}'.encode(),
              b'{"matter": 5}', b'{"matter": null}', b'{"matter": ["m03"]}', b'{"score": "5"}',
              b'{"score": 99, "token": 1}', b'{"queues": "A"}', b'{"queues": [1, 2]}', b'{"profile": []}',
              b'{"outcome": "maybe"}', b'{"user": 1, "pin": 2}', b'{"window": {"x": 1}}',
              b'{"action": "explode", "note": 7}', b"\xff\xfe\x00", b'{"matter": "' + b"x" * 5000 + b'"}']
ROUTES = ["/api/tickets", "/api/tickets/1/cancel", "/api/tickets/1/rating", "/api/tickets/abc/rating",
          "/api/login", "/api/logout", "/api/windows/w1/call-next", "/api/windows/w1/finish",
          "/api/windows/w1/transfer", "/api/windows/w14/open", "/api/windows/w1/profile",
          "/api/windows/w1/rating", "/api/windows/nope/recall", "/api/followups/1", "/api/devices/bar-1/status",
          "/api/calls/1/ack", "/api/notice", "/api/windows/w1/explode"]


@pytest.mark.parametrize("route", ROUTES)
def test_malformed_bodies_to_every_route_get_a_clear_error_never_a_500(hub, route):
    hub.issue("m03")
    manager = hub.login("manager", "2222")
    for token in (None, manager):
        for raw in BAD_BODIES:
            r = hub.request("POST", route, token=token, data=raw, headers={"Content-Type": "application/json"})
            assert r.status_code in (200, 201, 400, 401, 403, 404, 409, 413, 422), (route, raw, r.text)
            if r.status_code >= 400:
                error = r.json()["error"]
                assert error["code"] and error["message"], (route, raw)


def test_a_huge_body_gets_413_and_unknown_ids_get_404(hub):
    r = hub.request("POST", "/api/tickets", data=b"{" + b" " * 200_000 + b"}",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    for path in ("/api/tickets/0", "/api/tickets/-1", "/api/tickets/99999999999999999999999", "/api/matters/x",
                 "/api/windows/w99", "/api/t/short", "/api/t/" + "a" * 24, "/api/nothing"):
        r = hub.get(path)
        assert r.status_code == 404 and r.json()["error"]["message"], path
    assert hub.get("/api/tickets?number=").status_code == 400
    assert hub.get("/api/events?after=abc", token=hub.login("manager", "2222")).status_code == 400
