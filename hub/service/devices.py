"""Devices as the hub knows them: their reports (online, what they show,
faults), the alerts their faults raise, and the boards' acknowledgements of
calls (shown, spoken)."""
from __future__ import annotations

from hub.rules.clock import iso
from hub.rules.errors import HallError
from hub.service.notices import alert_in

DEVICE_SILENCE = 90  # seconds without a report before a device counts as offline
REPORTING_KINDS = ("bar", "keypad", "pad", "printer", "bridge")
KIND_TEXT = {"bar": "窗口屏", "keypad": "呼叫器", "pad": "评价器", "printer": "打印机", "board": "综合屏",
             "bridge": "串口桥"}
FAULT_TEXT = {"paper_out": "缺纸", "paper_near_end": "纸将用尽", "cover_open": "纸仓盖打开",
              "offline": "脱机", "unplugged": "未连接"}
CALL_EVENTS = ("ticket.called", "ticket.recalled")


def device_message(device, online, fault):
    what = f"{KIND_TEXT.get(device.kind, device.kind)} {device.id}"
    if fault:
        return f"{what} 故障: {FAULT_TEXT.get(fault, fault)}"
    return f"{what} 离线" if not online else f"{what} 恢复在线"


class Devices:
    def __init__(self, hall, store, clock, changes):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes

    def _rows(self):
        return {r["id"]: r for r in self.store.query("SELECT * FROM devices")}

    def list(self, setup=False):
        """The hall's devices and their state; with `setup` (a manager asks), each kiosk's setup
        address, which carries its key: opened once on the kiosk, the page keeps the key."""
        rows = self._rows()
        out = []
        for d in self.hall.devices:
            r = rows.get(d.id)
            out.append({"id": d.id, "kind": d.kind, "window": d.window,
                        "online": bool(r and r["online"]),
                        "last_seen": iso(r["last_seen"], self.hall.timezone) if r else None,
                        "shows": r["shows"] if r else None, "fault": r["fault"] if r else None})
            if setup and d.kind == "kiosk":
                out[-1]["setup_url"] = f"{self.hall.public_url.rstrip('/')}/kiosk?key={d.key}"
        return out

    def states(self):
        """Devices as the health report reads them: last_seen as a unix time."""
        rows = self._rows()
        return [{"id": d.id, "kind": d.kind, "window": d.window, "online": bool(rows.get(d.id) and rows[d.id]["online"]),
                 "last_seen": rows[d.id]["last_seen"] if d.id in rows else None,
                 "fault": rows[d.id]["fault"] if d.id in rows else None} for d in self.hall.devices]

    def report(self, device_id, actor, online=True, shows=None, fault=None):
        """A device's report. Going on- or offline or a new fault is a change (an event, an alert);
        a heartbeat only refreshes last_seen and what the device shows."""
        device = self.hall.device(device_id)
        if device is None:
            raise HallError(404, "unknown_device", id=device_id)
        if actor is None:
            raise HallError(401, "login_required")
        if not (actor.device == device_id or actor.device_kind == "bridge" or actor.is_manager):
            raise HallError(403, "forbidden")

        def work(c):
            row = c.execute("SELECT * FROM devices WHERE id=?", (device_id,)).fetchone()
            changed = row is None or bool(row["online"]) != online or row["fault"] != fault
            c.execute("INSERT INTO devices (id, online, last_seen, shows, fault) VALUES (?,?,?,?,?) "
                      "ON CONFLICT (id) DO UPDATE SET online=excluded.online, last_seen=excluded.last_seen,"
                      " shows=COALESCE(excluded.shows, shows), fault=excluded.fault",
                      (device_id, 1 if online else 0, c.now, shows, fault))
            if changed:
                view = {"id": device_id, "kind": device.kind, "window": device.window, "online": online,
                        "fault": fault, "last_seen": iso(c.now, self.hall.timezone)}
                c.emit("device.changed", {"device": view}, public=False)
                if not online or fault:
                    alert_in(c, "printer" if device.kind == "printer" else "device_offline",
                             device_message(device, online, fault), device=device_id, fault=fault)
            return changed

        self.changes.run(work)
        return next(d for d in self.list() if d["id"] == device_id)

    def mark_silent(self, actor):
        """Devices that stopped reporting go offline (the background rhythm)."""
        now = self.clock.now()
        for row in self.store.query("SELECT id, last_seen FROM devices WHERE online=1"):
            device = self.hall.device(row["id"])
            if device and device.kind in REPORTING_KINDS and (row["last_seen"] or 0) < now - DEVICE_SILENCE:
                self.report(device.id, actor, online=False)

    def ack_call(self, event_id, device_id, shown, spoken, actor):
        """A board's word that it showed (and spoke) a call: recorded with its `call.acked` event, so
        consoles learn at once which board missed a call."""
        if actor is None or actor.role != "device" or actor.device != device_id:
            raise HallError(403, "forbidden")
        ack = {"event_id": event_id, "device": device_id, "shown": bool(shown), "spoken": bool(spoken)}

        def work(c):
            row = c.execute("SELECT type FROM events WHERE id=?", (event_id,)).fetchone()
            if row is None or row["type"] not in CALL_EVENTS:
                raise HallError(404, "unknown_event", id=event_id)
            c.execute("INSERT OR REPLACE INTO call_acks (event_id, device, at, shown, spoken) VALUES (?,?,?,?,?)",
                      (event_id, device_id, c.now, 1 if shown else 0, 1 if spoken else 0))
            was = c.execute("SELECT online, fault FROM devices WHERE id=?", (device_id,)).fetchone()
            c.execute("UPDATE devices SET online=1, last_seen=? WHERE id=?", (c.now, device_id))
            if was is not None and not was["online"]:
                device = self.hall.device(device_id)
                c.emit("device.changed", {"device": {"id": device_id, "kind": device.kind if device else None,
                                                     "window": device.window if device else None, "online": True,
                                                     "fault": was["fault"],
                                                     "last_seen": iso(c.now, self.hall.timezone)}}, public=False)
            c.emit("call.acked", {"ack": ack}, public=False)

        self.changes.run(work)
        return ack

    def acks(self, event_id):
        return [dict(r) for r in self.store.query("SELECT * FROM call_acks WHERE event_id=?", (event_id,))]
