"""The /county page in real Chromium against the county server process: halls
side by side, live within 5 s of a batch, the share under 90 % in red, a
silent hall flagged, the drill-down, 统一督办 and a user limited to one hall."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from browser import browser, page  # noqa: F401 - fixtures
from countyproc import CountyProcess, hallq
from hub.county.synth import as_batch_events, facts, hall_day


@pytest.fixture
def county_site(county_dsn):
    keys = {}
    for hall_id, name in (("qinghe", "清河镇"), ("xiaozhuang", "小庄镇"), ("nanma", "南麻街道")):
        keys[hall_id] = hallq("county", "add-hall", hall_id, "--name", name, dsn=county_dsn).stdout.split()[-1]
    assert hallq("county", "user", "add", "boss", "--role", "county-manager", stdin="2468\n",
                 dsn=county_dsn).returncode == 0
    assert hallq("county", "user", "add", "qh", "--role", "county-manager", "--hall", "qinghe", stdin="1357\n",
                 dsn=county_dsn).returncode == 0
    server = CountyProcess(county_dsn).start()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    days = {"qinghe": hall_day(today, 50, seed=3),
            "xiaozhuang": hall_day(today, 40, seed=4, window_kinds=("professional",))}
    for hall_id, rows in days.items():
        events = as_batch_events(rows)
        events.append({"event_id": len(events) + 1, "at": rows[-1][1], "type": "catalog.applied",
                       "data": {"version": 2, "day": today}})
        late = (datetime.fromisoformat(today) - timedelta(days=2)).date().isoformat()
        events.append({"event_id": len(events) + 1, "at": rows[-1][1], "type": "case.accepted", "data": {
            "case": {"id": 500, "number": f"{hall_id}-500", "matter": "m30", "matter_name": "宅基地审批",
                     "department": "自然资源", "state": "accepted", "deadline": late}}})
        r = requests.post(server.url + "/api/uplink/events", json={"hall": hall_id, "events": events,
                                                                     "facts": facts()},
                          headers={"Authorization": f"Bearer {keys[hall_id]}"}, timeout=10)
        assert r.ok, r.text
    yield server, keys, days, today
    server.stop()


def login(page, server, user, pin):
    page.goto(server.url + "/county")
    page.fill("#login [name=user]", user)
    page.fill("#login [name=pin]", pin)
    page.click("#login button[type=submit]")
    page.wait_for_selector(".hall")


def card(page, hall_id):
    return page.locator(f'.hall[data-hall="{hall_id}"]')


def test_the_county_page_shows_every_hall_live(page, county_site):
    server, keys, days, today = county_site
    login(page, server, "boss", "2468")
    assert page.locator(".hall").count() == 3
    assert card(page, "qinghe").locator(".tickets").inner_text() == "50"
    assert card(page, "qinghe").locator(".catalog").inner_text() == "第 2 版"
    assert "red" in card(page, "xiaozhuang").locator(".share").get_attribute("class")
    assert "低于 90%" in card(page, "xiaozhuang").locator(".share").inner_text()
    assert "超过 1 小时未上报" in card(page, "nanma").inner_text()
    assert card(page, "qinghe").locator(".silent-flag").count() == 0
    # a batch arrives: the page shows it within 5 s
    last = days["qinghe"][-1]
    issued = {"ticket": {"id": 999, "number": "A999", "queue": "A", "status": "waiting", "window": None,
                         "issued_at": datetime.fromtimestamp(last[1], ZoneInfo("Asia/Shanghai")).isoformat(
                             timespec="seconds")}}
    before = int(card(page, "qinghe").locator(".waiting").inner_text())
    r = requests.post(server.url + "/api/uplink/events", headers={"Authorization": f"Bearer {keys['qinghe']}"},
                      json={"hall": "qinghe", "events": [{"event_id": len(days["qinghe"]) + 3, "at": last[1] + 1,
                                                           "type": "ticket.issued", "data": issued}]}, timeout=5)
    assert r.ok
    page.wait_for_function("document.querySelector('.hall[data-hall=qinghe] .tickets').textContent === '51'",
                           timeout=5000)
    assert int(card(page, "qinghe").locator(".waiting").inner_text()) == before + 1
    # drill-down
    card(page, "qinghe").click()
    page.wait_for_selector("#by-hour tr >> nth=3")
    assert "清河镇" in page.inner_text("#detail-title")
    assert page.locator("#by-queue tr").count() >= 3
    assert page.locator("#by-window td", has_text=re.compile(r"^w1$")).count() == 1
    # 统一督办: overdue cases of every town, with days late
    rows = page.locator("#overdue-cases tr.case")
    assert rows.count() >= 1
    assert {"清河镇", "小庄镇"} >= {rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())}
    assert rows.filter(has_text="qinghe-500").locator("td").last.inner_text() == "2"
    assert not page.errors


def test_a_user_limited_to_a_hall_sees_only_that_hall(page, county_site):
    server, keys, days, today = county_site
    login(page, server, "qh", "1357")
    assert [page.locator(".hall").nth(i).get_attribute("data-hall") for i in range(page.locator(".hall").count())] \
        == ["qinghe"]
    halls = {r.locator("td").first.inner_text() for r in page.locator("#overdue-cases tr.case").all()}
    assert halls <= {"清河镇"}


def test_a_wrong_pin_says_so(page, county_site):
    server, *_ = county_site
    page.goto(server.url + "/county")
    page.fill("#login [name=user]", "boss")
    page.fill("#login [name=pin]", "0000")
    page.click("#login button[type=submit]")
    page.wait_for_function("document.getElementById('login-error').textContent.length > 0")
    assert "错误" in page.inner_text("#login-error")
