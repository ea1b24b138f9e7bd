"""The case state machine and its deadlines: pure functions of a case, an
action, a date and the hall's working-day calendar.

    accepted -> in_review -> approved | rejected -> ready -> delivered
    accepted | in_review -> returned -> (resume) in_review
    approved | rejected | ready -> mailed

The promised days count on the hall's working days from the day after
acceptance. While a case is returned for correction (补正) its clock stops:
on `resume` the working days it spent returned are added to its deadline, so
the days left when it was returned are exactly the days left on resuming.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from hub.rules.workdays import add_working_days, working_days_before, working_days_between

STATES = ("accepted", "in_review", "returned", "approved", "rejected", "ready", "delivered", "mailed")
RUNNING = frozenset({"accepted", "in_review"})  # the clock runs
STOPPED = frozenset({"returned"})  # 补正: the clock stops
DECIDED = frozenset({"approved", "rejected", "ready", "delivered", "mailed"})  # 办结
CLOSED = frozenset({"delivered", "mailed"})
ACTIONS = {  # action -> (states it may come from, state it leads to)
    "review": (("accepted",), "in_review"),
    "return": (("accepted", "in_review"), "returned"),
    "resume": (("returned",), "in_review"),
    "approve": (("in_review",), "approved"),
    "reject": (("in_review",), "rejected"),
    "ready": (("approved", "rejected"), "ready"),
    "mail": (("approved", "rejected", "ready"), "mailed"),
    "deliver": (("ready",), "delivered"),
}
STATE_TEXT = {  # for staff
    "accepted": "已受理待审", "in_review": "审查中", "returned": "退回补正", "approved": "准予办理",
    "rejected": "不予办理", "ready": "待取件", "delivered": "已领取", "mailed": "已邮寄",
}
CITIZEN_TEXT = {  # for the citizen's case page
    "accepted": "已受理, 等待部门审批", "in_review": "部门审批中", "returned": "需要补正材料",
    "approved": "已办结, 正在准备结果", "rejected": "已办结 (不予办理), 正在准备告知书",
    "ready": "结果已出, 请到统一出件窗口取件", "delivered": "结果已领取", "mailed": "结果已邮寄",
}
ACTION_TEXT = {
    "accept": "受理", "review": "开始审查", "return": "退回补正", "resume": "补正齐全, 恢复办理",
    "approve": "准予办理", "reject": "不予办理", "ready": "结果待取", "mail": "邮寄送达",
    "deliver": "窗口领取", "pickup": "取件取号", "alert": "督办提醒",
}
MAX_MISSING = 40
MAX_TEXT = 200


class CaseRuleError(Exception):
    """An action the case does not allow; `key` names the message."""

    def __init__(self, key, **params):
        self.key = key
        self.params = params
        super().__init__(key)


@dataclass(frozen=True)
class Case:
    id: int
    number: str
    matter: str
    department: str
    accepted_on: date
    promised_days: int
    state: str = "accepted"
    paused_days: int = 0  # working days spent returned, over all corrections
    returned_on: date | None = None
    missing: tuple = ()
    decided_on: date | None = None
    reason: str | None = None


# numbers a person reads over the phone ------------------------------------------------
def case_number(day, seq):
    """'20261126-0007': the acceptance date and that day's sequence."""
    return f"{day.strftime('%Y%m%d')}-{seq:04d}"


def pickup_code(random_below):
    """Six digits, zero-padded: `random_below(n)` gives 0 <= x < n."""
    return f"{random_below(10**6):06d}"


# deadlines ------------------------------------------------------------------------
def first_deadline(accepted_on, promised_days, calendar):
    return add_working_days(accepted_on, promised_days, calendar)


def deadline(case, calendar, today=None):
    """The date by which the case must be decided. While it is returned, the
    days returned so far (up to `today`) already count as stopped."""
    days = case.promised_days + case.paused_days
    if case.state in STOPPED and case.returned_on is not None and today is not None:
        days += working_days_between(case.returned_on, today, calendar)
    return add_working_days(case.accepted_on, days, calendar)


def days_left(case, calendar, today):
    """Working days left until the deadline (negative: overdue by that many).
    Frozen at the moment of return while the case is returned."""
    if case.state in STOPPED and case.returned_on is not None:
        today = case.returned_on
        due = deadline(replace(case, state="in_review"), calendar)
    else:
        due = deadline(case, calendar)
    if today <= due:
        return working_days_between(today, due, calendar)
    return -working_days_between(due, today, calendar)


def working_days_taken(case, calendar, end):
    """Net working days from acceptance to `end`, the stopped days left out."""
    return max(0, working_days_between(case.accepted_on, end, calendar) - case.paused_days)


def on_time(case, calendar):
    """Decided on or before its deadline (None while undecided)."""
    if case.decided_on is None:
        return None
    return case.decided_on <= deadline(case, calendar)


def standing(case, calendar, today):
    """Where a case stands for supervision: overdue, due_soon (due today or on
    the next working day), on_track, stopped (returned) or decided."""
    if case.state in DECIDED:
        return "decided"
    if case.state in STOPPED:
        return "stopped"
    due = deadline(case, calendar)
    if today > due:
        return "overdue"
    if due <= add_working_days(today, 1, calendar):
        return "due_soon"
    return "on_track"


def alert_due(case, calendar, today, alert_days):
    """Supervision alerts that have come due: (point to fire or None, points passed).

    Points: "d<N>" for each N in `alert_days` (N working days before the
    deadline) and "overdue" (the day after). Only the most urgent passed point
    fires, so a hub that was off for days says "overdue", not three stale
    warnings; the others count as passed all the same."""
    if case.state not in RUNNING:
        return None, []
    due = deadline(case, calendar)
    passed = [(n, f"d{n}") for n in sorted(set(alert_days))
              if today >= working_days_before(due, n, calendar)]
    points = [p for _, p in passed]
    if today > due:
        return "overdue", points + ["overdue"]
    return (passed[0][1] if passed else None), points


# the state machine ----------------------------------------------------------------
def clean_list(items, name="missing"):
    if not isinstance(items, (list, tuple)) or not items:
        raise CaseRuleError("missing_required")
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_TEXT:
            raise CaseRuleError("bad_missing", limit=MAX_TEXT)
        if item.strip() not in out:
            out.append(item.strip())
    if len(out) > MAX_MISSING:
        raise CaseRuleError("too_many_missing", limit=MAX_MISSING)
    return tuple(out)


def apply(case, action, today, calendar, missing=None, reason=None):
    """The case after `action` on `today`; raises CaseRuleError if not allowed."""
    if action not in ACTIONS:
        raise CaseRuleError("unknown_action", action=action)
    sources, target = ACTIONS[action]
    if case.state not in sources:
        raise CaseRuleError("case_state", number=case.number, state=case.state, action=action)
    if action == "return":
        return replace(case, state=target, returned_on=today, missing=clean_list(missing))
    if action == "resume":
        stopped = working_days_between(case.returned_on, today, calendar) if case.returned_on else 0
        return replace(case, state=target, returned_on=None, missing=(), paused_days=case.paused_days + stopped)
    if action == "reject":
        if not isinstance(reason, str) or not reason.strip():
            raise CaseRuleError("reason_required")
        return replace(case, state=target, decided_on=today, reason=reason.strip()[:500])
    if action == "approve":
        return replace(case, state=target, decided_on=today)
    return replace(case, state=target)


def next_actions(state):
    """The actions a case in `state` allows, in the order a page offers them."""
    return [a for a, (sources, _) in ACTIONS.items() if state in sources]
