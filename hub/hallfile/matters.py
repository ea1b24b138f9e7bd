"""Reading matters (事项), the kiosk's questions and the situations (情形).

Questions are defined once in [[questions]] and named by each matter that
asks them; a matter with questions lists one situation per combination of
answers, each with its exact materials, so the kiosk always finds one.
"""
from __future__ import annotations

from itertools import product

from hub.hallfile.records import MATTER_MODES, MATTER_SCOPES, Matter, Option, Question, Situation
from hub.hallfile.checker import show
from hub.hallfile.lines import join

QUESTION_KEYS = ("id", "text", "text_en", "options")
OPTION_KEYS = ("value", "label", "label_en")
MATTER_KEYS = (
    "id", "name", "name_en", "department", "department_en", "mode", "promised_days",
    "typical_minutes", "share", "scope", "queue", "materials", "conditions", "questions",
    "situations", "common",
)
SITUATION_KEYS = ("id", "name", "name_en", "answers", "materials")
# Matter's own fields have no dataclass defaults (the model keeps them
# positional); these are the file's defaults for the optional ones.
MATTER_DEFAULTS = {"name_en": "", "department_en": "", "promised_days": 0, "share": 0.0,
                   "scope": "one_window", "conditions": "", "common": False}


def read_questions(c, doc):
    """[[questions]] -> {question id: Question}."""
    out, seen = {}, {}
    for path, table in c.tables(doc, "", "questions", required=False):
        c.unknown(table, path, QUESTION_KEYS)
        qid = c.text(table, path, "id")
        c.ident(qid, path)
        c.unique(seen, qid, path, "id", "问题编号")
        question = Question(
            id=qid,
            text=c.text(table, path, "text"),
            text_en=c.get(table, path, "text_en", "str", ""),
            options=_options(c, table, path),
        )
        out.setdefault(qid, question)
    return out


def _options(c, table, path):
    items = c.tables(table, path, "options")
    if len(items) == 1:
        c.error(join(path, "options"), "至少需要两个选项")
    seen, out = {}, []
    for where, option in items:
        c.unknown(option, where, OPTION_KEYS)
        value = c.text(option, where, "value")
        c.ident(value, where, "value")
        c.unique(seen, value, where, "value", "选项值")
        label = c.text(option, where, "label")
        out.append(Option(value, label, c.get(option, where, "label_en", "str", "")))
    return tuple(out)


def read_matters(c, doc, questions, queue_ids):
    seen = {}
    return tuple(_matter(c, path, table, questions, queue_ids, seen)
                 for path, table in c.tables(doc, "", "matters"))


def _matter(c, path, t, questions, queue_ids, seen):
    c.unknown(t, path, MATTER_KEYS)
    d = MATTER_DEFAULTS
    mid = c.text(t, path, "id")
    c.ident(mid, path)
    c.unique(seen, mid, path, "id", "事项编号")
    mode = c.text(t, path, "mode")
    c.one_of(mode, MATTER_MODES, path, "mode", t, "办件类型")
    days = _promised_days(c, t, path, mode)
    minutes = c.get(t, path, "typical_minutes", "num")
    c.positive(minutes, path, "typical_minutes", t)
    share = c.get(t, path, "share", "num", d["share"])
    if not 0 <= share <= 1:
        c.error(join(path, "share"), f"应在 0 到 1 之间, 而不是 {show(share)}")
    scope = c.text(t, path, "scope", d["scope"])
    c.one_of(scope, MATTER_SCOPES, path, "scope", t, "办理范围")
    queue = c.text(t, path, "queue")
    if queue and queue not in queue_ids:
        c.error(join(path, "queue"), f'未知的队列 "{queue}"')
    asked = _matter_questions(c, t, path, questions)
    return Matter(
        id=mid,
        name=c.text(t, path, "name"),
        name_en=c.get(t, path, "name_en", "str", d["name_en"]),
        department=c.text(t, path, "department"),
        department_en=c.get(t, path, "department_en", "str", d["department_en"]),
        mode=mode, promised_days=days, typical_minutes=minutes, share=share,
        scope=scope, queue=queue,
        materials=c.strings(t, path, "materials"),
        conditions=c.get(t, path, "conditions", "str", d["conditions"]),
        questions=asked,
        situations=_situations(c, t, path, asked),
        common=c.get(t, path, "common", "bool", d["common"]),
    )


def _promised_days(c, t, path, mode):
    days = c.get(t, path, "promised_days", "int", MATTER_DEFAULTS["promised_days"])
    where = join(path, "promised_days")
    if mode == "promised" and days <= 0:
        c.error(where, f"承诺件的承诺时限必须是正整数 (工作日), 而不是 {show(days)}")
    elif mode == "instant" and days != 0:
        c.error(where, f"即办件的承诺时限应为 0, 而不是 {show(days)}")
    return days


def _matter_questions(c, t, path, questions):
    names = c.strings(t, path, "questions")
    out, seen = [], {}
    for i, qid in enumerate(names):
        where = f"{join(path, 'questions')}[{i}]"
        if qid not in questions:
            c.error(where, f'未知的问题 "{qid}" (问题在 [[questions]] 中定义)')
            continue
        if qid in seen:
            c.error(where, f'重复的问题 "{qid}"')
            continue
        seen[qid] = where
        out.append(questions[qid])
    return tuple(out)


def _situations(c, t, path, asked):
    items = c.tables(t, path, "situations", required=False)
    if asked and not items and "questions" in t:
        c.error(join(path, "questions"), "有问题却没有情形: 每种答案组合需要一个 [[matters.situations]]")
    if items and not asked and "questions" not in t:
        c.error(join(path, "situations"), "有情形却没有问题: 请在 questions 中列出要问的问题")
    ids, combos, out = {}, {}, []
    for where, s in items:
        c.unknown(s, where, SITUATION_KEYS)
        sid = c.text(s, where, "id")
        c.ident(sid, where)
        c.unique(ids, sid, where, "id", "情形编号")
        answers = _answers(c, s, where, asked)
        if asked and len(answers) == len(asked):
            combo = tuple(answers[q.id] for q in asked)
            if combo in combos:
                c.error(join(where, "answers"), f"与 {combos[combo]} 的答案相同")
            combos.setdefault(combo, where)
        out.append(Situation(
            id=sid,
            name=c.text(s, where, "name"),
            name_en=c.get(s, where, "name_en", "str", ""),
            answers=answers,
            materials=c.strings(s, where, "materials"),
        ))
    if items and asked:
        for combo in product(*[[o.value for o in q.options] for q in asked]):
            if combo not in combos:
                missing = ", ".join(f"{q.id}={v}" for q, v in zip(asked, combo))
                c.error(join(path, "situations"), f"缺少情形: {missing}")
    return tuple(out)


def _answers(c, s, where, asked):
    table = c.get(s, where, "answers", "table", {} if not asked else None)
    table = table or {}
    by_id = {q.id: q for q in asked}
    out = {}
    for qid, value in table.items():
        at = join(join(where, "answers"), qid)
        question = by_id.get(qid)
        if question is None:
            known = "、".join(by_id) or "无"
            c.error(at, f'未知的问题 "{qid}" (本事项的问题: {known})')
            continue
        values = [o.value for o in question.options]
        if value not in values:
            c.error(at, f'{show(value)} 不是问题 "{qid}" 的选项 (可选: {"、".join(values)})')
            continue
        out[qid] = value
    for qid in by_id:
        if qid not in table:
            c.error(join(where, "answers"), f'缺少问题 "{qid}" 的答案')
    return out
