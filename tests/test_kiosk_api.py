"""The kiosk's own routes over real HTTP: search, printer state, the
一次性告知单, the guide desk's tickets, check-in, the QR code and the pages."""
from __future__ import annotations

import re

import pytest

from hub.hallfile.model import load_hall
from hubproc import KIOSK_KEY

HALL = load_hall(None)
PRINTER_KEY = HALL.device("printer-1").key


def error(reply):
    body = reply.json()
    assert set(body) == {"error"}, body
    return body["error"]["message"]


def test_search_finds_a_matter_by_pinyin_initials(module_hub):
    reply = module_hub.get("/api/kiosk/search", params={"q": "shbzk"})
    assert reply.status_code == 200
    hits = reply.json()["matters"]
    assert hits[0]["id"] == "m03" and hits[0]["name"] == "社会保障卡申领"
    assert module_hub.get("/api/kiosk/search", params={"q": ""}).json()["matters"] == []
    assert module_hub.get("/api/kiosk/search", params={"q": "%" * 500, "limit": "x"}).status_code == 200


def test_without_a_printer_the_kiosk_is_told_to_show_the_list_on_screen(module_hub):
    state = module_hub.get("/api/kiosk/printer").json()
    assert state["state"] == "none" and state["ok"] is False
    unknown = module_hub.get("/api/kiosk/printer", params={"printer": "bar-1"})
    assert unknown.status_code == 404 and "bar-1" in error(unknown)


def test_a_printer_fault_is_public_in_plain_words_and_clears(hub):
    hub.post("/api/devices/printer-1/status", {"online": True, "fault": None}, token=PRINTER_KEY)
    assert hub.get("/api/kiosk/printer").json()["state"] == "ok"
    hub.post("/api/devices/printer-1/status", {"online": True, "fault": "paper_out"}, token=PRINTER_KEY)
    state = hub.get("/api/kiosk/printer").json()
    assert state["state"] == "fault" and state["fault"] == "paper_out"
    assert state["message"] == "打印机暂时故障, 请拍照保存二维码" and state["detail"] == "打印机缺纸"
    hub.post("/api/devices/printer-1/status", {"online": True, "fault": "paper_near_end"}, token=PRINTER_KEY)
    assert hub.get("/api/kiosk/printer").json()["ok"] is True  # a warning, printing goes on


def test_printing_the_materials_list_asks_the_printer_when_it_is_well(hub):
    shown = hub.post("/api/kiosk/print-materials", {"matter": "m03", "situation": "proxy-replace"}).json()
    assert shown["printed"] is False and "授权委托书" in shown["materials"]
    assert shown["guide_url"].endswith("/query#matter=m03")
    hub.post("/api/devices/printer-1/status", {"online": True}, token=PRINTER_KEY)
    printed = hub.post("/api/kiosk/print-materials", {"matter": "m03", "situation": "self-first"}).json()
    assert printed["printed"] is True and printed["materials"] == ["居民身份证", "近期免冠照片"]
    events = hub.get("/api/events", params={"after": 0}, token=PRINTER_KEY).json()
    job = [e for e in events if e["type"] == "print.materials"][-1]
    assert job["printer"] == "printer-1" and job["slip"]["kind"] == "materials"
    assert job["slip"]["situation_name"] == "本人办理·首次申领"
    public = hub.get("/api/events", params={"after": 0}).status_code
    assert public == 401  # print jobs are not on the public stream


BAD_PRINT_REQUESTS = [
    ({}, 422, "缺少字段 matter"),
    ({"matter": 3}, 422, "matter"),
    ({"matter": "m99"}, 404, "未知的事项 m99"),
    ({"matter": "m03", "situation": "nope"}, 422, "没有情形 nope"),
    ({"matter": "m03", "printer": "board-1"}, 404, "board-1"),
]


