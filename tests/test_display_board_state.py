"""What a board shows, from the hub's snapshot and events (pure, no sockets)."""
from datetime import datetime, timezone

import pytest

from display.board_state import FLASH_SECONDS, BoardState, Filter, board_view, parse_windows

WALL = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def window(n, floor="1", state="open", queues=("A",)):
    return {"id": f"w{n}", "number": n, "name": f"{n}号综合受理窗口", "state": state, "floor": floor,
            "queues": list(queues), "ticket": None}


def call(event_id, number, n, recall=False):
    return {"event_id": event_id, "at": "2026-11-26T09:00:00+08:00",
            "ticket": {"id": event_id, "number": number, "queue": number[0]},
            "window": {"id": f"w{n}", "number": n, "name": f"{n}号窗口"}, "recall": recall}


def called(event_id, number, n, **extra):
    return dict({"event_id": event_id, "type": "ticket.called", "at": "2026-11-26T09:00:00+08:00",
                 "ticket": {"id": event_id, "number": number, "queue": number[0], "status": "called"},
                 "window": window(n), "call": call(event_id, number, n)}, **extra)


def snapshot(event_id=10, calls=(), notice="欢迎"):
    return {"event_id": event_id, "hall": {"name": "清河镇便民服务中心", "name_en": "Qinghe", "notice": notice},
            "queues": [{"id": "A", "name": "社保医保", "name_en": "Insurance", "waiting": 2},
                       {"id": "D", "name": "专业业务", "waiting": 1}],
            "windows": [window(1), window(2), window(7, floor="2", queues=("D",))],
            "calls": list(calls), "now": "2026-11-26T09:00:00+08:00"}


def test_a_live_call_is_new_flashes_and_leads_the_board():
    state = BoardState()
    state.load_snapshot(snapshot(calls=[call(9, "A001", 1)]))
    new = state.apply("ticket.called", called(11, "A002", 2, queues=[{"id": "A", "waiting": 1}]), now=100.0)
    assert new["ticket"]["number"] == "A002"
    view = board_view(state, 100.0, WALL)
    assert view["newest"]["number"] == "A002" and view["newest"]["flashing"]
    assert view["newest"]["to"] == "请到 2 号窗口"
    assert [c["number"] for c in view["history"]] == ["A001"]
    assert {q["id"]: q["waiting"] for q in view["queues"]} == {"A": 1, "D": 1}
    assert {w["number"]: w["ticket"] for w in view["windows"]} == {1: "A001", 2: "A002", 7: None}
    assert not board_view(state, 100.0 + FLASH_SECONDS + 1, WALL)["newest"]["flashing"]


def test_calls_from_a_snapshot_or_a_replay_are_history_never_new():
    state = BoardState()
    state.load_snapshot(snapshot(calls=[call(9, "A001", 1)]))
    assert not board_view(state, 0.0, WALL)["newest"]["flashing"]
    state.apply("ticket.called", called(10 + 1, "A002", 2), now=1.0)
    replayed = called(12, "A003", 1, replay=True)
    assert state.apply("ticket.called", replayed, now=2.0, live=False) is None
    view = board_view(state, 2.0, WALL)
    assert view["newest"]["number"] == "A002"  # the last call seen live keeps the big slot
    assert [c["number"] for c in view["history"]] == ["A003", "A001"]


def test_a_snapshot_after_a_drop_names_the_calls_the_board_missed():
    state = BoardState()
    state.load_snapshot(snapshot(event_id=10, calls=[call(9, "A001", 1)]))
    missed = state.load_snapshot(snapshot(event_id=14, calls=[call(13, "A003", 2), call(12, "A002", 1),
                                                              call(9, "A001", 1)]))
    assert [c["ticket"]["number"] for c in missed] == ["A003", "A002"]
    assert state.flash is None
    view = board_view(state, 0.0, WALL)
    assert view["newest"]["number"] == "A001" and not view["newest"]["flashing"]
    assert [c["number"] for c in view["history"]] == ["A003", "A002"]


