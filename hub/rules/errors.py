"""Errors that reach a client: an HTTP status, a stable code and a message
in the request's language (zh-CN by default, English on request)."""
from __future__ import annotations

MESSAGES = {
    # key: (中文, English)
    "bad_json": ("请求内容不是有效的 JSON 对象", "The request body is not a valid JSON object"),
    "body_too_large": ("请求内容过大 (上限 {limit} 字节)", "The request body is too large (limit {limit} bytes)"),
    "missing_field": ("缺少字段 {field}", "Missing field {field}"),
    "bad_field": ("字段 {field} 无效: {why}", "Invalid field {field}: {why}"),
    "unknown_matter": ("未知的事项 {id}", "Unknown matter {id}"),
    "unknown_situation": ("事项 {matter} 没有情形 {id}", "Matter {matter} has no situation {id}"),
    "unknown_queue": ("未知的队列 {id}", "Unknown queue {id}"),
    "unknown_window": ("未知的窗口 {id}", "Unknown window {id}"),
    "unknown_ticket": ("未找到号票 {id}", "No ticket {id}"),
    "unknown_device": ("未知的设备 {id}", "Unknown device {id}"),
    "unknown_user": ("未知的用户 {id}", "Unknown user {id}"),
    "unknown_event": ("未找到呼叫事件 {id}", "No call event {id}"),
    "not_found": ("没有这个地址: {path}", "No such address: {path}"),
    "method_not_allowed": ("此地址不支持 {method} 请求", "{method} is not allowed here"),
    "login_required": ("请先登录", "Please log in first"),
    "login_failed": ("用户名或密码错误", "Wrong user name or PIN"),
    "login_throttled": ("登录失败次数过多, 请 {seconds} 秒后再试", "Too many failed logins, try again in {seconds} s"),
    "login_locked": ("登录失败次数过多, 已锁定 (每次 {minutes} 分钟), 请 {seconds} 秒后再试",
                     "Too many failed logins: locked ({minutes} min each time), try again in {seconds} s"),
    "weak_pin": ("{role_text}的 PIN 至少 {min} 个字符", "A {role}'s PIN needs at least {min} characters"),
    "weak_pin_digits": ("{role_text}的 PIN 须为至少 {min} 位数字", "A {role}'s PIN must be at least {min} digits"),
    "user_disabled": ("该用户已停用", "This user is disabled"),
    "window_required": ("窗口人员登录时须选择窗口", "A clerk must choose a window to log in"),
    "forbidden": ("无权执行此操作", "You may not do this"),
    "not_your_window": ("您登录的是 {mine} 号窗口, 不能操作 {other} 号窗口",
                        "You are logged in at window {mine}, not window {other}"),
    "green_needs_staff": ("绿色通道号须由工作人员发放", "Green-channel tickets are issued by staff"),
    "ticket_state": ("号票 {number} 当前为「{status_text}」, 不能{action_text}",
                     "Ticket {number} is {status}; it cannot be {action}"),
    "bad_outcome": ("办结结果 {outcome} 无效", "Unknown outcome {outcome}"),
    "reason_required": ("不予受理须填写原因", "A rejection needs a reason"),
    "transfer_target": ("转办须指定队列或窗口", "A transfer needs a queue or a window"),
    "window_holds_ticket": ("{number} 号窗口正在办理 {ticket}, 请先过号、办结或转办",
                            "Window {number} still holds {ticket}: mark no-show, finish or transfer it first"),
    "window_holds_none": ("{number} 号窗口当前没有号票", "Window {number} holds no ticket"),
    "window_closed": ("{number} 号窗口未开放", "Window {number} is closed"),
    "window_paused": ("{number} 号窗口已暂停", "Window {number} is paused"),
    "window_kind": ("{number} 号窗口不是潮汐窗口, 不能{action_text}", "Window {number} is not a tidal window"),
    "no_queue_for_window": ("没有可分配给该窗口的队列", "No queue to give this window"),
    "hall_closed": ("现在不在办公时间 ({hours})", "The hall is closed now (hours: {hours})"),
    "bad_token": ("号票凭证无效", "Invalid ticket token"),
    "token_not_kept": ("号票 {number} 在升级前签发, 其二维码无法重建, 不能补打; 原票仍可使用, 或请重新取号",
                       "Ticket {number} was issued before an upgrade: its QR code cannot be rebuilt, so it cannot "
                       "be reprinted; the original slip still works, or take a new ticket"),
    "nothing_to_rate": ("暂无评价业务", "Nothing to rate"),
    "already_rated": ("该号票已评价", "This ticket has already been rated"),
    "rating_expired": ("已超过评价时限", "The time for rating has passed"),
    "bad_score": ("评分须为 1 到 5 的整数", "The score must be a whole number from 1 to 5"),
    "duplicate_user": ("用户 {id} 已存在", "User {id} already exists"),
    "storage_full": ("暂停取号: 主机存储空间已满。已取的号票不受影响, 空间恢复后自动继续, 请稍候或联系工作人员",
                     "Ticket issuing paused: the hub's storage is full. Tickets already taken are safe; "
                     "issuing resumes by itself when there is room"),
    "internal": ("服务器内部错误, 已记录, 请稍后重试", "Internal error; it has been logged, please retry"),
    "idempotency_mismatch": ("同一个 Idempotency-Key 已用于另一个请求内容; 新操作请换一个新的 key",
                             "This Idempotency-Key was used with another request body; use a new key for a new action"),
    "idempotency_conflict": ("同一操作正在处理中, 请稍候", "The same action is being processed"),
}

