"""Cases through the real hub: a ticket accepted at a comprehensive window
becomes a case, the back office moves it on, the citizen picks the result up
at the output window; every step is an event on Socket.IO. Plus department
isolation, supervision alerts that fire once each, exports and reports."""
from __future__ import annotations

import io
import re
import threading
import time

import pytest
import socketio

from hubproc import DEFAULT_TIME

DAY = 86400
CASE_NUMBER = re.compile(r"^20261126-\d{4}$")


class Listener:
    """A Socket.IO client (staff token) recording every event."""

    def __init__(self, url, token):
        self.events = []
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._add)
        self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _add(self, name, data):
        with self.cond:
            self.events.append((name, data))
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=5):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [data for name, data in self.events if predicate(name, data)]
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"event not seen; got {[n for n, _ in self.events]}")
                self.cond.wait(left)

    def case_action(self, action, timeout=5):
        return self.wait_for(lambda n, d: n == "case.changed" and d.get("action") == action, timeout)

    def close(self):
        self.client.disconnect()


def accept(hub, matter="m02", window="w1", clerk="clerk1"):
    """A citizen takes a ticket; the clerk calls it and accepts it for the back office."""
    ticket = hub.issue(matter)
    token = hub.login(clerk, "1111", window=window)
    called = hub.post(f"/api/windows/{window}/call-next", token=token).json()["ticket"]
    assert called["id"] == ticket["id"]
    r = hub.post(f"/api/windows/{window}/finish", {"outcome": "accepted"}, token=token)
    assert r.status_code == 200, r.text
    cases = hub.get(f"/api/cases?ticket={ticket['id']}", token=token).json()
    assert len(cases) == 1
    return ticket, cases[0], token


def act(hub, case_id, action, token, body=None, status=200):
    r = hub.post(f"/api/cases/{case_id}/{action}", body or {}, token=token)
    assert r.status_code == status, r.text
    return r.json()


def test_full_path_from_front_window_to_output_window_with_every_event_live(hub):
    manager = hub.login("manager", "2222")
    live = Listener(hub.url, manager)
    try:
        ticket, case, clerk = accept(hub)
        accepted = live.wait_for(lambda n, d: n == "case.accepted")
        assert accepted["case"]["number"] == case["number"] and accepted["ticket"]["id"] == ticket["id"]
        assert "pickup_code" not in str(accepted)
        assert CASE_NUMBER.match(case["number"])
        assert (case["state"], case["department"], case["promised_days"], case["clerk"]) == ("accepted", "人社", 5, "clerk1")
        assert case["deadline"] == "2026-12-03"  # Thu 11-26 + 5 working days
        assert case["materials"] == ["居民身份证", "户口簿", "银行卡或社会保障卡", "待遇申领表"]

        receipt = hub.get(f"/api/cases/{case['id']}/receipt", token=clerk).json()
        assert re.fullmatch(r"\d{6}", receipt["pickup_code"]) and receipt["deadline"] == "2026-12-03"
        assert receipt["case_url"].endswith("/case/" + ticket["token"])
        escpos = hub.get(f"/api/cases/{case['id']}/receipt?format=escpos", token=clerk)
        assert escpos.status_code == 200 and "受理回执".encode("gb18030") in escpos.content

        backoffice = hub.login("backoffice-renshe", "4444")
        assert [c["id"] for c in hub.get("/api/cases?state=open", token=backoffice).json()] == [case["id"]]
        assert act(hub, case["id"], "review", backoffice)["state"] == "in_review"
        live.case_action("review")

        hub.advance(DAY)  # Fri 11-27: returned for correction, the clock stops
        backoffice = hub.login("backoffice-renshe", "4444")  # sessions last a working day
        returned = act(hub, case["id"], "return", backoffice, {"missing": ["户口簿"], "note": "户口簿页缺失"})
        assert returned["state"] == "returned" and returned["missing"] == ["户口簿"] and returned["days_left"] == 4
        assert live.case_action("return")["case"]["state"] == "returned"
        page = hub.get(f"/api/t/{ticket['token']}").json()["case"]
        assert page["state"] == "returned" and page["missing"] == ["户口簿"] and page["clock_stopped"]

        hub.advance(4 * DAY)  # Tue 12-01: the materials are in; Mon and Tue were stopped
        backoffice = hub.login("backoffice-renshe", "4444")
        resumed = act(hub, case["id"], "resume", backoffice)
        assert (resumed["deadline"], resumed["paused_days"], resumed["days_left"]) == ("2026-12-07", 2, 4)
        live.case_action("resume")
        assert act(hub, case["id"], "approve", backoffice)["state"] == "approved"
        live.case_action("approve")
        assert act(hub, case["id"], "ready", backoffice)["state"] == "ready"
        live.case_action("ready")
        page = hub.get(f"/api/t/{ticket['token']}").json()["case"]
        assert "请到统一出件窗口取件" in page["message"] and page["pickup_code"] == receipt["pickup_code"]

        r = hub.post("/api/tickets", {"pickup": receipt["pickup_code"]})
        assert r.status_code == 201, r.text
        pickup = r.json()
        assert pickup["queue"] == "F" and pickup["case"]["number"] == case["number"]
        issued = live.wait_for(lambda n, d: n == "ticket.issued" and d["ticket"]["id"] == pickup["id"])
        assert issued["ticket"]["number"] == pickup["number"]
        live.case_action("pickup")
        again = hub.post("/api/tickets", {"pickup": receipt["pickup_code"]}).json()
        assert again["id"] == pickup["id"]  # pressed twice: the same ticket

        output = hub.login("clerk2", "1111", window="w10")
        called = hub.post("/api/windows/w10/call-next", token=output).json()["ticket"]
        assert called["id"] == pickup["id"]
        live.wait_for(lambda n, d: n == "ticket.called" and d["ticket"]["id"] == pickup["id"])
        seen = hub.get(f"/api/cases?ticket={pickup['id']}", token=output).json()
        assert [c["number"] for c in seen] == [case["number"]]
        delivered = act(hub, case["id"], "deliver", output)
        assert delivered["state"] == "delivered"
        assert live.case_action("deliver")["by"] == "clerk2"
        assert [h["action"] for h in delivered["history"]] == [
            "accept", "review", "return", "resume", "approve", "ready", "pickup", "deliver"]
        audit = [a["action"] for a in hub.get("/api/audit", token=hub.login("manager", "2222")).json()]
        for action in ("case.accept", "case.review", "case.return", "case.resume", "case.approve", "case.ready",
                       "case.deliver"):
            assert action in audit
        assert hub.post("/api/tickets", {"pickup": receipt["pickup_code"]}).status_code == 409
    finally:
        live.close()