def test_a_fresh_board_shows_the_halls_newest_call_without_flashing():
    state = BoardState()
    state.load_snapshot(snapshot(calls=[call(9, "A002", 2), call(8, "A001", 1)]))
    view = board_view(state, 0.0, WALL)
    assert view["newest"]["number"] == "A002" and not view["newest"]["flashing"]
    assert [c["number"] for c in view["history"]] == ["A001"]


def test_repeated_and_stale_events_change_nothing():
    state = BoardState()
    assert state.apply("ticket.called", called(5, "A001", 1), now=0.0) is None  # no snapshot yet
    state.load_snapshot(snapshot(event_id=10))
    assert state.apply("ticket.called", called(10, "A001", 1), now=0.0) is None
    assert state.apply("ticket.called", called(11, "A002", 1), now=0.0)
    assert state.apply("ticket.called", called(11, "A002", 1), now=0.0) is None
    assert len(state.calls) == 1


def test_a_recall_is_new_again_and_marked():
    state = BoardState()
    state.load_snapshot(snapshot())
    state.apply("ticket.called", called(11, "A002", 1), now=0.0)
    again = dict(called(12, "A002", 1), type="ticket.recalled")
    again["call"] = call(12, "A002", 1, recall=True)
    assert state.apply("ticket.recalled", again, now=5.0)["recall"]
    assert board_view(state, 5.0, WALL)["newest"]["recall"]


def test_the_notice_follows_hall_changed_and_window_changed():
    state = BoardState()
    state.load_snapshot(snapshot(notice="旧通知"))
    state.apply("hall.changed", {"event_id": 11, "type": "hall.changed", "hall": {"notice": "新通知"}}, now=0.0)
    assert board_view(state, 0.0, WALL)["notice"] == "新通知"
    state.apply("window.changed", {"event_id": 12, "type": "window.changed", "window": window(2, state="paused"),
                                   "notice": "午休"}, now=0.0)
    view = board_view(state, 0.0, WALL)
    assert view["notice"] == "午休"
    assert {w["number"]: w["state"] for w in view["windows"]}[2] == "paused"


def test_a_board_for_some_windows_shows_only_their_calls_and_queues():
    state = BoardState()
    state.load_snapshot(snapshot(calls=[call(9, "D001", 7), call(8, "A001", 1)]))
    by_number = board_view(state, 0.0, WALL, board_filter=Filter(frozenset({1, 2})))
    assert by_number["newest"]["number"] == "A001"
    assert [w["number"] for w in by_number["windows"]] == [1, 2]
    assert [q["id"] for q in by_number["queues"]] == ["A"]
    by_floor = board_view(state, 0.0, WALL, board_filter=Filter(floor="2"))
    assert by_floor["newest"]["number"] == "D001" and [q["id"] for q in by_floor["queues"]] == ["D"]


def test_english_board_uses_english_names():
    state = BoardState()
    state.load_snapshot(snapshot(calls=[call(9, "A001", 3)]))
    view = board_view(state, 0.0, WALL, lang="en")
    assert view["hall"] == "Qinghe" and view["newest"]["to"] == "Please go to window 3"
    assert view["queues"][0]["name"] == "Insurance" and view["queues"][1]["name"] == "专业业务"


def test_the_clock_is_the_hubs():
    state = BoardState()
    state.load_snapshot(snapshot(), wall=1000.0)
    assert state.hall_time(1060.0).strftime("%H:%M") == "09:01"


def test_window_lists_parse_or_fail_in_chinese():
    assert parse_windows("1,2, 5-7") == {1, 2, 5, 6, 7}
    assert parse_windows("") == frozenset()
    for bad in ("a", "3-1", "0"):
        with pytest.raises(ValueError, match="窗口列表"):
            parse_windows(bad)
