"""Abuse limits through the real hub: one phone on the hall Wi-Fi cannot
empty the number range, the printer or the booking book; kiosks with their
device key and staff are not held back; failed logins lock out per user and
per address, in the audit log; X-Forwarded-For counts only from a trusted
proxy. Every refusal is a 429 with Retry-After and the error shape."""
from __future__ import annotations

import re

import pytest

from browser import browser, page  # noqa: F401  (pytest fixtures)

from hub.hallfile.model import demo_hall_path

KIOSK_KEY = "demo-kiosk-1-key-0000"


def hall_with(tmp_path, **limits):
    text = demo_hall_path().read_text(encoding="utf-8")
    for key, value in limits.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
        assert n == 1, key
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(r, code):
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == code
    assert int(r.headers["Retry-After"]) >= 1
    return r


def test_a_phone_holds_a_few_waiting_tickets_not_hundreds(hub):
    held = [hub.post("/api/tickets", {"matter": "m03"}) for _ in range(3)]
    assert [r.status_code for r in held] == [201, 201, 201]
    r = refused(hub.post("/api/tickets", {"matter": "m03"}), "too_many_waiting")
    assert "3" in r.json()["error"]["message"] and "等候" in r.json()["error"]["message"]
    english = hub.post("/api/tickets", {"matter": "m03"}, headers={"Accept-Language": "en"}).json()["error"]
    assert english["message"].startswith("This device already holds 3 waiting tickets")
    first = held[0].json()
    assert hub.post(f"/api/tickets/{first['id']}/cancel", {"token": first["token"]}).status_code == 200
    assert hub.post("/api/tickets", {"matter": "m03"}).status_code == 201  # one freed, one more
    # the kiosk with its key and the guide desk are not counted as that phone
    kiosk = hub.post("/api/tickets", {"matter": "m03"}, headers={"X-Device-Key": KIOSK_KEY})
    assert kiosk.status_code == 201
    guide = hub.login("guide", "5555")
    assert hub.post("/api/tickets", {"matter": "m03"}, token=guide).status_code == 201


def test_tickets_per_day_and_slips_per_hour_per_address(hub_factory, tmp_path):
    config = hall_with(tmp_path, tickets_per_day=4, waiting_per_client=100, slips_per_hour=2)
    hub = hub_factory(config=config).start()
    assert hub.post("/api/tickets", {"matter": "nope"}).status_code == 404  # a mistake costs nothing
    assert [hub.post("/api/tickets", {"matter": "m03"}).status_code for _ in range(4)] == [201] * 4
    r = refused(hub.post("/api/tickets", {"matter": "m03"}), "too_many_tickets")
    assert 86000 < int(r.headers["Retry-After"]) <= 86401
    assert hub.post("/api/tickets", {"matter": "m03"}, headers={"X-Device-Key": KIOSK_KEY}).status_code == 201
    slips = [hub.post("/api/kiosk/print-materials", {"matter": "m03"}).status_code for _ in range(3)]
    assert slips[:2] == [200, 200] and slips[2] == 429
    refused(hub.post("/api/kiosk/print-materials", {"matter": "m03"}), "too_many_slips")
    assert hub.post("/api/kiosk/print-materials", {"matter": "m03"},
                    headers={"X-Device-Key": KIOSK_KEY}).status_code == 200


def test_a_kiosk_meets_only_its_generous_rate_and_a_wrong_key_is_anonymous(hub_factory, tmp_path):
    hub = hub_factory(config=hall_with(tmp_path, device_per_minute=5)).start()
    kiosk = {"X-Device-Key": KIOSK_KEY}
    assert hub.get("/api/me", headers=kiosk).json()["device"] == "kiosk-1"
    statuses = [hub.get("/api/queues", headers=kiosk).status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]  # /api/me counted too
    refused(hub.get("/api/queues", headers=kiosk), "device_rate")
    other = {"X-Device-Key": "demo-kiosk-2-key-0000"}
    assert hub.get("/api/queues", headers=other).status_code == 200  # each kiosk its own rate
    assert hub.get("/api/me", headers={"X-Device-Key": "not-a-key-at-all-xx"}).status_code == 401


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(hub_factory, tmp_path):
    untrusted = hub_factory(name="plain", config=hall_with(tmp_path, waiting_per_client=1)).start()
    assert untrusted.post("/api/tickets", {"matter": "m03"}, headers={"X-Forwarded-For": "10.0.0.1"}).ok
    refused(untrusted.post("/api/tickets", {"matter": "m03"}, headers={"X-Forwarded-For": "10.0.0.2"}),
            "too_many_waiting")  # a forged header does not make a new phone

    (tmp_path / "p").mkdir()
    proxied = hub_factory(name="proxied", config=hall_with(tmp_path / "p", waiting_per_client=1,
                                                           trusted_proxies='["127.0.0.1"]')).start()
    via = {"X-Forwarded-For": "10.0.0.1"}
    assert proxied.post("/api/tickets", {"matter": "m03"}, headers=via).ok
    refused(proxied.post("/api/tickets", {"matter": "m03"}, headers=via), "too_many_waiting")
    # a phone that forges a hop in front of the proxy's own entry is still 10.0.0.1
    refused(proxied.post("/api/tickets", {"matter": "m03"}, headers={"X-Forwarded-For": "1.2.3.4, 10.0.0.1"}),
            "too_many_waiting")
    assert proxied.post("/api/tickets", {"matter": "m03"}, headers={"X-Forwarded-For": "10.0.0.2"}).ok
    proxied.post("/api/login", {"user": "manager", "pin": "2222"}, headers={"X-Forwarded-For": "10.0.0.9"})
    manager = proxied.login("manager", "2222")
    audit = proxied.get("/api/audit", token=manager).json()
    rows = audit if isinstance(audit, list) else audit["rows"]
    assert any(a["action"] == "login" and a["ip"] == "10.0.0.9" for a in rows)