def test_an_instant_matter_done_on_the_spot_makes_no_case(hub):
    ticket = hub.issue("m03")
    clerk = hub.login("clerk1", "1111", window="w1")
    hub.post("/api/windows/w1/call-next", token=clerk)
    hub.post("/api/windows/w1/finish", {"outcome": "done"}, token=clerk)
    assert hub.get("/api/cases", token=hub.login("manager", "2222")).json() == []
    assert hub.get(f"/api/t/{ticket['token']}").json()["case"] is None


def test_finishing_the_pickup_ticket_at_the_output_window_hands_the_case_over(hub):
    ticket, case, _ = accept(hub)
    manager = hub.login("manager", "2222")
    for action in ("review", "approve", "ready"):
        act(hub, case["id"], action, manager)
    # the receipt's QR, read by the kiosk's scanner as keyboard input, works as well as the code
    pickup = hub.post("/api/tickets", {"pickup": ticket["token"]})
    assert pickup.status_code == 201, pickup.text
    output = hub.login("clerk2", "1111", window="w10")
    hub.post("/api/windows/w10/call-next", token=output)
    hub.post("/api/windows/w10/finish", {"outcome": "done"}, token=output)
    assert hub.get(f"/api/cases/{case['id']}", token=manager).json()["state"] == "delivered"


def test_a_department_sees_and_moves_only_its_own_cases(hub):
    _, case, clerk = accept(hub)  # a 人社 case
    minzheng = hub.login("backoffice-minzheng", "4444")
    renshe = hub.login("backoffice-renshe", "4444")
    assert hub.get("/api/cases", token=minzheng).json() == []
    assert hub.get(f"/api/cases/{case['id']}", token=minzheng).status_code == 404
    r = hub.post(f"/api/cases/{case['id']}/review", token=minzheng)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_case"
    assert hub.get(f"/api/cases/{case['id']}", token=renshe).json()["number"] == case["number"]
    assert hub.get(f"/api/cases/{case['id']}").status_code == 401
    other_clerk = hub.login("clerk3", "1111", window="w3")
    assert hub.get(f"/api/cases/{case['id']}", token=other_clerk).status_code == 404
    assert hub.get(f"/api/cases/{case['id']}/receipt", token=renshe).status_code == 404
    assert hub.post(f"/api/cases/{case['id']}/review", token=clerk).status_code == 403
    act(hub, case["id"], "review", renshe)
    act(hub, case["id"], "approve", renshe)
    act(hub, case["id"], "ready", renshe)
    r = hub.post(f"/api/cases/{case['id']}/deliver", token=renshe)
    assert r.status_code == 403 and "统一出件窗口" in r.json()["error"]["message"]
    assert hub.get("/api/cases/supervision", token=renshe).status_code == 403


