"""Bad input gets a named refusal in the request's language, never a 500:
the regressions of issue 15 (deep JSON, integers beyond 64 bits, a URL over
the limit) and errors in one language throughout."""
from __future__ import annotations

import re
import socket

import pytest

HUGE = str(2**64 + 7)  # beyond SQLite's 64-bit integers
EN = {"Accept-Language": "en"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]


def test_a_body_nested_5000_levels_deep_is_a_400_not_a_500(hub):
    deep = b'{"matter": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = hub.request("POST", "/api/tickets", data=deep, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_of(r)["code"] == "json_too_deep"
    r = hub.request("POST", "/api/tickets", data=deep, headers={"Content-Type": "application/json", **EN})
    assert r.status_code == 400 and error_of(r)["message"] == "The request body is nested too deeply"
    assert hub.post("/api/tickets", {"matter": "m03"}).status_code == 201  # the hub is fine after it


def test_integers_beyond_64_bits_in_a_query_or_a_path_are_refused_by_name(hub):
    manager = hub.login("manager", "2222")
    r = hub.get(f"/api/events?after={HUGE}", token=manager)
    assert r.status_code == 400 and error_of(r)["code"] == "bad_field" and "after" in error_of(r)["message"]
    r = hub.post(f"/api/followups/{HUGE}", {"action": "close", "note": "x"}, token=manager)
    assert r.status_code == 404 and error_of(r)["code"] == "unknown_ticket"
    for path in (f"/api/tickets/{HUGE}", "/api/tickets/-1", "/api/tickets/abc", f"/api/calls/{HUGE}/acks"):
        r = hub.get(path, token=manager)
        assert r.status_code == 404, (path, r.text)
        assert error_of(r)["code"] in ("unknown_ticket", "unknown_event")


def raw_request(hub, request_line, headers=()):
    with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as sock:
        sock.sendall(request_line + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"Host: x\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body.decode("utf-8")


def test_a_url_over_the_limit_is_a_414_with_the_error_shape_in_the_requests_language(hub):
    line = b"GET /api/matters?q=" + b"x" * 20000 + b" HTTP/1.1"
    head, body = raw_request(hub, line)
    assert head.startswith("HTTP/1.1 414") and "application/json" in head
    import json
    error = json.loads(body)["error"]
    assert error["code"] == "uri_too_long" and "请求地址过长" in error["message"]
    head, body = raw_request(hub, line, [b"Accept-Language: en-GB,en;q=0.8"])
    assert json.loads(body)["error"]["message"].startswith("The request line is too long")


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/tickets", {"matter": ["m03"]}),
    ("POST", "/api/tickets", {"matter": "m03", "priority": "vip"}),
    ("POST", "/api/tickets", {}),
    ("POST", "/api/tickets", {"matter": "nope"}),
    ("POST", "/api/tickets", "[1]"),
    ("POST", "/api/tickets/1/rating", {"score": "5", "token": "x"}),
    ("POST", "/api/login", {"user": "manager"}),
    ("POST", "/api/login", {"user": "manager", "pin": 2222}),
    ("GET", "/api/tickets?number=", None),
    ("GET", "/api/tickets/abc", None),
    ("GET", "/api/matters/" + "x" * 80, None),
    ("POST", "/api/windows/w1/finish", {"outcome": "maybe"}),
    ("POST", "/api/windows/w99/call-next", {}),
])
def test_errors_in_english_carry_no_chinese_and_in_chinese_name_the_field(hub, method, path, body):
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    english = error_of(hub.request(method, path, headers=dict(EN), **kwargs))
    assert not HAN.search(english["message"]), english
    chinese = error_of(hub.request(method, path, **kwargs))
    assert HAN.search(chinese["message"]) and chinese["code"] == english["code"]
