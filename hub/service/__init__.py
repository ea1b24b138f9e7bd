"""The hall's operations, composed once.

`compose(hall, store, clock, bus, county_link=None)` builds every service of a hall from the
hall file, the store, the clock and the event bus, in the order they need
each other, and returns them as one `Hall`. Read it top to bottom: that is
the whole wiring. Nothing is attached later; a new capability is a new
service made here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from hub import __version__

from hub.rules import routing
from hub.service.accounts import Accounts
from hub.service.cases import Cases
from hub.service.catalog import CountyCatalog
from hub.service.county_facts import hall_facts
from hub.service.changes import Changes
from hub.service.devices import Devices
from hub.service.estimates import Estimates
from hub.service.event_log import EventLog
from hub.service.notices import Notices
from hub.service.operations import Ops
from hub.service.pickup import Pickups
from hub.service.ratings import Followups, Ratings
from hub.service.replies import Replies
from hub.service.reporting import Reports
from hub.service.rhythm import SurgeWatch
from hub.service.supervision import Supervision
from hub.service.tickets import Tickets
from hub.service.uplink import Uplink
from hub.service.bookings import Bookings
from hub.service.outbox import Outbox
from hub.service.windows import Windows
from hub.store.database import StoreMissing, StoreUnreadable  # noqa: F401  (what compose_read_only raises)


@dataclass
class Hall:
    """The services of one hall. `hall` is the typed hall file, `store` the database;
    `uplink` the county uplink and `catalog` the county's matter catalogue when the hall has them."""
    hall: object
    store: object
    clock: object
    bus: object
    estimates: object
    changes: object
    notices: object
    cases: object
    followups: object
    ratings: object
    tickets: object
    windows: object
    pickups: object
    supervision: object
    devices: object
    events: object
    accounts: object
    replies: object
    ops: object
    reports: object
    surge: object
    bookings: object
    outbox: object
    uplink: object = None
    catalog: object = None

    def use_matters(self, matters, materials_en):
        """The county's catalogue, at the start of a hall day (hub/service/catalog.py): the same hall
        with other matters, handed to every service that reads the hall file (the hall file is the one
        thing that changes while the hub runs, and only here)."""
        self.hall = replace(self.hall, matters=tuple(matters), materials_en=dict(materials_en))
        for name in READS_HALL:
            getattr(self, name).hall = self.hall


READS_HALL = ("estimates", "notices", "cases", "followups", "ratings", "tickets", "windows", "pickups",
              "supervision", "devices", "events", "accounts", "ops", "reports", "surge", "bookings")


def compose(hall, store, clock, bus, county_link=None, cooperate=None):
    """`county_link`: hub/service/county_link.py's CountyLink when the hall file has [county]: the
    uplink (hub/service/uplink.py) ships the event log through it and, with `[county] catalog`, the
    county's catalogue (hub/service/catalog.py) comes down through it. `cooperate()`: a yield to
    the web server's event loop, made between the steps of long computations (the ETA ranges)."""
    tidal_queues = frozenset(routing.tidal_queues(hall))  # the hall file does not change while the hub runs
    estimates = Estimates(hall, store, clock, cooperate)
    changes = Changes(store, clock, hall.timezone, bus, estimates)
    notices = Notices(hall, store, changes)
    cases = Cases(hall, store, clock, changes)
    followups = Followups(hall, store, clock, changes)
    outbox = Outbox(store, clock)
    ratings = Ratings(hall, store, clock, changes, followups, outbox)
    tickets = Tickets(hall, store, clock, changes, estimates, tidal_queues, ratings, cases)
    bookings = Bookings(hall, store, clock, changes, tickets)
    windows = Windows(hall, store, changes, estimates, tickets, tidal_queues, on_finish=(cases.on_finish,))
    devices = Devices(hall, store, clock, changes)
    events = EventLog(hall, store, clock, estimates, windows, notices)
    catalog = None
    if county_link is not None and hall.county.catalog:
        catalog = CountyCatalog(store, clock, county_link, hall.source, hall.timezone, notices.record_settings,
                                lambda matters, materials_en: composed.use_matters(matters, materials_en))
    uplink = None
    if county_link is not None:  # each batch tells the matters and the catalogue version the hall runs then
        uplink = Uplink(store, clock, hall.county, county_link,
                        facts=lambda: hall_facts(composed.hall, catalog.version() if catalog else None))
    ops = Ops(hall, store, clock, changes, devices, events, __version__, uplink, outbox)
    surge = SurgeWatch(hall, estimates, windows, notices)
    bus.subscribe(surge)
    if not store.read_only:
        windows.ensure_rows(clock.now())
    composed = Hall(
        hall=hall, store=store, clock=clock, bus=bus, estimates=estimates, changes=changes, notices=notices,
        cases=cases, followups=followups, ratings=ratings, tickets=tickets, windows=windows,
        pickups=Pickups(hall, store, clock, changes, cases, tickets),
        supervision=Supervision(hall, store, changes, cases), devices=devices, events=events,
        accounts=Accounts(hall, store, clock, changes, windows), replies=Replies(store, changes), ops=ops,
        reports=Reports(hall, store, clock, ops.closed_day), surge=surge, bookings=bookings,
        outbox=outbox, uplink=uplink, catalog=catalog)
    if catalog is not None:
        catalog.restore()  # the catalogue the hall ran before a restart
    return composed


def compose_read_only(hall, db_path, clock):
    """The same services over the database opened read-only (a reprint, a report while the hub
    runs, or with no hub at all): reading works as on the hub; any change is refused.
    `db_path` None: the default database (./var/hallq.db). Raises StoreMissing / StoreUnreadable."""
    from hub.service.bus import EventBus
    from hub.store.database import ReadOnlyStore, default_db_path
    return compose(hall, ReadOnlyStore(db_path or default_db_path()), clock, EventBus())
