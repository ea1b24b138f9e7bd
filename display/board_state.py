"""What a call board knows, built from the hub's snapshot and events, and
what it shows (`board_view`). Pure: no pygame, no sockets, time passed in.

A call is "new" (flashes, is spoken) only when it arrives live. Calls from a
snapshot or from a resume after a drop go straight to the history: a board
that was away never presents a missed call as if it were happening now. The
big "now calling" slot shows the newest call the board saw live (or, on the
very first snapshot, the hall's newest call, not flashing); calls it missed
are listed in the history, newest first, above older ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

HISTORY = 20  # calls kept, as many as the hub's snapshot holds
FLASH_SECONDS = 10.0  # how long the newest live call flashes
CALL_EVENTS = ("ticket.called", "ticket.recalled")

LABELS = {
    "zh": {"calling": "正在呼叫", "to": "请到 {n} 号窗口", "window": "{n}号窗口", "history": "最近呼叫",
           "windows": "窗口", "waiting": "等候", "people": "人", "paused": "暂停服务", "closed": "未开放",
           "idle": "—", "none": "暂无呼叫", "connecting": "正在连接…", "recall": "重呼"},
    "en": {"calling": "Now calling", "to": "Please go to window {n}", "window": "Window {n}", "history": "Recent calls",
           "windows": "Windows", "waiting": "waiting", "people": "", "paused": "Paused", "closed": "Closed",
           "idle": "—", "none": "No calls yet", "connecting": "Connecting…", "recall": "Recall"},
}


@dataclass
class BoardState:
    hall: dict = field(default_factory=dict)
    queues: dict = field(default_factory=dict)  # id -> queue, in the hub's order
    windows: dict = field(default_factory=dict)  # id -> window, in the hub's order
    calls: list = field(default_factory=list)  # newest first
    last_event_id: int | None = None
    flash: tuple | None = None  # (event_id, until) of the live call that flashes
    featured: set = field(default_factory=set)  # event ids that may take the big slot
    connected: bool = False
    clock_offset: float = 0.0  # hub time minus this machine's time, seconds
    tz: object = None  # the hall's UTC offset, from the snapshot's `now`

    def load_snapshot(self, snapshot, wall=None):
        """Replace everything with the hub's truth; returns calls this board
        had not seen (missed while away), for acknowledgement only.
        `wall` (this machine's epoch seconds) sets the clock from `now`."""
        seen = self.last_event_id
        hub_now = _parse_time(snapshot.get("now"))
        if hub_now is not None and wall is not None:
            self.clock_offset = hub_now.timestamp() - wall
            self.tz = hub_now.tzinfo
        self.hall = dict(snapshot.get("hall") or {})
        self.queues = {q["id"]: q for q in snapshot.get("queues") or []}
        self.windows = {w["id"]: w for w in snapshot.get("windows") or []}
        self.calls = list(snapshot.get("calls") or [])[:HISTORY]
        self.last_event_id = snapshot.get("event_id")
        self.flash = None
        ids = {c.get("event_id") for c in self.calls}
        if seen is None:
            self.featured = ids
            return []
        self.featured &= ids
        return [c for c in self.calls if c.get("event_id", 0) > seen]

    def apply(self, name, data, now, live=True):
        """One hub event. Returns the call it carried when that call is new
        (to be flashed and spoken), else None. Stale and repeated events
        (event_id not past the last one) change nothing."""
        if name == "queues.changed":  # coalesced counts: no event id, nothing to order
            self._merge({"queues": data.get("queues")})
            return None
        event_id = data.get("event_id")
        if self.last_event_id is None or event_id is None or event_id <= self.last_event_id:
            return None
        self.last_event_id = event_id
        self._merge(data)
        if name not in CALL_EVENTS or not data.get("call"):
            return None
        call = dict(data["call"])
        call.setdefault("recall", name == "ticket.recalled")
        self.calls = [call] + [c for c in self.calls if c.get("event_id") != call.get("event_id")]
        del self.calls[HISTORY:]
        self.featured &= {c.get("event_id") for c in self.calls}
        if not live:
            return None
        self.featured.add(call.get("event_id"))
        self.flash = (call.get("event_id"), now + FLASH_SECONDS)
        return call

    def _merge(self, data):
        if isinstance(data.get("hall"), dict):
            self.hall.update(data["hall"])
        if "notice" in data and isinstance(data["notice"], str):
            self.hall["notice"] = data["notice"]
        for queue in data.get("queues") or []:
            self.queues[queue["id"]] = {**self.queues.get(queue["id"], {}), **queue}
        window = data.get("window")
        if isinstance(window, dict) and window.get("id"):
            merged = {**self.windows.get(window["id"], {}), **window}
            if "ticket" not in window and data.get("ticket") and data.get("type") in CALL_EVENTS:
                merged["ticket"] = data["ticket"]
            self.windows[window["id"]] = merged

    def hall_time(self, wall):
        """The hall's wall clock (the hub's, which a training hub may set)."""
        if self.tz is None:
            return datetime.fromtimestamp(wall + self.clock_offset).astimezone()
        return datetime.fromtimestamp(wall + self.clock_offset, self.tz)

    def flashing(self, now):
        return self.flash is not None and now < self.flash[1]


def _parse_time(text):
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


@dataclass(frozen=True)
class Filter:
    """Which windows a board shows: by number, by floor, or all."""
    numbers: frozenset = frozenset()
    floor: str = ""

    def shows(self, window):
        if self.numbers and window.get("number") not in self.numbers:
            return False
        if self.floor and str(window.get("floor") or "") != self.floor:
            return False
        return True


def parse_windows(text):
    """"1,2,5-7" -> {1, 2, 5, 6, 7}; a clear Chinese error on anything else."""
    numbers = set()
    for part in (p.strip() for p in str(text or "").split(",")):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"窗口列表 {text!r} 无效: 应为逗号分隔的窗口号, 如 1,2,3 或 1-6") from None
        if first < 1 or last < first:
            raise ValueError(f"窗口列表 {text!r} 无效: 范围 {part} 不对")
        numbers.update(range(first, last + 1))
    return frozenset(numbers)


