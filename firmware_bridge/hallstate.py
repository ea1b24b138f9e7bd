"""What the bridge knows of the hall: each window's state and the ticket it holds.

Pure: built from the hub's `snapshot` and kept current by its events, so
that what a bar shows is a function of this state alone (and a bar that
comes back is told the truth, not the last thing it was sent). Events at or
below the last event id seen are ignored: `resume` may replay what a
snapshot already contains.
"""
from __future__ import annotations

from dataclasses import dataclass

HELD = ("called", "serving")
# the ticket's status after an event, when the payload does not say it
STATUS_AFTER = {
    "ticket.called": "called", "ticket.recalled": "called", "ticket.started": "serving",
    "ticket.finished": "done", "ticket.no_show": "no_show", "ticket.cancelled": "cancelled",
    "ticket.expired": "expired", "ticket.transferred": "waiting",
}
# what a change means for the devices at a window, beyond "show the state"
MOMENTS = {"ticket.called": "called", "ticket.recalled": "recalled", "ticket.finished": "finished"}


@dataclass
class WindowView:
    id: str
    number: int | None = None
    state: str = "open"  # open | paused | closed
    ticket_id: int | None = None
    ticket_number: str | None = None
    ticket_status: str | None = None  # called | serving

    def hold(self, ticket, status):
        self.ticket_id, self.ticket_number, self.ticket_status = ticket.get("id"), ticket.get("number"), status

    def free(self):
        self.ticket_id = self.ticket_number = self.ticket_status = None


class HallState:
    def __init__(self, window_numbers=None):
        self.windows = {wid: WindowView(wid, number) for wid, number in (window_numbers or {}).items()}
        self.last_event_id = 0

    def view(self, window_id):
        if window_id not in self.windows:
            self.windows[window_id] = WindowView(window_id)
        return self.windows[window_id]

    def apply(self, name, payload):
        """[(window_id, moment)] touched by this message (moment: "state" or one of
        MOMENTS), or None for an event already seen."""
        if not isinstance(payload, dict):
            return []
        if name == "snapshot":
            return self._snapshot(payload)
        event_id = payload.get("event_id")
        if isinstance(event_id, int) and not isinstance(event_id, bool):
            if event_id <= self.last_event_id:
                return None
            self.last_event_id = event_id
        if name == "window.changed":
            return self._window(payload.get("window") or {})
        if name in STATUS_AFTER and isinstance(payload.get("ticket"), dict):
            return self._ticket(name, payload["ticket"], payload.get("window") or {})
        return []

    def _snapshot(self, snapshot):
        if isinstance(snapshot.get("event_id"), int):
            self.last_event_id = snapshot["event_id"]
        touched = [(wid, "state") for wid in self.windows]
        for window in snapshot.get("windows") or []:
            if isinstance(window, dict) and window.get("id"):
                view = self.view(window["id"])
                view.free()
                touched += self._window(window)
        return sorted(set(touched))

    def _window(self, window):
        if not window.get("id"):
            return []
        view = self.view(window["id"])
        if isinstance(window.get("number"), int):
            view.number = window["number"]
        if window.get("state") in ("open", "paused", "closed"):
            view.state = window["state"]
        if "ticket" in window:
            ticket = window["ticket"]
            if isinstance(ticket, dict) and ticket.get("status") in HELD:
                view.hold(ticket, ticket["status"])
            else:
                view.free()
        return [(view.id, "state")]

    def _ticket(self, name, ticket, window):
        status = ticket.get("status") or STATUS_AFTER[name]
        at = ticket.get("window") or window.get("id")
        touched = []
        for view in self.windows.values():
            if view.ticket_id is not None and view.ticket_id == ticket.get("id") and (
                    status not in HELD or view.id != at):
                view.free()
                touched.append((view.id, "state"))
        if at:
            view = self.view(at)
            if isinstance(window.get("number"), int):
                view.number = window["number"]
            if status in HELD:
                view.hold(ticket, status)
            touched.append((at, "state"))
            if name in MOMENTS:
                touched.append((at, MOMENTS[name]))
        return touched
