"""The hall's rhythm, run by the hub in the background: closing time expires
the day's waiting tickets, devices that stopped reporting are marked offline,
and surges raise alerts (and open a tidal window where the hall allows it)."""
from __future__ import annotations

import logging

from hub.rules import routing
from hub.service.auth import Actor
from hub.rules.clock import closing_time, hall_date
from hub.rules.errors import HallError

log = logging.getLogger("hallq.rhythm")
SYSTEM = Actor(name="system", role="admin")
DEVICE_SILENCE = 90  # seconds without a report before a device counts as offline
REPORTING_KINDS = ("bar", "keypad", "pad", "printer", "bridge")
CALM_FRACTION = 0.75  # a surge ends when the wait is below this share of the threshold


def close_if_due(svc):
    """Expire waiting tickets once the day's last period has ended."""
    hours = svc.hall.hours
    if not hours.expire_at_closing:
        return None
    now = svc.clock.now()
    day = hall_date(now, svc.hall.timezone)
    if now < closing_time(now, svc.hall.timezone, hours.periods) or svc.closed_day() == day:
        return None
    result = svc.close_day()
    log.info("closing: %s", result)
    result["pruned"] = prune(svc)
    return result


def prune(svc, pause=None):
    """Keep the SD card from filling: old event rows folded into daily counts,
    spent sessions, failed logins and idempotency records removed, pages freed."""
    from hub.store.retention import held_through, prune_events, reclaim_space
    now = svc.clock.now()
    with svc.store.reading() as conn:
        through = held_through(conn) if svc.hall.county else None  # the county's unacknowledged events stay
    pruned = prune_events(svc.store.transaction, days=svc.hall.rules.event_retention_days, now=now,
                          tz=svc.hall.timezone, pause=pause, through=through)
    with svc.store.transaction() as conn:
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        conn.execute("DELETE FROM login_failures WHERE at < ?", (now - 86400,))
        conn.execute("DELETE FROM idempotency WHERE at < ?", (now - 86400,))
    with svc.store.lock:
        reclaim_space(svc.store.conn)
    return pruned["deleted"]


def mark_silent_devices(svc):
    now = svc.clock.now()
    rows = svc.store.query("SELECT id, last_seen FROM devices WHERE online=1")
    for row in rows:
        device = svc.hall.device(row["id"])
        if device and device.kind in REPORTING_KINDS and (row["last_seen"] or 0) < now - DEVICE_SILENCE:
            svc.device_status(device.id, SYSTEM, online=False)


class SurgeWatch:
    """After each change: alert once when a queue's wait passes its threshold,
    and open a closed tidal window for the loaded queues where allowed."""

    def __init__(self, svc):
        self.svc = svc
        self.surging = set()
        self.busy = False

    def __call__(self, events):
        if self.busy or not any(e["type"] in ("ticket.issued", "ticket.called", "window.changed") for e in events):
            return
        self.busy = True
        try:
            # the hub's events already carry the fresh queue views; the simulator's do not
            self.check(events[-1].get("data", {}).get("queues"))
        finally:
            self.busy = False

    def check(self, views=None):
        svc = self.svc
        views = views if views is not None else svc.queues()
        etas = {q["id"]: q["eta_minutes"] for q in views}
        thresholds = {q.id: q.surge_minutes for q in svc.hall.queues}
        over = set(routing.surge_queues(etas, thresholds))
        # a queue stays in surge until its wait falls well below the threshold,
        # so that a wait hovering around it does not alert (or open windows) again and again
        calm = {q for q in self.surging if etas.get(q) is None or etas[q] < thresholds[q] * CALM_FRACTION}
        new = over - self.surging
        self.surging = (self.surging - calm) | over
        if not new:
            return
        opened = self.open_tidal(sorted(new)) if svc.hall.rules.auto_open_tidal else None
        for q in sorted(new):
            queue = svc.hall.queue(q)
            message = f"{queue.name}({q}) 预计等候 {etas[q]} 分钟, 超过 {queue.surge_minutes:g} 分钟"
            if opened:
                message += f"; 已自动开启 {opened['number']} 号潮汐窗口"
            svc.alert("surge", message, queue=q, eta_minutes=etas[q],
                      suggestion=None if opened else self.suggestion(q), opened=opened and opened["id"])

    def suggestion(self, queue):
        closed = [w for w in self.svc.windows() if w["kind"] == "tidal" and w["state"] == "closed"]
        if not closed or queue not in self.svc.tidal_queues():
            return None
        return {"action": "open", "window": closed[0]["id"], "queues": [queue]}

    def open_tidal(self, queues):
        svc = self.svc
        allowed = svc.tidal_queues()
        wanted = [q for q in queues if q in allowed]
        if not wanted:
            return None
        for w in svc.windows():
            if w["kind"] == "tidal" and w["state"] == "closed":
                load = svc.estimates.load_minutes()
                ranked = routing.pick_tidal_queues(load, len(allowed), allowed=allowed)
                chosen = list(dict.fromkeys(wanted + ranked))[: svc.hall.rules.tidal_queue_count]
                try:
                    return svc.open_window(w["id"], SYSTEM, chosen)
                except HallError as exc:
                    log.warning("could not open tidal window %s: %s", w["id"], exc.message())
                    return None
        return None
