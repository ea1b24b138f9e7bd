"""The county's matter catalogue on the hall side: pulled, checked, applied
at the start of the next hall day, never mid-day.

`pull()` (the uplink's greenlet, no transaction open while it asks) fetches
`GET /api/county/catalog`; a version the hall has not seen is checked at once
with the hall file's own checker (hub/hallfile/catalog.py) — refused with
every reason (event `catalog.refused`, the 运维 tab shows them, the hall keeps
what it runs) or kept as pending with the hall day it arrived on.
`apply_if_due()` (the hub's rhythm) applies a pending catalogue once the hall
date is past that day: the hall service takes the new matters, and the event
`catalog.applied {"version", "day", "matters", "local"}` (public: kiosks and
query terminals reload their matters on it) tells the county which version the hall runs. State lives in the settings table, so a restarted hub
runs the catalogue it ran (`restore()`).

Its parts are given when the hall is composed: the store (settings), the
clock, the county link, the hall file's path and time zone, `record(settings,
deleted, event)` — one transaction writing settings rows, deleting others and
appending one event (private unless `public=True`), published after COMMIT — and `use_matters(matters,
materials_en)`, which gives the running hall the new matters.
"""
from __future__ import annotations

import json
import logging

from hub.hallfile.catalog import CatalogError, apply_catalog
from hub.rules.clock import hall_date, iso

log = logging.getLogger("hallq.catalog")
PULL_EVERY_S = 60.0
APPLIED, PENDING, REFUSED = "catalog.applied", "catalog.pending", "catalog.refused"


class CountyCatalog:
    def __init__(self, store, clock, link, hall_source, timezone, record, use_matters):
        self.store, self.clock, self.link = store, clock, link
        self.hall_source, self.timezone = hall_source, timezone
        self.record, self.use_matters = record, use_matters
        self.local_ids = frozenset()  # the hall's own matters, beside the county's
        self.running = None  # the version in use since the last restore or apply
        self.last_pull_at = None

    # state ---------------------------------------------------------------------------
    def _get(self, key):
        row = self.store.query_one("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(row[0]) if row else None

    def version(self):
        applied = self._get(APPLIED)
        return applied["version"] if applied else None

    def status(self):
        """What /api/health and /api/ops show: the version run, one waiting for tomorrow, one refused."""
        applied, pending, refused = self._get(APPLIED), self._get(PENDING), self._get(REFUSED)
        return {
            "version": applied and applied["version"], "applied_on": applied and applied["day"],
            "local": sorted(self.local_ids),
            "pending": pending and {"version": pending["version"], "fetched_on": pending["fetched_on"]},
            "refused": refused and {"version": refused["version"], "errors": refused["errors"], "at": refused["at"]},
        }

    # at start ------------------------------------------------------------------------------
    def restore(self):
        """Run the catalogue applied before the restart (checked again against today's hall file)."""
        applied = self._get(APPLIED)
        if applied is None:
            return
        try:
            self._use(applied["body"])
        except CatalogError as exc:
            log.error("the county catalogue v%s no longer fits the hall file: %s", applied["version"], exc)
            self._refuse(applied["body"], exc.errors)

    # the uplink's greenlet -------------------------------------------------------------------
    def pull_due(self, now):
        return self.last_pull_at is None or now - self.last_pull_at >= PULL_EVERY_S

    def pull(self):
        """Fetch the county's catalogue; check a new version now, keep it for tomorrow."""
        self.last_pull_at = self.clock.now()
        body = self.link.catalog()
        if body is None:
            return None
        version = body.get("version") if isinstance(body, dict) else None
        known = [state and state["version"] for state in (self._get(APPLIED), self._get(PENDING), self._get(REFUSED))]
        if version is not None and version in known:
            return None
        try:
            apply_catalog(self.hall_source, body)
        except CatalogError as exc:
            return self._refuse(body, exc.errors)
        today = hall_date(self.clock.now(), self.timezone)
        self._set(PENDING, {"version": version, "fetched_on": today, "body": body})
        log.info("county catalogue v%s fetched; applied at the start of the next hall day", version)
        return "pending"

    # the hub's rhythm ----------------------------------------------------------------------
    def apply_if_due(self):
        pending = self._get(PENDING)
        today = hall_date(self.clock.now(), self.timezone)
        if pending is None or today <= pending["fetched_on"]:
            return None
        try:
            county_ids = self._use(pending["body"])
        except CatalogError as exc:  # the hall file changed since it was fetched
            self._clear(PENDING)
            return self._refuse(pending["body"], exc.errors)
        version = pending["version"]
        self.record({APPLIED: {"version": version, "day": today, "body": pending["body"]}}, (PENDING,),
                    ("catalog.applied", {"version": version, "day": today, "matters": len(county_ids),
                                         "local": sorted(self.local_ids)}), public=True)
        log.info("county catalogue v%s applied on %s (%d local matters kept)", version, today, len(self.local_ids))
        return "applied"

    # helpers -------------------------------------------------------------------------------
    def _use(self, body):
        hall, county_ids, local_ids = apply_catalog(self.hall_source, body)
        self.use_matters(hall.matters, hall.materials_en)
        self.local_ids = frozenset(local_ids)
        self.running = body.get("version")
        return county_ids

    def source_of(self, matter_id):
        """"county" or "local" while a county catalogue runs, else None (the hall's own file)."""
        if self.running is None:
            return None
        return "local" if matter_id in self.local_ids else "county"

    def _refuse(self, body, errors):
        version = body.get("version") if isinstance(body, dict) else None
        log.warning("county catalogue v%s refused: %s", version, "; ".join(errors[:5]))
        at = iso(self.clock.now(), self.timezone)
        self.record({REFUSED: {"version": version, "errors": errors[:50], "at": at}}, (),
                    ("catalog.refused", {"version": version, "errors": errors[:50]}))
        return "refused"

    def _set(self, key, value):
        with self.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                         (key, json.dumps(value, ensure_ascii=False)))

    def _clear(self, key):
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM settings WHERE key = ?", (key,))
