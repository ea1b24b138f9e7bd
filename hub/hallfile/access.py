"""`[limits]` and `[accounts]` of the hall file: how much an anonymous
client, a kiosk or a failing login may do, which proxies are believed, and
the PIN rules per role. Read with the same Checker as the rest of the file."""
from __future__ import annotations

import ipaddress

from hub.hallfile.checker import default_of, show
from hub.hallfile.lines import join
from hub.hallfile.records import DEFAULT_PIN_RULES, Accounts, Limits, PinRule

LIMIT_COUNTS = ("tickets_per_day", "waiting_per_client", "slips_per_hour", "bookings_per_day",
                "device_per_minute", "login_failures_per_user", "login_failures_per_client", "lockout_minutes")
LIMITS_KEYS = LIMIT_COUNTS + ("trusted_proxies",)
PIN_KEYS = ("min_length", "digits")
MIN_PIN_LENGTH = 4  # whatever a hall writes: below this a PIN is guessed in minutes


def read_limits(c, doc):
    p = "limits"
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, LIMITS_KEYS)
    values = {}
    for key in LIMIT_COUNTS:
        values[key] = c.get(t, p, key, "int", default_of(Limits, key))
        c.positive(values[key], p, key, t, integer=True)
    proxies = c.strings(t, p, "trusted_proxies", default_of(Limits, "trusted_proxies"))
    for i, text in enumerate(proxies):
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            c.error(f"{join(p, 'trusted_proxies')}[{i}]", f"应为 IP 地址或网段 (如 127.0.0.1、10.0.0.0/24), 而不是 {show(text)}")
    values["trusted_proxies"] = proxies
    return Limits(**values)


def read_accounts(c, doc):
    p, roles = "accounts", tuple(DEFAULT_PIN_RULES)
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, roles)
    pins = dict(DEFAULT_PIN_RULES)
    for role in roles:
        if role not in t:
            continue
        where = join(p, role)
        rule = c.get(t, p, role, "table", {})
        c.unknown(rule, where, PIN_KEYS)
        length = c.get(rule, where, "min_length", "int", pins[role].min_length)
        if length < MIN_PIN_LENGTH:
            c.error(join(where, "min_length"), f"PIN 至少 {MIN_PIN_LENGTH} 位, 而不是 {show(length)}")
        pins[role] = PinRule(min_length=length, digits=c.get(rule, where, "digits", "bool", pins[role].digits))
    return Accounts(pins=pins)
