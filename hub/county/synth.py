"""Simulated hall days as event logs in the hub's own shapes (the payloads
hub.service writes), for the county's demo and bench: tickets issued, called,
started, finished or missed, ratings with their 差评 follow-ups, cases and a
device going offline. `hall_day(...)` returns [(event_id, at, type, data)]."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.county.figures import default_deadline

TZ = "Asia/Shanghai"
QUEUES = {"A": "comprehensive", "B": "comprehensive", "C": "comprehensive", "D": "professional"}
WINDOWS = [("w1", 1, "comprehensive"), ("w2", 2, "comprehensive"), ("w3", 3, "comprehensive"),
           ("w4", 4, "comprehensive"), ("w7", 7, "professional"), ("w14", 14, "tidal")]
OPEN_S = 8.5 * 3600
CLOSE_S = 17 * 3600


def facts(catalog_version=None):
    return {"timezone": TZ, "queue_kinds": dict(QUEUES, E="professional"), "catalog_version": catalog_version,
            "matters": {"total": 40, "complete": 38, "one_window": 36, "business": 39}, "followup_working_days": 3}


class Log:
    def __init__(self, first_id, tz):
        self.rows = []
        self.next_id = first_id
        self.tz = ZoneInfo(tz)

    def iso(self, at):
        return datetime.fromtimestamp(at, self.tz).isoformat(timespec="seconds")

    def emit(self, at, type_, data):
        data = dict(data, type=type_, at=self.iso(at))
        self.rows.append([None, at, type_, data])


def _ticket(log, tid, number, queue, issued, status, window=None, at=None):
    return {"id": tid, "number": number, "queue": queue, "matter": f"m-{queue}", "status": status, "window": window,
            "issued_at": log.iso(issued), "called_at": log.iso(at) if at and window else None,
            "finished_at": log.iso(at) if status == "done" else None, "priority": "normal"}


def _window(wid, number, kind):
    return {"id": wid, "number": number, "kind": kind, "state": "open"}


def hall_day(day, tickets=300, seed=0, first_id=1, tz=TZ, window_kinds=None, first_ticket=1):
    """A simulated day of one hall: about 4.5 events a ticket, event ids from first_id and ticket
    (case, follow-up) ids from first_ticket, in time order."""
    rnd = random.Random(seed)
    log = Log(first_id, tz)
    midnight = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(tz)).timestamp()
    windows = [w for w in WINDOWS if window_kinds is None or w[2] in window_kinds]
    free_at = {w[0]: midnight + OPEN_S for w in windows}
    counters = {}
    for n in range(tickets):
        issued = midnight + OPEN_S + (CLOSE_S - OPEN_S - 1800) * (n + rnd.random()) / tickets
        queue = rnd.choice("AAAABBCD")
        counters[queue] = counters.get(queue, 0) + 1
        tid = first_ticket + n
        number = f"{queue}{counters[queue]:03d}"
        log.emit(issued, "ticket.issued", {"ticket": _ticket(log, tid, number, queue, issued, "waiting")})
        wid, wnum, kind = min(windows, key=lambda w: free_at[w[0]])
        called = max(issued + rnd.expovariate(1 / 240.0), free_at[wid])
        if called > midnight + CLOSE_S:
            continue  # still waiting at closing
        win = _window(wid, wnum, kind)
        log.emit(called, "ticket.called", {"ticket": _ticket(log, tid, number, queue, issued, "called", wid, called),
                                           "window": win})
        if rnd.random() < 0.05:
            log.emit(called + 120, "ticket.no_show", {"ticket": _ticket(log, tid, number, queue, issued, "no_show", wid),
                                                      "window": win})
            free_at[wid] = called + 120
            continue
        log.emit(called + 30, "ticket.started", {"ticket": _ticket(log, tid, number, queue, issued, "serving", wid),
                                                 "window": win})
        done = called + 30 + rnd.uniform(120, 600)
        log.emit(done, "ticket.finished", {"ticket": _ticket(log, tid, number, queue, issued, "done", wid, done),
                                           "window": win, "outcome": "done"})
        free_at[wid] = done
        if rnd.random() < 0.7:
            score = rnd.choices((5, 4, 3, 2, 1), (70, 18, 6, 4, 2))[0]
            followup = tid if score <= 2 else None
            rated = done + 20
            log.emit(rated, "rating.received", {
                "ticket": {"id": tid, "number": number, "queue": queue}, "window": {"id": wid, "number": wnum},
                "score": score, "source": "pad", "followup": followup,
                "followup_deadline": default_deadline(day, 3) if followup else None})
            if followup and rnd.random() < 0.6:
                log.emit(rated + 3600, "followup.changed", {"followup": {"id": followup, "state": "rectified"}})
        if queue == "D" and rnd.random() < 0.5:
            deadline = (datetime.fromisoformat(day) + timedelta(days=rnd.choice((-3, -1, 2, 5)))).date().isoformat()
            case = {"id": tid, "number": f"{day.replace('-', '')}-{tid:04d}", "matter": f"m-{queue}",
                    "matter_name": "建设工程规划许可", "department": "自然资源", "state": "accepted",
                    "deadline": deadline, "ticket": {"id": tid, "number": number}}
            log.emit(done + 1, "case.accepted", {"case": case, "ticket": {"id": tid, "number": number}})
            if rnd.random() < 0.4:
                log.emit(done + 7200, "case.changed", {"case": dict(case, state="approved"), "action": "approve"})
    log.emit(midnight + 11 * 3600, "device.changed",
             {"device": {"id": "pad-3", "kind": "pad", "window": "w3", "online": seed % 3 == 0, "fault": None}})
    log.rows.sort(key=lambda r: r[1])
    for i, row in enumerate(log.rows):
        row[0] = first_id + i
    return [tuple(r) for r in log.rows]


def as_batch_events(rows):
    return [{"event_id": e, "at": a, "type": t, "data": d} for e, a, t, d in rows]
