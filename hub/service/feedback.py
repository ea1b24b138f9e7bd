"""Ratings (好差评) and their follow-ups, devices and their health, alerts,
and the boards' acknowledgements of calls."""
from __future__ import annotations

import json
from datetime import date

from hub.rules.clock import hall_date, iso
from hub.rules.errors import HallError
from hub.rules.workdays import add_working_days

FOLLOWUP_MOVES = {  # action -> (states it may come from, state it leads to)
    "contact": (("open",), "contacted"),
    "rectify": (("open", "contacted"), "rectified"),
    "appeal": (("open", "contacted"), "appealed"),
    "close": (("open", "contacted", "rectified", "appealed"), "closed"),
}


def valid_score(score):
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise HallError(422, "bad_score")
    return score


class Feedback:
    # ratings ----------------------------------------------------------------
    def rate_at_window(self, window_id, score, actor):
        """A press on the window's rating pad: rates the ticket last finished there."""
        window = self.hall.window(window_id)
        if window is None:
            raise HallError(404, "unknown_window", id=window_id)
        if actor is None:
            raise HallError(401, "login_required")
        if not (actor.role == "device" and actor.device_kind == "pad" and actor.window == window_id):
            raise HallError(403, "forbidden")
        valid_score(score)

        def work(conn, now, emit):
            row = conn.execute("SELECT last_finished FROM windows WHERE id=?", (window_id,)).fetchone()
            if row is None or row["last_finished"] is None:
                raise HallError(409, "nothing_to_rate")
            return self._rate(conn, now, emit, self._ticket(conn, row["last_finished"]), score, actor, "pad")

        return self._commit(work)

    def rate_by_token(self, ticket_id, token, score, actor=None):
        valid_score(score)

        def work(conn, now, emit):
            t = self._ticket(conn, ticket_id)
            if not isinstance(token, str) or token != t.token:
                raise HallError(403, "bad_token")
            return self._rate(conn, now, emit, t, score, actor, "phone")

        return self._commit(work)

    def _rate(self, conn, now, emit, t, score, actor, source):
        if t.status != "done":
            raise HallError(409, "nothing_to_rate")
        if conn.execute("SELECT 1 FROM ratings WHERE ticket_id=?", (t.id,)).fetchone():
            raise HallError(409, "already_rated")
        if now - (t.finished_at or now) > self.hall.rules.rating_minutes * 60:
            raise HallError(409, "rating_expired")
        conn.execute("INSERT INTO ratings (ticket_id, score, at, source, window, clerk) VALUES (?,?,?,?,?,?)",
                     (t.id, score, now, source, t.window, t.clerk))
        followup = deadline = None
        if score <= 2:
            followup = self._open_followup(conn, now, t, score)
            deadline = conn.execute("SELECT deadline FROM followups WHERE id=?", (followup,)).fetchone()[0]
        emit("rating.received", {"ticket": {"id": t.id, "number": t.number, "queue": t.queue},
                                 "window": {"id": t.window, "number": self.window_numbers.get(t.window)},
                                 "score": score, "source": source, "followup": followup,
                                 "followup_deadline": deadline},  # the county counts overdue follow-ups
             ticket_id=t.id, window_id=t.window, public=False)
        return {"ticket": t.id, "score": score, "followup": followup}

    # follow-ups (差评回访整改) -------------------------------------------------------
    def _open_followup(self, conn, now, t, score):
        today = date.fromisoformat(hall_date(now, self.hall.timezone))
        deadline = add_working_days(today, self.hall.rules.followup_working_days, self.hall.calendar)
        history = [{"at": iso(now, self.hall.timezone), "action": "open", "user": "system",
                    "note": f"评价 {score} 分"}]
        cur = conn.execute("INSERT INTO followups (ticket_id, score, state, opened_at, deadline, history) "
                           "VALUES (?,?,?,?,?,?)", (t.id, score, "open", now, deadline.isoformat(),
                                                    json.dumps(history, ensure_ascii=False)))
        return cur.lastrowid

    def followups(self, state=None):
        today = hall_date(self.clock.now(), self.hall.timezone)
        rows = self.store.query(
            "SELECT f.*, t.number, t.matter, t.window, t.clerk FROM followups f "
            "JOIN tickets t ON t.id = f.ticket_id ORDER BY f.deadline, f.id")
        out = []
        for r in rows:
            if state and r["state"] != state:
                continue
            out.append({"id": r["id"], "ticket": {"id": r["ticket_id"], "number": r["number"],
                                                  "matter": r["matter"], "window": r["window"], "clerk": r["clerk"]},
                        "score": r["score"], "state": r["state"], "opened_at": iso(r["opened_at"], self.hall.timezone),
                        "deadline": r["deadline"], "overdue": r["state"] != "closed" and r["deadline"] < today,
                        "history": json.loads(r["history"])})
        return out

    def followup_action(self, followup_id, action, note, actor):
        self.check_manager(actor)
        if action not in FOLLOWUP_MOVES:
            raise HallError(422, "bad_field", field="action", why="须为 contact/rectify/close/appeal")
        if not isinstance(note, str) or not note.strip():
            raise HallError(422, "missing_field", field="note")
        sources, target = FOLLOWUP_MOVES[action]

        def work(conn, now, emit):
            row = conn.execute("SELECT * FROM followups WHERE id=?", (followup_id,)).fetchone()
            if row is None:
                raise HallError(404, "unknown_ticket", id=followup_id)
            if row["state"] not in sources:
                raise HallError(409, "bad_field", field="action",
                                why=f"回访当前为 {row['state']}, 不能执行 {action}")
            history = json.loads(row["history"]) + [{"at": iso(now, self.hall.timezone), "action": action,
                                                     "user": actor.audit_name, "note": note.strip()[:2000]}]
            conn.execute("UPDATE followups SET state=?, history=? WHERE id=?",
                         (target, json.dumps(history, ensure_ascii=False), followup_id))
            self._audit(conn, now, actor, f"followup.{action}", str(followup_id), note.strip()[:200])
            emit("followup.changed", {"followup": {"id": followup_id, "state": target}}, public=False)
            return followup_id

        self._commit(work)
        return next(f for f in self.followups() if f["id"] == followup_id)

    # devices -------------------------------------------------------------------------
    def devices(self, setup=False):
        """The hall's devices and their state; with `setup` (a manager asks), each kiosk's setup
        address, which carries its key: opened once on the kiosk, the page keeps the key."""
        rows = {r["id"]: r for r in self.store.query("SELECT * FROM devices")}
        out = []
        for d in self.hall.devices:
            r = rows.get(d.id)
            out.append({"id": d.id, "kind": d.kind, "window": d.window,
                        "online": bool(r and r["online"]), "last_seen": iso(r["last_seen"], self.hall.timezone) if r else None,
                        "shows": r["shows"] if r else None, "fault": r["fault"] if r else None})
            if setup and d.kind == "kiosk":
                out[-1]["setup_url"] = f"{self.hall.public_url.rstrip('/')}/kiosk?key={d.key}"
        return out

    def device_status(self, device_id, actor, online=True, shows=None, fault=None):
        device = self.hall.device(device_id)
        if device is None:
            raise HallError(404, "unknown_device", id=device_id)
        if actor is None:
            raise HallError(401, "login_required")
        if not (actor.device == device_id or actor.device_kind == "bridge" or actor.is_manager):
            raise HallError(403, "forbidden")

        def work(conn, now, emit):
            row = conn.execute("SELECT * FROM devices WHERE id=?", (device_id,)).fetchone()
            changed = row is None or bool(row["online"]) != online or row["fault"] != fault
            conn.execute("INSERT INTO devices (id, online, last_seen, shows, fault) VALUES (?,?,?,?,?) "
                         "ON CONFLICT (id) DO UPDATE SET online=excluded.online, last_seen=excluded.last_seen,"
                         " shows=COALESCE(excluded.shows, shows), fault=excluded.fault",
                         (device_id, 1 if online else 0, now, shows, fault))
            if changed:
                view = {"id": device_id, "kind": device.kind, "window": device.window, "online": online,
                        "fault": fault, "last_seen": iso(now, self.hall.timezone)}
                emit("device.changed", {"device": view}, public=False)
                if not online or fault:
                    self._alert(emit, "printer" if device.kind == "printer" else "device_offline",
                                device_message(device, online, fault), device=device_id, fault=fault)
            return changed

        self._commit(work)
        return next(d for d in self.devices() if d["id"] == device_id)

    def _alert(self, emit, kind, message, **extra):
        emit("alert", {"kind": kind, "message": message, **extra}, public=False)

    def alert(self, kind, message, **extra):
        self._commit(lambda conn, now, emit: self._alert(emit, kind, message, **extra))

    def ack_call(self, event_id, device_id, shown, spoken, actor):
        if actor is None or actor.role != "device" or actor.device != device_id:
            raise HallError(403, "forbidden")

        def work(conn, now, emit):
            row = conn.execute("SELECT type FROM events WHERE id=?", (event_id,)).fetchone()
            if row is None or row["type"] not in ("ticket.called", "ticket.recalled"):
                raise HallError(404, "unknown_event", id=event_id)
            conn.execute("INSERT OR REPLACE INTO call_acks (event_id, device, at, shown, spoken) VALUES (?,?,?,?,?)",
                         (event_id, device_id, now, 1 if shown else 0, 1 if spoken else 0))
            conn.execute("UPDATE devices SET online=1, last_seen=? WHERE id=?", (now, device_id))

        with self.store.transaction() as conn:
            work(conn, self.clock.now(), None)
        return {"event_id": event_id, "device": device_id, "shown": bool(shown), "spoken": bool(spoken)}

    def call_acks(self, event_id):
        return [dict(r) for r in self.store.query("SELECT * FROM call_acks WHERE event_id=?", (event_id,))]


KIND_TEXT = {"bar": "窗口屏", "keypad": "呼叫器", "pad": "评价器", "printer": "打印机", "board": "综合屏",
             "bridge": "串口桥"}
FAULT_TEXT = {"paper_out": "缺纸", "paper_near_end": "纸将用尽", "cover_open": "纸仓盖打开",
              "offline": "脱机", "unplugged": "未连接"}


def device_message(device, online, fault):
    what = f"{KIND_TEXT.get(device.kind, device.kind)} {device.id}"
    if fault:
        return f"{what} 故障: {FAULT_TEXT.get(fault, fault)}"
    return f"{what} 离线" if not online else f"{what} 恢复在线"
