"""The manager console's 运维 tab in real Chromium against a real hub: the
health status and its problems, the day's closing time, the backup and the
recent days (today 进行中 until the hub closes the day, then 已结算, live
from the staff event `day.summary`)."""
from __future__ import annotations

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from hubproc import DEFAULT_TIME, wait_for
from test_caller_manager import log_in

TODAY = "2026-11-26"  # DEFAULT_TIME is 2026-11-26 09:00 in the hall's time zone


def test_the_ops_tab_shows_health_the_day_the_backup_and_todays_figures(hub, page):
    hub.issue("m03")
    hub.issue("m03")
    log_in(page, hub)
    page.click("#tabs button[data-view=ops]")
    expect(page.locator("#view-ops")).to_be_visible()

    health = hub.get("/api/ops", token=hub.login("manager", "2222")).json()["health"]
    assert health["status"] == "degraded"  # the demo hall's devices never reported
    expect(page.locator("#ops-status")).to_have_text("需要关注")
    expect(page.locator("#ops-problems li")).to_have_count(len(health["problems"]))
    expect(page.locator("#ops-problems")).to_contain_text("串口桥接程序（bridge）从未连接")
    expect(page.locator("#ops-count")).to_have_text(str(len(health["problems"])))
    expect(page.locator("#ops-checks")).to_contain_text("数据库")

    expect(page.locator("#ops-closing")).to_have_text("17:00")
    expect(page.locator("#ops-day")).to_contain_text("08:30–12:00、13:30–17:00")
    expect(page.locator("#ops-day")).to_contain_text("尚未闭厅")
    expect(page.locator("#ops-backup")).to_contain_text("最近 14 份")
    expect(page.locator("#ops-backup")).to_contain_text("尚未备份过")
    expect(page.locator("#ops-storage")).to_contain_text("400 天")
    expect(page.locator("#ops-platform-state")).to_have_text("已送达")  # the 好差评 outbox: nothing pending
    expect(page.locator("#ops-platform-pending")).to_have_text("0")

    row = page.locator(f"#ops-days tr[data-day='{TODAY}']")
    expect(row).to_contain_text("进行中")
    expect(row.locator("td").nth(1)).to_have_text("2")  # issued

    hub.set_time(DEFAULT_TIME + 8 * 3600 + 60)  # 17:01: the hub closes the day, the tab follows
    expect(row).to_contain_text("已结算 17:01", timeout=20000)
    expect(row.locator("td").nth(4)).to_have_text("2")  # both waiting tickets expired at closing
    expect(page.locator("#ops-day")).to_contain_text("已闭厅结算")
    expect(page.locator("#ops-day")).to_contain_text(TODAY)
    assert page.errors == []


def test_the_ops_tab_shows_the_county_uplink_and_warns_while_the_county_is_away(hub_factory, tmp_path, page):
    from countystub import StubCounty
    from test_county_uplink import KEY, county_hall
    from test_catalog_merge import demo_catalog
    county = StubCounty({"town-a": KEY}).start()
    bad = demo_catalog(version=2)
    bad["matters"][0]["mode"] = "sometimes"
    county.catalog = bad
    try:
        hub = hub_factory(config=county_hall(tmp_path, county.url)).start()
        assert wait_for(lambda: hub.get("/api/health").json()["checks"]["catalog"]["refused"] is not None)
        log_in(page, hub)
        page.click("#tabs button[data-view=ops]")
        expect(page.locator("#ops-county-state")).to_have_text("已同步")
        expect(page.locator("#ops-catalog-version")).to_have_text("本厅自己的事项")
        expect(page.locator("#ops-catalog-refused")).to_contain_text("v2 未通过检查")
        expect(page.locator("#ops-catalog-refused li").first).to_contain_text("sometimes")
        county.down()
        for _ in range(3):
            hub.issue("m03")
        assert wait_for(lambda: hub.get("/api/health").json()["county"]["state"] == "unreachable")
        page.evaluate("Ops.load()")
        expect(page.locator("#ops-county-state")).to_have_text("无法连接", timeout=15000)
        expect(page.locator("#ops-county-pending")).to_have_text("3")
        expect(page.locator("#ops-county")).to_contain_text("尚未被县平台确认")
        assert page.errors == []
    finally:
        county.down()


def test_a_hall_without_a_county_shows_no_county_card(hub, page):
    log_in(page, hub)
    page.click("#tabs button[data-view=ops]")
    expect(page.locator("#ops-storage")).to_contain_text("400 天")
    expect(page.locator("#ops-county-card")).to_be_hidden()