def test_bad_print_requests_get_a_clear_chinese_error(module_hub):
    reply = module_hub.request("POST", "/api/kiosk/print-materials", data=b"{not json",
                        headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and "JSON" in error(reply)
    for payload, status, words in BAD_PRINT_REQUESTS:
        reply = module_hub.post("/api/kiosk/print-materials", payload)
        assert reply.status_code == status, payload
        assert words in error(reply)


def test_green_channel_from_the_guide_desk_needs_a_login_and_a_reason(hub):
    anonymous = hub.post("/api/kiosk/staff-ticket", {"matter": "m03", "priority": "green", "reason": "elderly"})
    assert anonymous.status_code == 401 and error(anonymous) == "请先登录"
    guide = hub.login("guide", "5555")
    no_reason = hub.post("/api/kiosk/staff-ticket", {"matter": "m03", "priority": "green"}, token=guide)
    assert no_reason.status_code == 422 and "绿色通道须选择原因" in error(no_reason)
    bad = hub.post("/api/kiosk/staff-ticket", {"matter": "m03", "priority": "normal"}, token=guide)
    assert bad.status_code == 422 and "green" in error(bad)
    english = hub.post("/api/kiosk/staff-ticket", {"matter": "m03", "priority": "green"}, token=guide,
                       headers={"Accept-Language": "en"})
    assert "needs a reason" in error(english)
    ticket = hub.post("/api/kiosk/staff-ticket", {"matter": "m03", "situation": "self-first", "priority": "green",
                                                  "reason": "elderly"}, token=guide)
    assert ticket.status_code == 201
    ticket = ticket.json()
    assert ticket["priority"] == "green" and ticket["status_url"].endswith(ticket["token"])
    audit = hub.get("/api/audit", token=hub.login("manager", "2222")).json()
    assert any(r["action"] == "kiosk.green" and r["target"] == ticket["number"] and "老年人" in r["detail"]
               for r in audit)


def test_a_green_ticket_is_called_before_older_normal_tickets(hub):
    older = hub.issue("m03")
    guide = hub.login("guide", "5555")
    green = hub.post("/api/kiosk/staff-ticket", {"matter": "m03", "priority": "green", "reason": "pregnant"},
                     token=guide).json()
    clerk = hub.login("clerk1", "1111", window="w1")
    called = hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]
    assert called["number"] == green["number"] != older["number"]


def test_a_help_ticket_goes_to_the_help_queue(module_hub):
    guide = module_hub.login("guide", "5555")
    ticket = module_hub.post("/api/kiosk/staff-ticket", {"matter": "m07", "priority": "help"}, token=guide).json()
    assert ticket["priority"] == "help" and ticket["queue"] == "J" and ticket["number"].startswith("J")
    assert ticket["serve_kinds"] == ["help"]


def test_the_guide_desk_checks_a_booking_in_once(hub):
    booked = hub.post("/api/appointments", {"matter": "m05", "start": "2026-11-26T10:30:00+08:00", "name": "李四",
                                            "phone": "13812345678"}, headers={"X-Device-Key": KIOSK_KEY}).json()
    guide = hub.login("guide", "5555")
    assert hub.post("/api/kiosk/checkin", {"code": booked["code"]}).status_code == 401
    for code in (None, "", "ab", "有中文的码", "1" * 17, 1234):
        reply = hub.post("/api/kiosk/checkin", {"code": code}, token=guide)
        assert reply.status_code == 422 and "预约码须为 8 位数字" == error(reply)
    hub.advance(90 * 60)  # 10:30, the slot's start
    spaced = booked["code"][:4] + " " + booked["code"][4:]  # as printed and as a scanner may type it
    ticket = hub.post("/api/kiosk/checkin", {"code": spaced}, token=guide)
    assert ticket.status_code == 201 and ticket.json()["priority"] == "appointment"
    assert ticket.json()["matter"] == "m05"
    again = hub.post("/api/kiosk/checkin", {"code": booked["code"]}, token=guide)
    assert again.status_code == 409 and "已签到" in error(again)


def test_the_qr_route_draws_an_svg_of_exactly_the_data(module_hub):
    import qrcode

    url = "http://hall.example/t/abcdefghijklmnopqrstuvwx"
    reply = module_hub.get("/kiosk/qr.svg", params={"data": url})
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("image/svg+xml")
    svg = reply.text
    modules = {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)}
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make()
    expected = {(c + 2, r + 2) for r, row in enumerate(code.get_matrix()[2:-2]) for c, dark in enumerate(row[2:-2])
                if dark}
    assert modules == expected
    for bad in ({}, {"data": ""}, {"data": "x" * 601}):
        refused = module_hub.get("/kiosk/qr.svg", params=bad)
        assert refused.status_code == 422 and "二维码内容" in error(refused)


def test_pages_are_served_and_a_wrong_token_gets_the_404_page(module_hub):
    for path, status in (("/kiosk", 200), ("/query", 200), ("/t/not-a-real-token-000000", 404), ("/t/<script>", 404)):
        page = module_hub.get(path)
        assert page.status_code == status and "text/html" in page.headers["Content-Type"]
        assert "<script>alert" not in page.text
    assert "没有这张号票" in page.text and "This ticket does not exist" in page.text
    reply = module_hub.get("/api/t/not-a-real-token-000000")
    assert reply.status_code == 404 and error(reply) == "号票凭证无效"


def test_the_kiosk_config_lists_the_green_reasons_and_the_hall(module_hub):
    config = module_hub.get("/api/kiosk/config").json()
    labels = [r["label"] for r in config["green_reasons"]]
    assert {"老年人", "残疾人", "孕妇"} <= set(labels) and any("军人" in x for x in labels)
    assert all(r["label_en"] for r in config["green_reasons"])
    assert config["hall"]["name"] == HALL.name and config["printer"]["state"] == "none"
