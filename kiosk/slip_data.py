"""Slip dicts (what kiosk.printing renders) from the places hallq keeps them:
a ticket from the database (the hall's services on a read-only store), a
ticket from a running hub, a matter's 一次性告知 from the hall file."""
from __future__ import annotations

STATUS_NAMES = {"called": "已叫号", "serving": "办理中", "done": "已办结", "no_show": "过号",
                "cancelled": "已取消", "expired": "已过期", "transferred": "已转办"}


class TicketNotFound(LookupError):
    """The ticket, matter or database asked for is not there (message in Chinese)."""


def slip_from_db(hall, db_path, ref, now):
    """The ticket slip of ticket `ref` (an id, or today's number such as A012) from `db_path`
    (None: the default database), read from the
    database by the hall's own services on a read-only store: the same slip, people ahead and
    wait as the hub would give."""
    from hub.rules.clock import FixedClock
    from hub.rules.errors import HallError
    from hub.service import StoreMissing, StoreUnreadable, compose_read_only

    try:
        tickets = compose_read_only(hall, db_path, FixedClock(now)).tickets
        slip = tickets.slip(tickets.find(ref).id)
    except (StoreMissing, StoreUnreadable) as exc:
        raise TicketNotFound(str(exc)) from None
    except HallError as exc:
        if exc.key == "token_not_kept":  # issued before hashed tokens: no QR code to rebuild
            raise TicketNotFound(exc.message()) from None
        raise TicketNotFound(f"找不到号票 {str(ref).strip()} (按 ID 或今天的号码查找)") from None
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
    """The 一次性告知单 of a matter (and situation) named as on the command line."""
    from hub.service.slips import materials_slip

    matter = _pick(list(hall.matters), matter_ref, "事项", names=False)
    situation = None
    if situation_ref:
        situation = _pick(list(matter.situations), situation_ref, f"事项「{matter.name}」的情形", names=True)
    return materials_slip(hall, matter, situation, now)
