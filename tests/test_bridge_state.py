"""What the bridge makes of the hub's events: window state, texts, key actions."""
from firmware_bridge import domain
from firmware_bridge.hallstate import HallState, WindowView


def snapshot(event_id=10, **windows):
    return {"event_id": event_id, "windows": [
        {"id": wid, "number": int(wid[1:]), "state": state, "ticket": ticket}
        for wid, (state, ticket) in windows.items()]}


def called(event_id, number, window, name="ticket.called", status=None):
    ticket = {"id": int(number[1:]), "number": number, "queue": number[0]}
    if status:
        ticket["status"] = status
    return name, {"event_id": event_id, "type": name, "ticket": ticket,
                  "window": {"id": window, "number": int(window[1:])}}


def bar(state, window):
    return domain.bar_text(state.windows[window])


def test_a_call_shows_on_its_window_bar_and_the_finish_frees_it():
    state = HallState({"w3": 3, "w4": 4})
    state.apply("snapshot", snapshot(w3=("open", None), w4=("open", None)))
    assert bar(state, "w3") == "3号窗口 欢迎您"
    touched = state.apply(*called(11, "A012", "w3"))
    assert ("w3", "called") in touched and bar(state, "w3") == "A012 请到3号窗口"
    assert bar(state, "w4") == "4号窗口 欢迎您"
    state.apply(*called(12, "A012", "w3", "ticket.started"))
    assert bar(state, "w3") == "A012 正在办理"
    touched = state.apply(*called(13, "A012", "w3", "ticket.finished", status="done"))
    assert ("w3", "finished") in touched and bar(state, "w3") == "3号窗口 欢迎您"


def test_events_already_seen_are_ignored_after_a_snapshot():
    state = HallState({"w3": 3})
    state.apply("snapshot", snapshot(20, w3=("open", {"id": 5, "number": "B005", "status": "serving"})))
    assert bar(state, "w3") == "B005 正在办理"
    assert state.apply(*called(19, "A001", "w3")) is None  # replayed by resume: older than the snapshot
    assert bar(state, "w3") == "B005 正在办理"


def test_a_restarted_hub_with_fresh_event_ids_is_believed():
    state = HallState({"w3": 3})
    state.apply(*called(500, "A001", "w3"))
    state.apply("snapshot", snapshot(2, w3=("open", None)))
    assert state.last_event_id == 2 and bar(state, "w3") == "3号窗口 欢迎您"
    assert state.apply(*called(3, "A002", "w3")) and bar(state, "w3") == "A002 请到3号窗口"


def test_paused_and_closed_windows_show_the_pause_text():
    state = HallState({"w3": 3, "w14": 14})
    state.apply("snapshot", snapshot(w3=("open", None), w14=("closed", None)))
    assert bar(state, "w14") == "14号窗口 暂停服务"
    state.apply("window.changed", {"event_id": 11, "window": {"id": "w3", "number": 3, "state": "paused"}})
    assert bar(state, "w3") == "3号窗口 暂停服务"
    assert domain.keypad_text(state.windows["w3"]) == "暂停服务"
    assert domain.bar_text(state.windows["w3"], {"paused_text": "暂停办理 请到其他窗口"}) == "暂停办理 请到其他窗口"


def test_a_ticket_transferred_away_frees_its_window():
    state = HallState({"w3": 3, "w7": 7})
    state.apply(*called(1, "A001", "w3"))
    state.apply("ticket.transferred", {"event_id": 2, "ticket": {"id": 1, "number": "A001", "status": "waiting",
                                                                   "window": None}, "window": {"id": "w3"}})
    assert bar(state, "w3") == "3号窗口 欢迎您"


def test_a_ticket_called_at_another_window_leaves_the_first():
    state = HallState({"w3": 3, "w4": 4})
    state.apply(*called(1, "A001", "w3"))
    state.apply(*called(2, "A001", "w4", status="called"))
    assert bar(state, "w3") == "3号窗口 欢迎您" and bar(state, "w4") == "A001 请到4号窗口"


def test_malformed_messages_change_nothing():
    state = HallState({"w3": 3})
    for name, payload in [("ticket.called", None), ("ticket.called", {"event_id": 1}),
                          ("ticket.called", {"event_id": 2, "ticket": "A001"}), ("window.changed", {"event_id": 3}),
                          ("snapshot", {"windows": [None, {"number": 3}]}), ("alert", {"event_id": 4})]:
        state.apply(name, payload)
    assert bar(state, "w3") == "3号窗口 欢迎您"


def test_keypad_keys_and_what_the_keypad_then_shows():
    view = WindowView("w3", 3)
    assert domain.keypad_action("call", view) == "call-next"
    assert domain.keypad_action("no_show", view) == "no-show"
    assert domain.keypad_action("pause", view) == "pause"
    view.state = "paused"
    assert domain.keypad_action("pause", view) == "resume"
    assert domain.keypad_result("call-next", 200, {"ticket": {"number": "A012"}}) == "已呼叫 A012"
    assert domain.keypad_result("call-next", 200, {"ticket": None}) == "无人等候"
    assert domain.keypad_result("finish", 200, {"ticket": {"number": "A012"}}) == "A012 已办结"
    assert domain.keypad_result("recall", 409, {"error": {"code": "no_ticket", "message": "窗口当前没有号票"}}) == "窗口当前没有号票"
    assert domain.keypad_result("recall", 403, {}) == "设备未授权"


def test_pad_results():
    assert domain.pad_result(200, {}) == "感谢您的评价"
    assert domain.pad_result(409, {"error": {"code": "nothing_to_rate"}}) == "暂无评价业务"
    assert domain.prompt_seconds(10) == 120 and domain.prompt_seconds(0.5) == 30
    assert domain.prompt_seconds(10, {"prompt_seconds": 300}) == 300
