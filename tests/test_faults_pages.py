"""Faults as the hall's screens show them, in real Chromium against the real hub:
the disk fills up while the kiosk is open."""
from __future__ import annotations

from playwright.sync_api import expect

from browser import browser, page  # noqa: F401  (pytest fixtures)
from diskfull import fill, issue_until_full, mounted
from hubproc import KIOSK_KEY

KIOSK = {"X-Device-Key": KIOSK_KEY}


def take_ticket(page):
    """A citizen's touches for 社会保障卡申领: the matter, the two questions, 取号."""
    page.click('[data-screen="start"] #common [data-matter=m03]')
    page.click('[data-question="who"] [data-option="self"]')
    page.click('[data-question="first"] [data-option="first"]')
    page.click("#take-ticket")


def test_a_full_disk_shows_the_kiosk_paused_and_it_issues_again_by_itself_when_space_returns(hub_factory,
                                                                                            tmp_path, page):
    with mounted(tmp_path / "small", "size=8m") as small:
        hub = hub_factory(name="small")
        hub.db = small / "hallq.db"
        hub.start()
        page.goto(f"{hub.url}/kiosk?key={KIOSK_KEY}")  # set up as the hall's kiosk
        expect(page.locator("#common [data-matter=m03]")).to_be_visible()
        before = hub.issue("m03")
        filler = fill(small)
        acknowledged, full = issue_until_full(hub, KIOSK)
        assert full.status_code == 503 and full.json()["error"]["code"] == "storage_full"

        take_ticket(page)
        error = page.locator("#matter-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("暂停取号")
        expect(error).to_contain_text("已取的号票不受影响")
        expect(page.locator('[data-screen="ticket"]')).to_be_hidden()
        assert "Traceback" not in page.content() and page.errors == []
        waiting = [t for t in hub.get("/api/queues").json() if t["id"] == "A"][0]["waiting"]
        # from the materials list too (打印材料清单, then 再取号): said on that screen, not dropped
        page.click("#print-list")
        expect(page.locator('[data-screen="materials"]')).to_be_visible()
        page.click("#list-take")
        expect(page.locator("#list-error")).to_contain_text("暂停取号")
        expect(page.locator('[data-screen="ticket"]')).to_be_hidden()
        assert "Traceback" not in page.content() and page.errors == []
        waiting = [q for q in hub.get("/api/queues").json() if q["id"] == "A"][0]["waiting"]
        assert waiting == 1 + len(acknowledged)  # the touches issued nothing
        page.click('[data-screen="materials"] [data-action="back"]')

        filler.unlink()  # space returns: no restart, no reload, nobody at the kiosk's settings
        page.click("#take-ticket")
        expect(page.locator('[data-screen="ticket"]')).to_be_visible()
        number = page.locator("#ticket-number").inner_text()
        expect(error).to_be_hidden()
        numbers = [before["number"]] + [t["number"] for t in acknowledged] + [number]
        assert len(set(numbers)) == len(numbers)
        for ticket in [before] + acknowledged:  # nothing acknowledged before or during the pause is lost
            assert hub.get(f"/api/tickets/{ticket['id']}").json()["number"] == ticket["number"]
        assert page.errors == []
        hub.stop()