def test_logins_lock_out_per_user_across_addresses_and_per_address_across_users(hub_factory, tmp_path):
    config = hall_with(tmp_path, login_failures_per_user=3, login_failures_per_client=4,
                       trusted_proxies='["127.0.0.1"]')
    hub = hub_factory(config=config).start()

    def attempt(user, pin, address, **kw):
        body = {"user": user, "pin": pin}
        if user.startswith("clerk"):
            body["window"] = "w1"
        return hub.post("/api/login", body, headers={"X-Forwarded-For": address, **kw})

    # one PIN guessed for the manager from three phones: the fourth try is refused, the right PIN too
    assert [attempt("manager", "0000", f"10.0.1.{n}").status_code for n in range(3)] == [401] * 3
    locked = refused(attempt("manager", "2222", "10.0.1.99"), "login_locked")
    assert "锁定" in locked.json()["error"]["message"] and int(locked.headers["Retry-After"]) <= 15 * 60 + 1
    assert attempt("manager", "2222", "10.0.1.99", **{"Accept-Language": "en"}).json()["error"]["message"] \
        .startswith("Too many failed logins")
    # one phone trying one PIN against every user: locked after four, whoever it tries next
    assert [attempt(u, "9999", "10.0.2.1").status_code for u in ("clerk1", "clerk2", "clerk3", "guide")] == [401] * 4
    refused(attempt("admin", "3333", "10.0.2.1"), "login_locked")
    assert attempt("admin", "3333", "10.0.2.2").status_code == 200  # another address is not locked
    admin = hub.login("admin", "3333")
    audit = hub.get("/api/audit", token=admin).json()
    rows = audit if isinstance(audit, list) else audit["rows"]
    locks = {(a["target"], a["ip"]) for a in rows if a["action"] == "login.locked"}
    assert locks == {("manager", "10.0.1.2"), ("ip:10.0.2.1", "10.0.2.1")}


def test_a_kiosk_page_is_set_up_once_with_its_key_and_then_counts_as_the_kiosk(hub, page):
    from playwright.sync_api import expect
    page.goto(hub.url + "/kiosk?key=" + KIOSK_KEY)
    expect(page.locator("#common [data-matter=m03]")).to_be_visible()
    assert "key=" not in page.url  # out of the address bar (and of the browser history's last entry)
    assert page.evaluate("localStorage.getItem('hallq.deviceKey')") == KIOSK_KEY
    page.goto(hub.url + "/kiosk")  # later starts need no key in the address
    me = page.evaluate("HQ.request('GET', '/api/me').then((r) => r.data)")
    assert me["device"] == "kiosk-1"
    statuses = page.evaluate("""Promise.all([1, 2, 3, 4, 5].map(() =>
        HQ.request('POST', '/api/tickets', {matter: 'm03'}).then((r) => r.status)))""")
    assert statuses == [201] * 5  # a phone would have met its cap of 3 waiting tickets
    manager = hub.login("manager", "2222")
    kiosks = {d["id"]: d for d in hub.get("/api/devices", token=manager).json() if d["kind"] == "kiosk"}
    assert set(kiosks) == {"kiosk-1", "kiosk-2", "query-1"}
    assert kiosks["kiosk-1"]["setup_url"].endswith("/kiosk?key=" + KIOSK_KEY)
    clerk = hub.login("clerk1", "1111", window="w1")
    assert all("setup_url" not in d for d in hub.get("/api/devices", token=clerk).json())
