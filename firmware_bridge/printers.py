"""Ticket printers driven by the bridge: one kiosk.spooler.Spooler per printer.

On `print.materials` / `print.correction` {printer, slip} (a kiosk's 一次性告知
list, a window's 补正告知) the slip comes with the event and is queued as it is.
On `ticket.issued` carrying `"printer": "<device id>"` the slip is fetched
(GET /api/tickets/<id>/slip with the printer's own key) on the bridge's HTTP
pool and queued on that printer's spooler, which never drops a job and
reports paper-out, cover-open, offline and unplugged; each change goes to the
hub as the printer's status, so the manager console shows it.
"""
from __future__ import annotations

import logging

log = logging.getLogger("hallq.bridge")
OFFLINE_FAULTS = ("offline", "unplugged")


class Printers:
    def __init__(self, hall, ports, http, reporter, pool, spooler_class=None):
        self.http, self.reporter, self.pool = http, reporter, pool
        self.spoolers, self.keys = {}, {}
        if spooler_class is None:
            from kiosk.spooler import Spooler as spooler_class
        for device in hall.devices:
            if device.kind != "printer":
                continue
            url = ports.get(device.id) or device.url
            if not url:
                continue  # no printer: the kiosk shows the ticket on screen
            paper_mm = int((device.options or {}).get("paper_mm", hall.paper_mm))
            try:
                self.spoolers[device.id] = spooler_class(
                    url, on_status=lambda status, d=device.id: self._status(d, status), paper_mm=paper_mm,
                    poll_seconds=float((device.options or {}).get("status_poll_s", 5)))
            except ValueError as exc:  # a bad URL or paper width: say so, drive the rest
                log.error("printer %s not driven: %s", device.id, exc)
                reporter.update(device.id, False, "", "配置错误")
                continue
            self.keys[device.id] = device.key

    def _status(self, device_id, status):
        self.reporter.update(device_id, status not in OFFLINE_FAULTS, "", status)

    def on_issued(self, payload):
        """Called on the Socket.IO thread: hand the fetch to the pool."""
        printer = payload.get("printer") if isinstance(payload, dict) else None
        ticket = payload.get("ticket") if isinstance(payload, dict) else None
        if printer in self.spoolers and isinstance(ticket, dict) and ticket.get("id") is not None:
            try:
                self.pool.submit(self._print, printer, ticket["id"])
            except RuntimeError:
                log.error("bridge stopping: slip of ticket %s not printed", ticket["id"])

    def on_slip(self, payload):
        """A slip that comes whole with its event: the kiosk's 一次性告知 list
        (print.materials) or a window's 补正告知 (print.correction)."""
        printer = payload.get("printer") if isinstance(payload, dict) else None
        slip = payload.get("slip") if isinstance(payload, dict) else None
        if printer not in self.spoolers or not isinstance(slip, dict):
            return
        try:
            self.spoolers[printer].submit(dict(slip, kind=slip.get("kind", "materials")))
        except ValueError as exc:  # SlipError: the slip cannot be rendered
            log.error("materials slip cannot be printed: %s", exc)

    def _print(self, printer, ticket_id):
        from hub.client.http import HubUnreachable
        try:
            code, slip = self.http.request("GET", f"/api/tickets/{ticket_id}/slip", key=self.keys[printer])
        except HubUnreachable as exc:
            log.error("slip of ticket %s not fetched: %s", ticket_id, exc)
            return
        if code != 200 or not isinstance(slip, dict):
            log.error("slip of ticket %s: hub answered %s %s", ticket_id, code, slip)
            return
        try:
            self.spoolers[printer].submit(slip)
        except ValueError as exc:  # SlipError: the slip cannot be rendered
            log.error("slip of ticket %s cannot be printed: %s", ticket_id, exc)

    def stop(self):
        for spooler in self.spoolers.values():
            spooler.stop()
