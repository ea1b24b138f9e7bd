"""The surge watch: after each change, a queue whose wait passes its
threshold raises an alert (and opens a tidal window where the hall allows
it). The hub subscribes it to the event bus; the simulator calls it itself.
(The rest of the hall's rhythm, closing and upkeep, is hub/service/operations.py.)"""
from __future__ import annotations

import logging

from hub.rules import routing
from hub.rules.errors import HallError
from hub.service.auth import Actor

log = logging.getLogger("hallq.rhythm")
SYSTEM = Actor(name="system", role="admin")
CALM_FRACTION = 0.75  # a surge ends when the wait is below this share of the threshold


class SurgeWatch:
    """After each change: alert once when a queue's wait passes its threshold,
    and open a closed tidal window for the loaded queues where allowed."""

    def __init__(self, hall, estimates, windows, notices):
        self.hall, self.estimates, self.windows, self.notices = hall, estimates, windows, notices
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
        views = views if views is not None else self.estimates.queue_views()
        etas = {q["id"]: q["eta_minutes"] for q in views}
        thresholds = {q.id: q.surge_minutes for q in self.hall.queues}
        over = set(routing.surge_queues(etas, thresholds))
        # a queue stays in surge until its wait falls well below the threshold,
        # so that a wait hovering around it does not alert (or open windows) again and again
        calm = {q for q in self.surging if etas.get(q) is None or etas[q] < thresholds[q] * CALM_FRACTION}
        new = over - self.surging
        self.surging = (self.surging - calm) | over
        if not new:
            return
        opened = self.open_tidal(sorted(new)) if self.hall.rules.auto_open_tidal else None
        for q in sorted(new):
            queue = self.hall.queue(q)
            message = f"{queue.name}({q}) 预计等候 {etas[q]} 分钟, 超过 {queue.surge_minutes:g} 分钟"
            if opened:
                message += f"; 已自动开启 {opened['number']} 号潮汐窗口"
            self.notices.alert("surge", message, queue=q, eta_minutes=etas[q],
                      suggestion=None if opened else self.suggestion(q), opened=opened and opened["id"])

    def suggestion(self, queue):
        closed = [w for w in self.windows.list() if w["kind"] == "tidal" and w["state"] == "closed"]
        if not closed or queue not in self.windows.tidal_queues:
            return None
        return {"action": "open", "window": closed[0]["id"], "queues": [queue]}

    def open_tidal(self, queues):
        allowed = self.windows.tidal_queues
        wanted = [q for q in queues if q in allowed]
        if not wanted:
            return None
        for w in self.windows.list():
            if w["kind"] == "tidal" and w["state"] == "closed":
                load = self.estimates.load_minutes()
                ranked = routing.pick_tidal_queues(load, len(allowed), allowed=allowed)
                chosen = list(dict.fromkeys(wanted + ranked))[: self.hall.rules.tidal_queue_count]
                try:
                    return self.windows.open(w["id"], SYSTEM, chosen)
                except HallError as exc:
                    log.warning("could not open tidal window %s: %s", w["id"], exc.message())
                    return None
        return None