def test_refusals_name_what_is_wrong(hub):
    _, case, _ = accept(hub)
    renshe = hub.login("backoffice-renshe", "4444")
    r = hub.post(f"/api/cases/{case['id']}/approve", token=renshe)
    assert r.status_code == 409 and "已受理待审" in r.json()["error"]["message"]
    act(hub, case["id"], "review", renshe)
    r = hub.post(f"/api/cases/{case['id']}/return", {"missing": []}, token=renshe)
    assert r.status_code == 422 and "缺少的材料" in r.json()["error"]["message"]
    r = hub.post(f"/api/cases/{case['id']}/reject", {}, token=renshe)
    assert r.status_code == 422 and "原因" in r.json()["error"]["message"]
    assert hub.post(f"/api/cases/{case['id']}/explode", token=renshe).status_code == 404
    assert hub.get("/api/cases?due_before=tomorrow", token=renshe).status_code == 400
    r = hub.post("/api/tickets", {"pickup": "123456"})
    assert r.status_code == 404 and "取件码" in r.json()["error"]["message"]
    english = hub.post("/api/tickets", {"pickup": "000000"}, headers={"Accept-Language": "en"})
    assert "pickup code" in english.json()["error"]["message"]
    code = hub.get(f"/api/cases/{case['id']}/receipt", token=hub.login("manager", "2222")).json()["pickup_code"]
    r = hub.post("/api/tickets", {"pickup": code})
    assert r.status_code == 409 and "审查中" in r.json()["error"]["message"]
    for _ in range(8):  # ten wrong codes from one address in ten minutes
        hub.post("/api/tickets", {"pickup": "999999"})
    r = hub.post("/api/tickets", {"pickup": code})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_supervision_alerts_fire_once_each_at_the_right_time(hub):
    manager = hub.login("manager", "2222")
    live = Listener(hub.url, manager)
    try:
        _, case, _ = accept(hub)  # deadline Thu 12-03

        def check(days):
            hub.set_time(DEFAULT_TIME + days * DAY)
            r = hub.post("/api/cases/check-alerts", token=hub.login("manager", "2222"))
            assert r.status_code == 200, r.text
            return [f["point"] for f in r.json()["fired"]]

        assert check(0) == [] and check(5) == []  # Thu 11-26, Tue 12-01
        assert check(6) == ["d1"]  # Wed 12-02: one working day left
        assert check(6) == []
        manager = hub.login("manager", "2222")
        sup = hub.get("/api/cases/supervision", token=manager).json()
        assert sup["totals"]["due_soon"] == 1 and sup["departments"][0]["department"] == "人社"
        assert check(7) == ["d0"]  # Thu 12-03: due today
        assert check(8) == ["overdue"]  # Fri 12-04
        assert check(8) == [] and check(11) == []  # Mon 12-07: still overdue, said once
        alerts = [d for n, d in live.events if n == "alert" and d["kind"].startswith("case_")]
        deadline = time.monotonic() + 5
        while len(alerts) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
            alerts = [d for n, d in live.events if n == "alert" and d["kind"].startswith("case_")]
        assert [a["point"] for a in alerts] == ["d1", "d0", "overdue"]
        assert "超期" in alerts[-1]["message"] and case["number"] in alerts[-1]["message"]

        manager = hub.login("manager", "2222")
        sup = hub.get("/api/cases/supervision", token=manager).json()
        assert sup["totals"]["overdue"] == 1
        assert sup["departments"][0]["overdue_cases"][0]["days_left"] == -2
        csv = hub.get("/api/cases/overdue?department=人社&format=csv", token=manager)
        assert csv.content.startswith("\ufeff".encode()) and case["number"] in csv.content.decode("utf-8-sig")
        xlsx = hub.get("/api/cases/overdue?format=xlsx", token=manager)
        from openpyxl import load_workbook
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet.cell(3, 1).value == case["number"] and sheet.cell(3, 9).value == 2
    finally:
        live.close()


def test_case_report_counts_on_time_and_overdue_per_department_and_matter(hub):
    _, first, _ = accept(hub)
    _, second, _ = accept(hub, matter="m02")
    manager = hub.login("manager", "2222")
    for action in ("review", "approve"):
        act(hub, first["id"], action, manager)
    hub.advance(10 * DAY)  # the second one is now overdue
    manager = hub.login("manager", "2222")
    report = hub.get("/api/reports/cases?from=2026-11-01&to=2026-11-30", token=manager).json()
    assert report["totals"]["accepted"] == 2 and report["totals"]["on_time_rate"] == 1.0
    assert report["totals"]["overdue"] == 1 and report["totals"]["avg_working_days"] == 0.0
    assert report["departments"][0]["department"] == "人社"
    assert report["matters"][0]["matter"] == "m02" and report["matters"][0]["accepted"] == 2
    csv = hub.get("/api/reports/cases?from=2026-11-01&to=2026-11-30&format=csv", token=manager)
    assert "按时办结率" in csv.content.decode("utf-8-sig")
    assert csv.content.decode("utf-8-sig").startswith("维度,编号,名称,")  # the header row first
    xlsx = hub.get("/api/reports/cases?from=2026-11-01&to=2026-11-30&format=xlsx", token=manager)
    from openpyxl import load_workbook
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["汇总", "部门", "事项"]
    assert hub.get("/api/reports/cases?from=2026-12-01&to=2026-11-01", token=manager).status_code == 400
    assert hub.get("/api/reports/cases", token=hub.login("backoffice-renshe", "4444")).status_code == 403


@pytest.mark.parametrize("window, clerk", [("w14", "clerk5")])
def test_a_tidal_window_accepts_cases_too(hub, window, clerk):
    manager = hub.login("manager", "2222")
    assert hub.post(f"/api/windows/{window}/open", {"queues": ["A"]}, token=manager).status_code == 200
    _, case, _ = accept(hub, window=window, clerk=clerk)
    assert case["window"] == window and case["state"] == "accepted"
