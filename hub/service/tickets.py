"""Tickets: taking one at the kiosk (or the guide desk), reading one by id,
number or token, cancelling, and the views a citizen reads (slip, phone page)."""
from __future__ import annotations

import json

from hub.rules import ticket_tokens
from hub.rules import tickets as rules
from hub.rules.clock import hall_date, within_hours
from hub.rules.errors import HallError
from hub.service import ticket_rows as rows_
from hub.service.views import (in_english, materials_of, serve_kinds, ticket_from_row, ticket_public,
                               window_numbers)


class Tickets:
    def __init__(self, hall, store, clock, changes, estimates, tidal_queues, ratings, cases):
        self.hall, self.store, self.clock, self.changes = hall, store, clock, changes
        self.estimates, self.tidal_queues = estimates, tidal_queues
        self.ratings, self.cases = ratings, cases
        self.numbers = window_numbers(hall)

    # reading ------------------------------------------------------------------
    def get(self, ticket_id):
        with self.store.reading() as conn:
            return rows_.load(conn, ticket_id)

    def by_token(self, token):
        if not isinstance(token, str) or len(token) < 16:
            raise HallError(404, "bad_token")
        row = self.store.query_one("SELECT * FROM tickets WHERE token_hash=?", (ticket_tokens.digest(token),))
        if row is None:
            raise HallError(404, "bad_token")
        return ticket_from_row(row)

    def by_number(self, number, day=None):
        day = day or hall_date(self.clock.now(), self.hall.timezone)
        row = self.store.query_one("SELECT * FROM tickets WHERE day=? AND number=? ORDER BY id DESC",
                                   (day, number.upper()))
        if row is None:
            raise HallError(404, "unknown_ticket", id=number)
        return ticket_from_row(row)

    def find(self, ref):
        """A ticket by id (digits) or by today's number (A012)."""
        ref = str(ref).strip()
        return self.get(int(ref)) if ref.isdigit() else self.by_number(ref)

    def view(self, t):
        ahead, eta, eta_range = self.estimates.for_ticket(t)
        return ticket_public(self.hall, t, self.numbers, ahead, eta, eta_range)

    def status_url(self, token):
        return f"{self.hall.public_url.rstrip('/')}/t/{token}"

    def token_of(self, t):
        """The ticket's token, rebuilt from the hub's key (only its hash is kept); a ticket from
        before hashed tokens has none to rebuild: 409 token_not_kept."""
        token = rows_.token_of(self.store.token_key, t)
        if token is None:
            raise HallError(409, "token_not_kept", number=t.number)
        return token

    def reply_to_keep(self, body):
        """An answer as the idempotency table keeps it: an issued ticket's without its token."""
        data = _json_dict(body)
        if data is None or not {"id", "token", "status_url"} <= data.keys():
            return body
        data.pop("status_url")
        data["token"] = None
        return json.dumps(data, ensure_ascii=False)

    def replayed(self, body):
        """A kept answer as it is replayed: an issued ticket's token rebuilt."""
        data = _json_dict(body)
        if data is None or not ("id" in data and "token" in data and data["token"] is None):
            return body
        data["token"] = self.token_of(self.get(data["id"]))
        data["status_url"] = self.status_url(data["token"])
        return json.dumps(data, ensure_ascii=False)

    def phone_view(self, token):
        """The phone page's view: the ticket, its materials, whether it may still be rated, its case."""
        t = self.by_token(token)
        view = self.view(t)
        view["materials"] = materials_of(self.hall, t.matter, t.situation)
        view["materials_en"] = in_english(self.hall, view["materials"])
        view["rating"] = self.ratings.state(t)
        view["case"] = self.cases.for_ticket(t.id)
        return view

    def slip(self, ticket_id):
        """Everything a printed slip shows, the status URL included."""
        t = self.get(ticket_id)
        view = self.view(t)
        matter = self.hall.matter(t.matter)
        queue = self.hall.queue(t.queue)
        view.update(hall=self.hall.name, hall_en=self.hall.name_en, queue_name=queue.name if queue else t.queue,
                    materials=materials_of(self.hall, t.matter, t.situation),
                    status_url=self.status_url(self.token_of(t)),
                    serve_kinds=serve_kinds(self.hall, t.queue, self.tidal_queues),
                    conditions=matter.conditions if matter else "", paper_mm=self.hall.paper_mm)
        return view

    # changing -----------------------------------------------------------------
    def issue(self, matter_id, situation=None, priority="normal", actor=None, printer=None, due_at=None,
              desk_note=None):
        """A new ticket. `desk_note`: the guide desk's reason (green channel, help, appointment
        code), audited as `kiosk.<priority>` with the ticket."""
        matter = self.hall.matter(matter_id) if isinstance(matter_id, str) else None
        if matter is None:
            raise HallError(404 if isinstance(matter_id, str) else 422, "unknown_matter", id=matter_id)
        if situation is not None and matter.situation(situation) is None:
            raise HallError(422, "unknown_situation", matter=matter.id, id=situation)
        if priority not in rules.PRIORITIES:
            raise HallError(422, "bad_field", field="priority", why=("须为 normal/green/appointment/help", "must be normal/green/appointment/help"))
        if priority != "normal" and not (actor and actor.is_staff):
            raise HallError(403, "green_needs_staff")
        self.check_open()
        queue = self._help_queue() if priority == "help" else matter.queue

        def work(c):
            due = c.now if due_at is None and priority == "appointment" else due_at
            t = rows_.insert(c, c.now, self.hall.timezone, queue, matter.id, situation, priority, due)
            # staff and devices get each ticket taken; the public gets the counts (live.QueueFeed)
            c.emit("ticket.issued", {"ticket": ticket_public(self.hall, t, self.numbers), "printer": printer},
                   ticket_id=t.id, public=False)
            if actor and actor.is_staff:
                c.audit(actor, "ticket.issue", t.number, priority)
                if desk_note is not None:
                    c.audit(actor, f"kiosk.{priority}", t.number, desk_note)
            return t

        return self.issued_view(self.changes.run(work))

    def issued_view(self, t, materials=None):
        """What the kiosk gets back for a new ticket: with its token and materials."""
        view = self.view(t)
        materials = materials if materials is not None else materials_of(self.hall, t.matter, t.situation)
        token = self.token_of(t)
        view.update(token=token, status_url=self.status_url(token),
                    materials=materials, materials_en=in_english(self.hall, materials),
                    serve_kinds=serve_kinds(self.hall, t.queue, self.tidal_queues))
        return view

    def check_open(self):
        hours = self.hall.hours
        if hours.enforce and not within_hours(self.clock.now(), self.hall.timezone, hours.periods, self.hall.calendar):
            raise HallError(409, "hall_closed", hours=", ".join(f"{a}-{b}" for a, b in hours.periods))

    def _help_queue(self):
        for w in self.hall.windows:
            if w.kind == "help" and w.profile:
                return next(iter(w.profile))
        raise HallError(422, "bad_field", field="priority", why=("本大厅没有帮办代办窗口", "this hall has no help window"))

    def cancel(self, ticket_id, actor, token=None):
        def work(c):
            t = rows_.load(c, ticket_id)
            if not (actor and actor.is_staff) and not ticket_tokens.matches(token, t.token_hash):
                raise HallError(403, "bad_token")
            t = rows_.apply(rules.cancel, t, c.now)
            rows_.save(c, t)
            c.emit("ticket.cancelled", {"ticket": ticket_public(self.hall, t, self.numbers)}, ticket_id=t.id)
            if actor and actor.is_staff:
                c.audit(actor, "ticket.cancel", t.number)
            return t
        return self.view(self.changes.run(work))


def _json_dict(body):
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
