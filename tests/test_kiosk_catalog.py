"""The kiosk in real Chromium follows the county's catalogue: it keeps
showing the hall's matters through the day the catalogue arrives, and shows
the county's from the start of the next hall day without being reloaded."""
from __future__ import annotations

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from countystub import StubCounty
from hubproc import wait_for
from test_catalog_merge import demo_catalog
from test_county_uplink import KEY, county_hall
from test_kiosk_pages import open_kiosk


def test_the_kiosk_shows_the_countys_matters_from_the_next_hall_day_on(hub_factory, tmp_path, page):
    county = StubCounty({"town-a": KEY}).start()
    try:
        catalog = demo_catalog(version=7)
        next(m for m in catalog["matters"] if m["id"] == "m03")["name"] = "社会保障卡申领(县统一)"
        county.catalog = catalog
        hub = hub_factory(config=county_hall(tmp_path, county.url)).start()
        assert wait_for(lambda: hub.get("/api/health").json()["checks"]["catalog"]["pending"] is not None)
        open_kiosk(page, hub)
        tile = page.locator("#common [data-matter=m03]")
        expect(tile).to_contain_text("社会保障卡申领")
        expect(tile).not_to_contain_text("县统一")
        hub.advance(86400 - 8 * 3600)  # 01:00 the next hall day
        expect(tile).to_contain_text("社会保障卡申领(县统一)", timeout=20000)
        assert page.errors == []
    finally:
        county.down()
