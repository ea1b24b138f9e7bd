"""The hub-client library against a real hub: a client that drops off and
comes back has seen every event exactly once, in order, and the missed ones
are marked as replayed. Plus the ordering rule on its own (hub.client.sequence)."""
import threading

from hub.client.http import HubError, HubHttp, HubUnreachable
from hub.client.link import HubLink, retry_delay
from hub.client.sequence import Sequencer
from hubproc import wait_for


class Seen:
    """What a client of the link got: snapshots and events, in the order handed on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []  # ("snapshot", event_id) or (name, event_id, replay)

    def snapshot(self, data):
        with self.lock:
            self.items.append(("snapshot", data.get("event_id")))

    def event(self, name, data):
        with self.lock:
            self.items.append((name, data.get("event_id"), bool(data.get("replay"))))

    def events(self):
        with self.lock:
            return [item for item in self.items if item[0] != "snapshot" and item[1] is not None]

    def event_ids(self):
        return [item[1] for item in self.events()]


def some_work(http, clerk, tickets=3):
    """Tickets issued and called at window 1: several events each."""
    for _ in range(tickets):
        http.post("/api/tickets", {"matter": "m03"})
    for _ in range(tickets):
        http.post("/api/windows/w1/call-next", key=clerk)
        http.post("/api/windows/w1/finish", {"outcome": "done"}, key=clerk)


def all_events_after(http, manager, after):
    return [e["event_id"] for e in http.get("/api/events", key=manager, params={"after": after, "limit": 1000})]


def test_a_client_back_from_a_drop_has_seen_every_event_once_and_in_order(hub):
    http = HubHttp(hub.url)
    manager = http.login("manager", "2222")
    clerk = HubHttp(hub.url).login("clerk1", "1111", "w1")
    seen = Seen()
    link = HubLink(hub.url, token=manager, on_snapshot=seen.snapshot, on_event=seen.event).connect(15)
    try:
        first = seen.items[0]
        assert first[0] == "snapshot"
        some_work(http, clerk)
        assert wait_for(lambda: seen.event_ids() == all_events_after(http, manager, first[1]))
        before = len(seen.events())
        link.stop()  # away: the hall goes on without this client
        some_work(http, clerk)
        missed = all_events_after(http, manager, seen.event_ids()[-1])
        assert missed
        link.start()  # back: resume {"after": N}
        assert wait_for(lambda: len(seen.events()) >= before + len(missed))
        some_work(http, clerk, tickets=1)  # and live again after the resume
        everything = all_events_after(http, manager, first[1])
        assert wait_for(lambda: seen.event_ids() == everything)
        replayed = [e for e in seen.events()[before:before + len(missed)]]
        assert [e[1] for e in replayed] == missed and all(e[2] for e in replayed)
        assert not any(e[2] for e in seen.events()[before + len(missed):])
        assert link.last_event_id == everything[-1]
    finally:
        link.stop()


def test_a_client_follows_the_hub_through_a_restart_without_losing_or_repeating_events(hub):
    http = HubHttp(hub.url)
    manager = http.login("manager", "2222")
    seen = Seen()
    link = HubLink(hub.url, token=manager, on_snapshot=seen.snapshot, on_event=seen.event,
                   backoff=(0.2, 1.0)).connect(15)
    try:
        start = seen.items[0][1]
        clerk = HubHttp(hub.url).login("clerk1", "1111", "w1")
        some_work(http, clerk, tickets=2)
        hub.restart()  # a dropped connection, then work that may land before or after the client is back
        clerk = HubHttp(hub.url).login("clerk1", "1111", "w1")
        some_work(http, clerk, tickets=2)
        assert wait_for(lambda: link.connected.is_set(), timeout=20)
        some_work(http, clerk, tickets=1)
        everything = all_events_after(http, manager, start)
        assert wait_for(lambda: seen.event_ids() == everything, timeout=20), (seen.event_ids(), everything)
    finally:
        link.stop()


def test_refusals_carry_the_hubs_error_and_an_absent_hub_is_unreachable(hub):
    http = HubHttp(hub.url)
    try:
        http.post("/api/tickets", {"matter": "no-such-matter"})
    except HubError as exc:
        assert exc.status == 404 and exc.code == "unknown_matter" and exc.message
    else:
        raise AssertionError("an unknown matter was accepted")
    try:
        HubHttp("http://127.0.0.1:9", timeout=(0.5, 0.5)).get("/api/health")
    except HubUnreachable as exc:
        assert "127.0.0.1:9" in str(exc)
    else:
        raise AssertionError("a closed port answered")


# the rule alone ------------------------------------------------------------------
def ev(event_id, replay=False):
    return {"event_id": event_id, "replay": replay} if replay else {"event_id": event_id}


def names(items):
    return [(n, d.get("event_id"), bool(d.get("replay"))) for n, d in items]


def test_nothing_is_handed_on_before_the_first_snapshot_and_older_events_are_dropped():
    seq = Sequencer()
    seq.add("ticket.called", ev(9), 0.0)
    seq.add("ticket.called", ev(11), 0.0)
    assert seq.ready(0.0) == []
    seq.add("snapshot", {"event_id": 10}, 0.0)
    assert names(seq.ready(0.0)) == [("snapshot", 10, False), ("ticket.called", 11, False)]
    seq.add("ticket.called", ev(11), 0.1)
    seq.add("ticket.called", ev(8), 0.1)
    assert seq.ready(0.1) == []


def test_an_event_that_overtook_its_predecessor_waits_for_it_briefly():
    seq = Sequencer(reorder_wait=0.05)
    seq.add("snapshot", {"event_id": 10}, 0.0)
    seq.ready(0.0)
    seq.add("a", ev(12), 1.0)
    assert seq.ready(1.0) == []  # 11 may be on another thread
    seq.add("b", ev(11), 1.01)
    assert names(seq.ready(1.01)) == [("b", 11, False), ("a", 12, False)]
    seq.add("c", ev(14), 2.0)  # 13 never comes (a staff-only event on the public stream)
    assert seq.ready(2.01) == [] and names(seq.ready(2.06)) == [("c", 14, False)]


def test_after_a_drop_the_replay_comes_before_the_snapshot_and_live_events_after_it():
    seq = Sequencer(reorder_wait=0.05, resume_wait=5.0)
    seq.add("snapshot", {"event_id": 10}, 0.0)
    seq.ready(0.0)
    seq.dropped()
    seq.add("snapshot", {"event_id": 13}, 1.0)  # the hub's snapshot on connect
    assert seq.connected(1.0) == 10  # resume {"after": 10}
    seq.add("x", ev(14), 1.01)  # live, before the replay
    for i in (11, 12, 13, 14):
        seq.add("x", ev(i, replay=True), 1.02)
    assert seq.ready(1.03) == []  # held until the hub answered the resume
    seq.answered(1.03)
    assert names(seq.ready(1.09)) == [("x", 11, True), ("x", 12, True), ("x", 13, True),
                                       ("snapshot", 13, False), ("x", 14, False)]
    assert seq.last == 14


def test_a_resume_the_hub_never_answers_ends_after_a_while():
    seq = Sequencer(resume_wait=5.0)
    seq.add("snapshot", {"event_id": 10}, 0.0)
    seq.ready(0.0)
    seq.dropped()
    assert seq.connected(1.0) == 10
    seq.add("snapshot", {"event_id": 700}, 1.0)  # too much missed: the hub sent a snapshot instead
    assert seq.ready(3.0) == []
    assert names(seq.ready(6.0)) == [("snapshot", 700, False)]


def test_the_sequencers_buffers_are_bounded():
    from hub.client import sequence

    seq = Sequencer()
    for i in range(sequence.MAX_PENDING * 2):
        seq.add("x", ev(i + 2), 0.0)  # all waiting for id 1, which never comes
        seq.add("queues.changed", {"queues": []}, 0.0)
    assert len(seq.pending) == sequence.MAX_PENDING and len(seq.plain) == sequence.MAX_PLAIN


def test_one_percentile_interpolates_between_ranks():
    from hub.rules.stats import percentile

    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile([1, 2, 3], 99) == 2.98
    assert percentile([], 50) is None
    assert percentile([7], 99) == 7


def test_after_a_drop_the_first_retries_come_fast_and_the_waits_grow_to_the_longest():
    low, high = (lambda: 0.0), (lambda: 1.0)  # the ends of the jitter
    assert 0.15 <= retry_delay(0, rand=low) < retry_delay(0, rand=high) <= 0.25
    tries, waited = 0, 0.0
    while waited + retry_delay(tries, rand=high) <= 2.0:
        waited += retry_delay(tries, rand=high)
        tries += 1
    assert tries >= 4  # even at the slow end of the jitter: a hub back within a second is found soon after
    assert [round(retry_delay(n, rand=lambda: 0.5), 3) for n in range(3)] == [0.2, 0.25, 0.312]
    assert retry_delay(100, backoff=(0.2, 5.0), rand=lambda: 0.5) == 5.0