STATUS_TEXT = {
    "waiting": ("等待中", "waiting"), "called": ("已叫号", "called"), "serving": ("办理中", "serving"),
    "done": ("已办结", "done"), "no_show": ("已过号", "no-show"), "cancelled": ("已取消", "cancelled"),
    "expired": ("已过期", "expired"),
}
ACTION_TEXT = {
    "call": ("叫号", "called"), "recall": ("重呼", "recalled"), "no_show": ("过号", "marked no-show"),
    "start": ("开始办理", "started"), "finish": ("办结", "finished"), "transfer": ("转办", "transferred"),
    "cancel": ("取消", "cancelled"), "expire": ("过期", "expired"), "open": ("开启", "opened"),
    "close": ("关闭", "closed"),
}


ROLE_TEXT = {"clerk": ("窗口人员", "clerk"), "manager": ("大厅负责人", "manager"), "admin": ("管理员", "admin"),
             "backoffice": ("后台审批人员", "back-office"), "guide": ("导办员", "guide")}
TEXTS = {"status": STATUS_TEXT, "action": ACTION_TEXT, "role": ROLE_TEXT}


class HallError(Exception):
    """A refusal with an HTTP status; `key` picks the message.

    A part of hallq with refusals of its own subclasses this with its own
    MESSAGES (key -> (中文, English)) and TEXTS (parameter -> {value: (中文,
    English)}, shown in messages as `{parameter_text}`)."""

    MESSAGES = MESSAGES
    TEXTS = TEXTS

    def __init__(self, http_status, key, error_code=None, **params):
        self.status = http_status
        self.key = key
        self.code = error_code or key
        self.params = params
        super().__init__(key)

    def message(self, lang="zh"):
        return render(self.key, lang, messages=self.MESSAGES, texts=self.TEXTS, **self.params)


def render(key, lang="zh", messages=MESSAGES, texts=TEXTS, **params):
    zh, en = messages.get(key) or MESSAGES.get(key) or MESSAGES["internal"]
    english = lang.startswith("en")
    for name, value in params.items():  # a parameter given in both languages: ("中文", "English")
        if isinstance(value, tuple) and len(value) == 2:
            params[name] = value[english]
    for name, values in texts.items():
        if name in params:
            params[f"{name}_text"] = values.get(params[name], (params[name],) * 2)[english]
    try:
        return (en if english else zh).format(**params)
    except (KeyError, IndexError):
        return en if english else zh


def language(accept_language):
    """'en' when the client prefers English, else 'zh'."""
    if not accept_language:
        return "zh"
    first = accept_language.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"
