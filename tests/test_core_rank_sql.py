"""People ahead are counted by SQLite (hub/service/estimates.py RANK_SQL) for
speed; this proves that count is exactly the Python rule, routing's own order,
over random waiting lines: green channel, transfers, appointments due or not,
equal and future issue times, and any weight the window gives the queue."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from hub.hallfile.model import load_hall
from hub.rules import routing
from hub.rules.clock import FixedClock
from hub.service.estimates import Estimates
from hub.service.views import ticket_from_row
from hub.store.database import Store

HALL = load_hall(None)
QUEUES = [q.id for q in HALL.queues][:2]
MATTER = {q: next(m.id for m in HALL.matters if m.queue == q) for q in QUEUES}
NOW = 1_800_000_000.0
WINDOW = "w1"

ticket = st.fixed_dictionaries({
    "queue": st.sampled_from(QUEUES),
    "priority": st.sampled_from(("normal", "green", "appointment", "help")),
    "since": st.integers(-5, 5).map(lambda k: NOW + 60.0 * k),  # few values: ties are frequent
    "due": st.one_of(st.none(), st.integers(-3, 3).map(lambda k: NOW + 60.0 * k)),
    "transferred": st.booleans(),
})


def waiting_line(specs):
    store = Store(":memory:")
    with store.transaction() as conn:
        for i, s in enumerate(specs, start=1):
            conn.execute(
                "INSERT INTO tickets (day, queue, first_queue, seq, number, matter, priority, status, token_hash,"
                " issued_at, first_issued_at, due_at, target_window) VALUES (?,?,?,?,?,?,?, 'waiting', ?,?,?,?,?)",
                ("2027-01-15", s["queue"], s["queue"], i, f"{s['queue']}{i:03d}", MATTER[s["queue"]], s["priority"],
                 f"token-{i:020d}", s["since"], s["since"], s["due"], WINDOW if s["transferred"] else None))
    return store, [ticket_from_row(r) for r in store.query("SELECT * FROM tickets ORDER BY id")]


def candidate(t):
    return routing.Candidate(id=t.id, queue=t.queue, since=t.first_issued_at, priority=t.priority,
                             due_at=t.due_at, target_window=t.target_window)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(ticket, min_size=1, max_size=25), weight=st.floats(0.05, 100))
def test_people_ahead_counted_in_sql_follow_the_routing_order(specs, weight):
    store, tickets = waiting_line(specs)
    estimates = Estimates(HALL, store, FixedClock(NOW))
    for t in tickets:
        mine = routing.queue_order_key(candidate(t), NOW)
        expected = sum(1 for o in tickets if o.queue == t.queue and o.id != t.id
                       and routing.queue_order_key(candidate(o), NOW) < mine)
        assert estimates.for_ticket(t)[0] == expected, t
    for queue in QUEUES:
        line = [t for t in tickets if t.queue == queue]
        if not line:
            continue
        head = next(t for t in line if estimates.for_ticket(t)[0] == 0)
        chosen = routing.next_ticket({queue: weight}, map(candidate, line), NOW, WINDOW)
        assert chosen.id == head.id  # the SQL head of a line is what the window calls
    store.close()