def _name(item, lang, key="name"):
    return (item.get(f"{key}_en") or item.get(key) or "") if lang == "en" else (item.get(key) or "")


def _call_line(call, labels):
    n = call["window"]["number"]
    return {"event_id": call.get("event_id"), "number": call["ticket"]["number"], "window_number": n,
            "window": labels["window"].format(n=n), "to": labels["to"].format(n=n),
            "recall": bool(call.get("recall"))}


def board_view(state, now, wall_clock, lang="zh", board_filter=Filter(), history=8):
    """Everything the board draws, as plain values (both boards share it)."""
    shown_windows = [w for w in state.windows.values() if board_filter.shows(w)]
    shown_ids = {w["id"] for w in shown_windows}
    everything = board_filter == Filter()
    calls = [c for c in state.calls if everything or c.get("window", {}).get("id") in shown_ids]
    last_by_window = {}
    for call in reversed(calls):
        last_by_window[call["window"]["id"]] = call["ticket"]["number"]
    served = {q for w in shown_windows for q in (w.get("queues") or [])}
    labels = LABELS["en" if lang == "en" else "zh"]
    big = next((c for c in calls if c.get("event_id") in state.featured), None)
    newest = _call_line(big, labels) if big else None
    if newest:
        newest["flashing"] = state.flashing(now) and state.flash[0] == newest["event_id"]
    return {
        "labels": labels,
        "hall": _name(state.hall, lang),
        "notice": state.hall.get("notice") or "",
        "clock": wall_clock.strftime("%H:%M:%S"),
        "date": wall_clock.strftime("%Y-%m-%d"),
        "connected": state.connected,
        "newest": newest,
        "history": [_call_line(c, labels) for c in calls if c is not big][:history],
        "windows": [_window_line(w, last_by_window, labels) for w in shown_windows],
        "queues": [{"id": q["id"], "name": _name(q, lang), "waiting": q.get("waiting", 0),
                    "eta_minutes": q.get("eta_minutes")}
                   for q in state.queues.values() if everything or q["id"] in served],
    }


def _window_line(window, last_by_window, labels):
    ticket = window.get("ticket") or {}
    current = ticket.get("number") if ticket.get("status", "called") in ("called", "serving") else None
    return {"id": window["id"], "number": window.get("number"), "name": window.get("name") or "",
            "label": labels["window"].format(n=window.get("number")),
            "state": window.get("state", "open"), "ticket": current or last_by_window.get(window["id"])}
