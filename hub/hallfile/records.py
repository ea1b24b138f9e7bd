"""The typed hall: the frozen records a hall file becomes (the hall, its
queues, matters, windows, devices, hours, calendar, rules, limits ...).
Everything in hallq reads these; hub/hallfile/build.py makes them from a
parsed file and hub/hallfile/model.py loads one. This module imports nothing
of the hall file's own, so imports run one way:
catalog -> model -> build -> (matters, booking, county, access) -> checker -> lines -> records.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

WINDOW_KINDS = ("comprehensive", "professional", "tidal", "output", "help", "consult", "complaint")
DEVICE_KINDS = ("bar", "keypad", "pad", "printer", "board", "bridge", "kiosk")
MATTER_MODES = ("instant", "promised")
# where a matter is served, from the data's `one_window` column
MATTER_SCOPES = ("one_window", "professional", "consult", "output", "complaint", "help")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    label_en: str = ""


@dataclass(frozen=True)
class Question:
    """One plain question the kiosk asks (本人办理还是代办?)."""
    id: str
    text: str
    text_en: str = ""
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Situation:
    """情形: one combination of answers, with its exact materials."""
    id: str
    name: str
    name_en: str = ""
    answers: dict = field(default_factory=dict)  # question id -> option value
    materials: tuple[str, ...] = ()


@dataclass(frozen=True)
class Matter:
    id: str
    name: str
    name_en: str
    department: str
    department_en: str
    mode: str  # instant | promised
    promised_days: int
    typical_minutes: float
    share: float  # share of a day's tickets (demo mix, simulator)
    scope: str  # one of MATTER_SCOPES
    queue: str  # queue id
    materials: tuple[str, ...] = ()
    conditions: str = ""  # 办理条件, shown in the guide
    questions: tuple[Question, ...] = ()
    situations: tuple[Situation, ...] = ()
    common: bool = False  # shown on the kiosk's first screen

    def situation(self, situation_id):
        for s in self.situations:
            if s.id == situation_id:
                return s
        return None


@dataclass(frozen=True)
class Queue:
    id: str  # the prefix letter, e.g. "A"
    name: str
    name_en: str = ""
    surge_minutes: float = 30.0  # estimated wait that raises a surge alert


@dataclass(frozen=True)
class Window:
    id: str  # e.g. "w1"
    number: int  # what the hall reads: 1 -> "1号窗口"
    kind: str  # one of WINDOW_KINDS
    name: str = ""
    profile: dict = field(default_factory=dict)  # queue id -> weight (> 0)
    floor: str = ""


@dataclass(frozen=True)
class Device:
    id: str  # e.g. "bar-1"
    kind: str  # one of DEVICE_KINDS
    key: str  # the device key (secret), >= 16 chars
    window: str | None = None  # window id, or None for hall-wide devices
    url: str = ""  # transport: serial:///dev/ttyUSB0?baudrate=9600, socket://, loop://, a pty path, usb://, tcp://, file://
    address: int = 0  # bus address on an RS-485 line (1..247)
    protocol: str = "hallq"  # entry point name in the hallq.devices group
    options: dict = field(default_factory=dict)  # e.g. paper width for a printer, traffic log switch


@dataclass(frozen=True)
class Hours:
    periods: tuple[tuple[str, str], ...] = (("08:30", "12:00"), ("13:30", "17:00"))
    enforce: bool = False  # refuse tickets outside the periods
    expire_at_closing: bool = True


@dataclass(frozen=True)
class Calendar:
    """Working days (hub/rules/workdays.py): the hall's days of the week, minus
    holidays, plus make-up days (调休). `weekdays` comes from `[hours] workdays`."""
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    holidays: tuple[str, ...] = ()  # "YYYY-MM-DD"
    workdays: tuple[str, ...] = ()  # make-up working days (调休) on a day off


@dataclass(frozen=True)
class Rules:
    recall_limit: int = 2  # recalls allowed; the next recall turns the ticket into no_show
    rating_minutes: float = 10.0  # how long after finish a rating is accepted
    followup_working_days: int = 3  # deadline of a 差评 follow-up
    auto_open_tidal: bool = True  # the hub opens a tidal window by itself on surge
    tidal_queue_count: int = 2  # queues a tidal window takes when opened without a choice
    announce_repeat: int = 2  # each call is said this many times
    max_body_bytes: int = 65536
    case_alert_days: tuple[int, ...] = (1, 0)  # supervision alerts: working days before deadline
    event_retention_days: int = 400  # event rows kept; older ones are folded into daily counts


@dataclass(frozen=True)
class Backup:
    """The daily backup (hallq backup, run by hallq-backup.timer)."""
    dir: str = "backups"  # a relative path is beside the database (/var/lib/hallq/backups)
    keep: int = 14  # daily files kept, the newest
    at: str = "18:30"  # "HH:MM" in the hall's time zone, after closing


@dataclass(frozen=True)
class Appointments:
    """[appointments]: which matters take bookings (预约) and how."""
    matters: tuple[str, ...] = ()  # matter ids; none: booking is off
    slot_minutes: int = 30
    capacity: int = 2  # places per slot and matter
    capacity_per_matter: dict = field(default_factory=dict)  # matter id -> places per slot
    days_ahead: int = 7  # the furthest day that can be booked, from today
    cutoff_minutes: int = 60  # booking closes this long before the slot starts
    checkin_before_minutes: int = 30  # check-in opens this long before the slot
    checkin_after_minutes: int = 15  # and closes this long after its start
    late: str = "refuse"  # a later check-in: "refuse" or "normal" (a normal ticket instead)
    no_show_limit: int = 2  # this many no-shows within block_days ...
    block_days: int = 30  # ... block new bookings for block_days after the latest
    retention_days: int = 30  # bookings (name and phone) are deleted this long after their day

    def capacity_of(self, matter_id):
        return self.capacity_per_matter.get(matter_id, self.capacity)


@dataclass(frozen=True)
class Platform:
    """[platform]: the provincial 好差评 system every rating is pushed to."""
    url: str = ""  # empty: no platform, ratings stay in the hall
    key: str = ""
    area_code: str = ""  # 行政区划代码 of the hall, e.g. "330102"
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Ratings:
    """[ratings]: 差评 reasons and the deadlines of their follow-up."""
    reasons: tuple[str, ...] = ("等候时间长", "工作人员态度不好", "办事效率低", "材料要求不清楚", "多次跑动", "其他")
    contact_working_days: int = 3  # 回访: call the citizen back within
    rectify_working_days: int = 5  # 整改: put it right within
    default_after_days: int = 0  # >0: a finished ticket left unrated this long counts as default_score
    default_score: int = 5


@dataclass(frozen=True)
class County:
    """[county]: the county server this hall ships its event log to (hub/service/uplink.py)."""
    url: str  # "http://HOST:PORT" (or https://, through a reverse proxy)
    hall: str  # this hall's id at the county
    key: str  # the uplink key `hallq county add-hall` printed (secret)
    batch: int = 500  # events per POST, 1..5000
    catalog: bool = True  # pull the county's matter catalogue and apply it at the start of a hall day


@dataclass(frozen=True)
class Limits:
    """Abuse limits (hub/web/limits.py). Anonymous clients are counted per
    client address; kiosks and query terminals (devices of kind `kiosk`,
    `X-Device-Key`) only by a generous rate; staff not at all."""
    tickets_per_day: int = 30  # tickets one address may take in 24 h
    waiting_per_client: int = 3  # waiting tickets one address may hold at once
    slips_per_hour: int = 10  # 告知单 (POST /api/kiosk/print-materials) per address per hour
    bookings_per_day: int = 3  # appointments (POST /api/appointments) per address per day
    device_per_minute: int = 600  # requests of one kiosk or query terminal per minute
    login_failures_per_user: int = 10  # failed logins of one user (any address) before a lock-out
    login_failures_per_client: int = 20  # failed logins from one address (any user) before a lock-out
    lockout_minutes: int = 15  # how long a lock-out lasts; failures older than this are forgotten
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies whose X-Forwarded-For is believed (addresses, networks)


@dataclass(frozen=True)
class PinRule:
    min_length: int
    digits: bool = False  # digits only (a keypad has no letters)


DEFAULT_PIN_RULES = {"clerk": PinRule(4, True), "guide": PinRule(4, True), "manager": PinRule(6),
                     "admin": PinRule(6), "backoffice": PinRule(6)}


@dataclass(frozen=True)
class Accounts:
    """PIN rules per role (`[accounts] clerk = { min_length = 4, digits = true }`)."""
    pins: dict = field(default_factory=lambda: dict(DEFAULT_PIN_RULES))


@dataclass(frozen=True)
class Hall:
    name: str
    name_en: str = ""
    timezone: str = "Asia/Shanghai"
    public_url: str = "http://127.0.0.1:8080"
    language: str = "zh-CN"
    notice: str = ""  # the board's scrolling notice at start
    printer: str = ""  # default printer URL for the kiosk (may be empty: no printer)
    paper_mm: int = 80  # 58 or 80
    hours: Hours = field(default_factory=Hours)
    calendar: Calendar = field(default_factory=Calendar)
    rules: Rules = field(default_factory=Rules)
    backup: Backup = field(default_factory=Backup)
    appointments: Appointments = field(default_factory=Appointments)
    platform: Platform = field(default_factory=Platform)
    ratings: Ratings = field(default_factory=Ratings)
    county: County | None = None  # no [county]: the hall stands alone
    limits: Limits = field(default_factory=Limits)
    accounts: Accounts = field(default_factory=Accounts)
    queues: tuple[Queue, ...] = ()
    matters: tuple[Matter, ...] = ()
    windows: tuple[Window, ...] = ()
    devices: tuple[Device, ...] = ()
    materials_en: dict = field(default_factory=dict)  # material (中文) -> its English name
    source: str = ""  # the path it was loaded from

    # lookups -----------------------------------------------------------
    def queue(self, queue_id):
        return self._index["queues"].get(queue_id)

    def matter(self, matter_id):
        return self._index["matters"].get(matter_id)

    def window(self, window_id):
        return self._index["windows"].get(window_id)

    def device(self, device_id):
        return self._index["devices"].get(device_id)

    def device_by_key(self, key):
        return self._index["keys"].get(key)

    @functools.cached_property
    def _index(self):
        # lookups on every request: dictionaries built once (the model is frozen)
        return {"queues": {q.id: q for q in self.queues}, "matters": {m.id: m for m in self.matters},
                "windows": {w.id: w for w in self.windows}, "devices": {d.id: d for d in self.devices},
                "keys": {d.key: d for d in self.devices}}
