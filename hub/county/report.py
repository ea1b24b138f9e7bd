"""The bulletin (定期通报) and the acceptance checklist (验收评估): pure
functions from the sums the store read to a JSON-ready document.

The checklist's items and targets (the county plan, 源政办发〔2020〕7号: 90 % of
matters through the one window; 一次性告知; 好差评 with follow-up; 限时办结):
- one_window_share ≥ 0.90: tickets finished at comprehensive windows ÷ at business windows;
- informed_once = 1.00: matters whose material lists are complete ÷ the hall's matters (from the hall's facts);
- rating_coverage ≥ 0.80: rated tickets ÷ served tickets;
- followups_on_time = 1.00: 差评 follow-ups rectified or closed by their deadline ÷ those due in the range;
- cases_on_time = 1.00: cases decided by their deadline ÷ cases due in the range.
An item without data (no served ticket, no follow-up due...) is neither passed nor failed (`passed: null`).
Halls rank by items passed, then one-window share, then served within 15 minutes.
"""
from __future__ import annotations

from datetime import date

from hub.county.figures import share, view
from hub.county.schema import FIGURE_FIELDS

MAX_DAYS = 366
ONE_WINDOW_TARGET = 0.90
CHECKS = (  # key, 中文, target
    ("one_window_share", "一窗受理占比 ≥ 90%", ONE_WINDOW_TARGET),
    ("informed_once", "一次性告知覆盖 (材料清单完整的事项)", 1.0),
    ("rating_coverage", "好差评覆盖率 (评价数 ÷ 办结数) ≥ 80%", 0.80),
    ("followups_on_time", "差评按期整改率", 1.0),
    ("cases_on_time", "办件按期办结率", 1.0),
)
COLUMNS = (  # key in a row, header of the CSV / XLSX sheets
    ("rank", "排名"), ("id", "大厅编号"), ("name", "大厅"), ("tickets", "取号数"), ("served", "办结数"),
    ("mean_wait_min", "平均等候(分钟)"), ("p90_wait_min", "90%等候(分钟)"), ("served_within_15_min", "15分钟内叫号率"),
    ("one_window_share", "一窗受理占比"), ("flag", "未达90%"), ("informed_once", "一次性告知覆盖"),
    ("rating_coverage", "评价覆盖率"), ("satisfaction", "满意率"),
    ("r5", "非常满意"), ("r4", "满意"), ("r3", "基本满意"), ("r2", "不满意"), ("r1", "非常不满意"),
    ("followups_due", "到期差评回访"), ("followups_on_time", "差评按期整改率"),
    ("cases_due", "到期办件"), ("cases_on_time", "办件按期办结率"), ("checks_passed", "验收通过项"),
)


def check_range(first, last):
    """(first, last) as YYYY-MM-DD, or a 422 naming what is wrong."""
    from hub.county.errors import CountyError
    out = []
    for name, value in (("from", first), ("to", last)):
        try:
            out.append(date.fromisoformat(value).isoformat() if isinstance(value, str) and len(value) == 10 else None)
        except ValueError:
            out.append(None)
        if out[-1] is None:
            raise CountyError(422, "bad_field", field=name, why="须为 YYYY-MM-DD 格式的日期")
    if out[0] > out[1]:
        raise CountyError(422, "bad_range", why="from 晚于 to")
    if (date.fromisoformat(out[1]) - date.fromisoformat(out[0])).days >= MAX_DAYS:
        raise CountyError(422, "bad_range", why=f"最长 {MAX_DAYS} 天")
    return out[0], out[1]


def _informed(facts):
    matters = (facts or {}).get("matters") or {}
    total, complete = matters.get("total"), matters.get("complete")
    if not isinstance(total, int) or not isinstance(complete, int):
        return None, None, None
    return share(complete, total), complete, total


def _row(hall_id, name, sums, p90, met, informed):
    figures = view(sums, p90)
    ratings = figures["ratings"]
    row = {"id": hall_id, "name": name, **{k: figures[k] for k in (
        "tickets", "served", "called", "waiting", "no_shows", "mean_wait_min", "p90_wait_min",
        "served_within_15_min", "one_window_share", "one_window_counts", "ratings", "rated")}}
    row.update({f"r{s}": ratings[str(s)] for s in range(1, 6)})
    row["flag"] = figures["one_window_share"] is not None and figures["one_window_share"] < ONE_WINDOW_TARGET
    row["informed_once"], row["matters_complete"], row["matters_total"] = informed
    row["rating_coverage"] = share(figures["rated"], figures["served"])
    row["satisfaction"] = share(ratings["5"] + ratings["4"] + ratings["3"], figures["rated"])
    row.update(met)
    row["followups_on_time"] = share(met["followups_on_time"], met["followups_due"])
    row["cases_on_time"] = share(met["cases_on_time"], met["cases_due"])
    row["followups_on_time_count"], row["cases_on_time_count"] = met["followups_on_time"], met["cases_on_time"]
    row["checklist"] = [{"item": key, "name": text, "target": target, "value": row[key],
                         "passed": None if row[key] is None else row[key] >= target} for key, text, target in CHECKS]
    row["checks_passed"] = sum(1 for c in row["checklist"] if c["passed"])
    return row


def _rank_key(row):
    return (-row["checks_passed"], -(row["one_window_share"] or 0), -(row["served_within_15_min"] or 0), row["id"])


EMPTY_MET = {"followups_due": 0, "followups_on_time": 0, "cases_due": 0, "cases_on_time": 0}


def build(halls, sums, p90, met, first, last, generated_at=None, total_p90=None):
    """The bulletin over first..last: one ranked row per hall, and the total.
    `p90` {hall: its 90th-percentile wait bucket}, `total_p90` the county's."""
    rows = [_row(h["id"], h["name"], sums.get(h["id"], {}), p90.get(h["id"]), met.get(h["id"], EMPTY_MET),
                 _informed(h["facts"])) for h in halls]
    rows.sort(key=_rank_key)
    for i, row in enumerate(rows, start=1):
        row["rank"] = i
    total_sums = {f: sum((sums.get(h["id"], {}).get(f) or 0) for h in halls) for f in FIGURE_FIELDS}
    total_met = {k: sum(met.get(h["id"], EMPTY_MET)[k] for h in halls) for k in EMPTY_MET}
    informed = [_informed(h["facts"]) for h in halls]
    complete = sum(i[1] for i in informed if i[1] is not None)
    matters = sum(i[2] for i in informed if i[2] is not None)
    total = _row("total", "全县合计", total_sums, total_p90, total_met, (share(complete, matters), complete, matters))
    total["rank"] = None
    return {"kind": "county_bulletin", "title": f"便民服务中心“一窗受理”工作通报 ({first} 至 {last})", "from": first,
            "to": last, "generated_at": generated_at, "target_one_window_share": ONE_WINDOW_TARGET,
            "checks": [{"item": k, "name": n, "target": t} for k, n, t in CHECKS],
            "halls": rows, "total": total}
