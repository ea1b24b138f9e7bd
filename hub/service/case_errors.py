"""The cases' refusals: a HallError whose message comes from this table, so
the hub's error shape and language choice apply unchanged."""
from __future__ import annotations

from hub.rules.errors import HallError
from hub.rules.cases import ACTION_TEXT, STATE_TEXT

MESSAGES = {
    # key: (中文, English)
    "unknown_case": ("未找到办件 {id}", "No case {id}"),
    "case_state": ("办件 {number} 当前为「{state_text}」, 不能{action_text}",
                   "Case {number} is {state}; it cannot be {action}"),
    "unknown_action": ("未知的办件操作 {action}", "Unknown case action {action}"),
    "missing_required": ("退回补正须列出缺少的材料", "A return for correction must list the missing materials"),
    "bad_missing": ("缺少的材料须为文字, 每项不超过 {limit} 个字符",
                    "Each missing material must be text of at most {limit} characters"),
    "too_many_missing": ("缺少的材料最多 {limit} 项", "At most {limit} missing materials"),
    "reason_required": ("不予办理须填写原因", "A rejection needs a reason"),
    "not_your_department": ("该办件不属于您的部门", "This case belongs to another department"),
    "deliver_at_output": ("只有统一出件窗口的人员可以登记领取", "Only the output window's clerk records a delivery"),
    "bad_pickup_code": ("取件码无效, 请核对回执上的 6 位取件码", "Unknown pickup code: check the 6 digits on the receipt"),
    "pickup_not_ready": ("办件 {number} 当前为「{state_text}」, 结果尚未出件, 暂不能取件",
                         "Case {number} is {state}; its result is not ready for pickup yet"),
    "pickup_closed": ("办件 {number} 的结果{state_text}, 无需再取件", "Case {number} is already {state}"),
    "pickup_throttled": ("取件码输错次数过多, 请 {seconds} 秒后再试或到咨询台求助",
                         "Too many wrong pickup codes; try again in {seconds} s or ask at the desk"),
    "no_output_window": ("本大厅没有统一出件窗口", "This hall has no output window"),
    "no_printer_module": ("本主机未安装打印模块", "Printing is not installed on this hub"),
}


class CaseError(HallError):
    MESSAGES = MESSAGES
    # staff read the states and actions in Chinese; in English the plain value is clear enough
    TEXTS = {"state": {k: (v, k) for k, v in STATE_TEXT.items()},
             "action": {k: (v, k) for k, v in ACTION_TEXT.items()}}


def from_rule(exc):
    status = 409 if exc.key == "case_state" else 422
    return CaseError(status, exc.key, **exc.params)
