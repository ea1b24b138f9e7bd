"""Slip dicts (what kiosk.printing renders) from the places hallq keeps them:
a ticket from the database (read-only), a ticket from a running hub, a
matter's 一次性告知 from the hall file."""
from __future__ import annotations

import sqlite3
from pathlib import Path

STATUS_NAMES = {"called": "已叫号", "serving": "办理中", "done": "已办结", "no_show": "过号",
                "cancelled": "已取消", "expired": "已过期", "transferred": "已转办"}


class TicketNotFound(LookupError):
    """The ticket, matter or database asked for is not there (message in Chinese)."""


def open_readonly(db_path):
    """The hub's database opened read-only, so a reprint never writes it."""
    path = Path(db_path)
    if not path.is_file():
        raise TicketNotFound(f"数据库文件不存在: {db_path}")
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


class _ReadOnlyHall:
    """What hub.service.estimates needs of the hall service, over a read-only connection,
    so a reprint shows the same people ahead and wait as the hub would."""

    def __init__(self, hall, conn, now):
        from hub.rules.clock import FixedClock

        self.hall, self.conn, self.clock = hall, conn, FixedClock(now)
        self.store = self

    def query(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def _tickets(self, where):
        from hub.service.views import ticket_from_row
        return [ticket_from_row(r) for r in self.query(f"SELECT * FROM tickets WHERE {where}")]

    def waiting(self):
        return self._tickets("status='waiting'")

    def held(self):
        return self._tickets("status IN ('called','serving')")

    def window_rows(self):
        return {r["id"]: r for r in self.query("SELECT * FROM windows")}


def _find_ticket(hall, conn, ref, now):
    from hub.rules.clock import hall_date

    ref = str(ref).strip()
    if ref.isdigit():
        row = conn.execute("SELECT * FROM tickets WHERE id=?", (int(ref),)).fetchone()
    else:
        row = conn.execute("SELECT * FROM tickets WHERE day=? AND number=? ORDER BY id DESC",
                           (hall_date(now, hall.timezone), ref.upper())).fetchone()
    if row is None:
        raise TicketNotFound(f"找不到号票 {ref} (按 ID 或今天的号码查找)")
    return row


def slip_from_db(hall, db_path, ref, now):
    """The ticket slip of ticket `ref` (an id, or today's number such as A012)."""
    from hub.service.estimates import Estimates
    from hub.service.views import materials_of, serve_kinds, ticket_from_row, ticket_public

    try:
        conn = open_readonly(db_path)
        try:
            row = _find_ticket(hall, conn, ref, now)
            ro = _ReadOnlyHall(hall, conn, now)
            ticket = ticket_from_row(row)
            ahead, eta, eta_range = Estimates(ro).for_ticket(ticket)
            numbers = {w.id: w.number for w in hall.windows}
            slip = ticket_public(hall, ticket, numbers, ahead, eta, eta_range)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise TicketNotFound(f"无法读取数据库 {db_path}: {exc}") from None
    tidal = {q for w in hall.windows if w.kind in ("comprehensive", "professional") for q in w.profile}
    queue = hall.queue(ticket.queue)
    slip.update(hall=hall.name, queue_name=queue.name if queue else ticket.queue,
                materials=materials_of(hall, ticket.matter, ticket.situation),
                status_url=f"{hall.public_url.rstrip('/')}/t/{ticket.token}",
                serve_kinds=serve_kinds(hall, ticket.queue, tidal))
    _note_status(slip)
    return slip


def _note_status(slip):
    """A reprint of a ticket no longer waiting says so instead of a wait."""
    status = slip.get("status")
    if status and status != "waiting":
        slip["ahead"] = slip["eta_minutes"] = slip["eta_range_minutes"] = None
        note = STATUS_NAMES.get(status, status)
        if slip.get("window_number"):
            note += f"（{slip['window_number']} 号窗口）"
        slip["status_note"] = note


def slip_from_hub(hub_url, ref, key, timeout=10):
    """The ticket slip from a running hub (GET /api/tickets/<id>/slip)."""
    from hub.client.http import HubError, HubHttp, HubUnreachable

    http = HubHttp(hub_url, key=key, timeout=timeout)
    ref = str(ref).strip()
    try:
        if not ref.isdigit():
            try:
                ref = str(http.get("/api/tickets", params={"number": ref})["id"])
            except HubError as exc:
                raise TicketNotFound(f"找不到号票 {ref}: {exc.message}") from None
        slip = http.get(f"/api/tickets/{ref}/slip")
    except HubUnreachable as exc:
        raise TicketNotFound(f"无法连接 hub {hub_url}: {exc}") from None
    except HubError as exc:
        raise TicketNotFound(f"hub 拒绝了号票 {ref} 的打印请求: {exc.message}") from None
    _note_status(slip)
    return slip


def _pick(items, ref, what, names):
    ref = (ref or "").strip()
    found = next((x for x in items if x.id == ref or x.name == ref), None)
    if found is None:
        choices = "、".join(f"{x.id} {x.name}" for x in items[:12])
        raise TicketNotFound(f"找不到{what} {ref!r}" + (f"，可选: {choices}" if names else ""))
    return found


def materials_slip_data(hall, matter_ref, situation_ref, now):
    """The 一次性告知单 of a matter (and situation) from the hall file."""
    from hub.rules.clock import local

    matter = _pick(list(hall.matters), matter_ref, "事项", names=False)
    situation = None
    if situation_ref:
        situation = _pick(list(matter.situations), situation_ref, f"事项「{matter.name}」的情形", names=True)
    return {
        "kind": "materials", "hall": hall.name, "matter_name": matter.name,
        "situation_name": situation.name if situation else None,
        "department": matter.department, "mode": matter.mode, "promised_days": matter.promised_days,
        "conditions": matter.conditions,
        "materials": list(situation.materials if situation else matter.materials),
        "printed_at": local(now, hall.timezone).isoformat(timespec="seconds"),
    }
