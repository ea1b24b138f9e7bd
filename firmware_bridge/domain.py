"""What the bars, keypads and pads mean to the hall: texts and actions.

Pure functions of a WindowView (hallstate) and the device's options; the
bridge turns their results into messages for a line and HTTP calls to the hub.
"""
from __future__ import annotations

PROMPT_TEXT = "请您评价"
THANKS_TEXT = "感谢您的评价"
NOTHING_TO_RATE = "暂无评价业务"
PAD_IDLE = "欢迎您"
NETWORK_FAULT = "网络故障 请稍后"
RESULT_SECONDS = 3.0
DEFAULT_PROMPT_SECONDS = 120

# keypad key -> POST /api/windows/<id>/<action> (pause toggles, see keypad_action)
KEY_ACTIONS = {"call": "call-next", "recall": "recall", "no_show": "no-show", "start": "start", "finish": "finish"}


def _number(view):
    return f"{view.number}号窗口" if view.number is not None else "本窗口"


def bar_text(view, options=None):
    options = options or {}
    if view.ticket_number and view.ticket_status == "called":
        where = f"请到{view.number}号窗口" if view.number is not None else "请到本窗口"
        return f"{view.ticket_number} {where}"
    if view.ticket_number and view.ticket_status == "serving":
        return f"{view.ticket_number} 正在办理"
    if view.state != "open":
        return options.get("paused_text") or f"{_number(view)} 暂停服务"
    return options.get("idle_text") or f"{_number(view)} 欢迎您"


def keypad_text(view):
    if view.ticket_number and view.ticket_status == "called":
        return f"{view.ticket_number} 已呼叫"
    if view.ticket_number and view.ticket_status == "serving":
        return f"{view.ticket_number} 办理中"
    if view.state != "open":
        return "暂停服务"
    return f"{_number(view)} 空闲"


def keypad_action(key, view):
    if key == "pause":
        return "resume" if view.state == "paused" else "pause"
    return KEY_ACTIONS.get(key)


def _ticket_number(body):
    ticket = body.get("ticket") if isinstance(body, dict) else None
    return ticket.get("number") if isinstance(ticket, dict) else None


def error_text(status, body):
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if status in (401, 403):
        return "设备未授权"
    return (message or f"操作失败 ({status})")[:24]


def keypad_result(action, status, body):
    """The keypad's line after POST /api/windows/<id>/<action> answered `status`, `body`."""
    if not 200 <= status < 300:
        return error_text(status, body)
    number = _ticket_number(body)
    if action == "call-next":
        return f"已呼叫 {number}" if number else "无人等候"
    done = {"recall": "重呼", "no-show": "已过号", "start": "开始办理", "finish": "已办结"}
    if action in done:
        return f"{number} {done[action]}" if number else done[action]
    return {"pause": "暂停服务", "resume": "恢复服务"}.get(action, "完成")


def pad_result(status, body):
    """The pad's line after POST /api/windows/<id>/rating answered."""
    if 200 <= status < 300:
        return THANKS_TEXT
    if status in (404, 409, 410, 422):
        return NOTHING_TO_RATE
    return error_text(status, body)


def prompt_seconds(rating_minutes, options=None):
    cap = int((options or {}).get("prompt_seconds", DEFAULT_PROMPT_SECONDS))
    return max(1, min(int(rating_minutes * 60), cap, 0xFFFF))
