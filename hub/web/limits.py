"""Abuse limits for a hall whose Wi-Fi is open to everyone (hall file
`[limits]`, docs/operations.md).

Anonymous clients are counted per client address (hub/web/proxies.py decides
what that address is): tickets per day and waiting tickets held at once,
materials slips per hour, bookings per day. Kiosks and query terminals
identify with their device key (`X-Device-Key`) and meet only a generous rate
per device; staff meet none. Every refusal is a 429 with `Retry-After` and the
error shape in the request's language.

The rates are Flask-Limiter's (in-memory storage in the hub's own process:
a restart forgives everyone, which a hall can live with; docs/performance.md
has the measured cost). The cap on waiting tickets is a count, not a rate:
the hub remembers which tickets each address took and asks the database how
many of them still wait.
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict, deque

from flask import request
from flask_limiter import Limit, Limiter
from flask_limiter.errors import RateLimitExceeded

from hub.rules.errors import HallError
from hub.web.http import actor, error_response, service

HELD = ("waiting", "called")
WAITING_RETRY_S = 60  # a held ticket is served or cancelled in minutes, not seconds
ADDRESSES_KEPT = 4096  # the addresses whose tickets are remembered, most recent first


class LimitError(HallError):
    MESSAGES = {
        "too_many_tickets": ("本设备 24 小时内已取号 {limit} 张, 已达上限; 请到取号机取号, 或 {seconds} 秒后再试",
                             "This device has taken {limit} tickets in 24 hours, the limit; "
                             "please use a kiosk or try again in {seconds} s"),
        "too_many_waiting": ("本设备已有 {count} 张号票在等候 (上限 {limit} 张); 请先办理或取消后再取号",
                             "This device already holds {count} waiting tickets (limit {limit}); "
                             "have one served or cancel it first"),
        "too_many_slips": ("告知单打印过于频繁 (每小时 {limit} 张), 请 {seconds} 秒后再试",
                           "Too many materials slips (limit {limit} an hour); try again in {seconds} s"),
        "too_many_bookings": ("本设备 24 小时内已预约 {limit} 次, 已达上限; 请 {seconds} 秒后再试",
                              "This device has booked {limit} times in 24 hours, the limit; try again in {seconds} s"),
        "device_rate": ("设备请求过于频繁 (每分钟 {limit} 次), 请 {seconds} 秒后再试",
                        "Too many requests from this device (limit {limit} a minute); try again in {seconds} s"),
    }


def _anonymous():
    return actor() is None


def _kiosk():
    who = actor()
    return who is not None and who.device_kind == "kiosk"


def _route(method, rule):
    def matches():
        return request.method == method and request.url_rule is not None and request.url_rule.rule == rule
    return matches


def _address():
    return request.remote_addr or "unknown"


def _device():
    return actor().device


class Limits:
    """The hall's limits on one app: Flask-Limiter for the rates, a count for waiting tickets."""

    def __init__(self, app, settings):
        self.settings = settings
        self.held = OrderedDict()  # address -> ids of the tickets it took, newest last
        issue, slips, book = (_route("POST", "/api/tickets"), _route("POST", "/api/kiosk/print-materials"),
                              _route("POST", "/api/appointments"))
        rates = [
            self._anonymous_rate(f"{settings.tickets_per_day} per day", issue, "too_many_tickets", 201),
            self._anonymous_rate(f"{settings.slips_per_hour} per hour", slips, "too_many_slips", 200),
            self._anonymous_rate(f"{settings.bookings_per_day} per day", book, "too_many_bookings", 201),
            Limit(f"{settings.device_per_minute} per minute", key_function=_device, scope="device", shared=True,
                  exempt_when=lambda: not _kiosk(), error_message="device_rate"),
        ]
        self.limiter = Limiter(key_func=_address, app=app, default_limits=rates, storage_uri="memory://",
                               strategy="moving-window", headers_enabled=False, key_prefix="hallq")
        self.issue = issue
        app.before_request(self.check_waiting)
        app.after_request(self.remember_ticket)
        app.register_error_handler(RateLimitExceeded, self.refused)

    @staticmethod
    def _anonymous_rate(rate, route, key, ok_status):
        # counted only when the request succeeds: a citizen who mistypes is not punished
        return Limit(rate, key_function=_address, scope=key, shared=True,
                     exempt_when=lambda: not (route() and _anonymous()), error_message=key,
                     deduct_when=lambda response: response.status_code == ok_status)

    def refused(self, exc):
        current = self.limiter.current_limit
        seconds = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        return error_response(LimitError(429, exc.description, limit=exc.limit.limit.amount, seconds=seconds))

    # waiting tickets held per address ---------------------------------------------------
    def check_waiting(self):
        if not (self.issue() and _anonymous()):
            return None
        ids = self.held.get(_address())
        if not ids:
            return None
        marks = ",".join("?" * len(ids))
        count = service().store.query_one(
            f"SELECT COUNT(*) FROM tickets WHERE id IN ({marks}) AND status IN ({','.join('?' * len(HELD))})",
            (*ids, *HELD))[0]
        limit = self.settings.waiting_per_client
        if count >= limit:
            raise LimitError(429, "too_many_waiting", count=count, limit=limit, seconds=WAITING_RETRY_S)
        return None

    def remember_ticket(self, response):
        if response.status_code == 201 and self.issue() and _anonymous():
            ticket = response.get_json(silent=True) or {}
            if isinstance(ticket.get("id"), int):
                ids = self.held.setdefault(_address(), deque())
                self.held.move_to_end(_address())
                ids.append(ticket["id"])
                if len(self.held) > ADDRESSES_KEPT:
                    self.held.popitem(last=False)
                # the oldest of many are long served: keep what the cap can still count
                while len(ids) > 4 * self.settings.waiting_per_client:
                    ids.popleft()
        return response
