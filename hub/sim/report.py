"""What `hallq simulate` shows people: tables in Chinese and an SVG chart of
the wait over the day per policy (drawn by hand: no plotting library)."""
from __future__ import annotations

import unicodedata
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

POLICY_NAMES = {
    "dedicated": "按部门分窗 (旧模式)",
    "hallq": "hallq 综合窗口",
    "hallq_tidal": "hallq + 潮汐窗口",
    "pooled": "全员通办 (理论下限)",
    "fifo": "先到先办",
}
COLOURS = {"dedicated": "#c0392b", "hallq": "#0b5cad", "hallq_tidal": "#16a085", "pooled": "#7f8c8d"}


def _cell(value, ci=None, pct=False):
    if value is None:
        return "-"
    text = f"{value * 100:.0f}%" if pct else f"{value:.2f}"
    if ci:
        text += f"±{ci * 100:.0f}" if pct else f"±{ci:.2f}"
    return text


def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(cells, widths):
    """A table row: the first cell left-aligned, the others right-aligned, by display width (CJK = 2)."""
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths)):
        pad = " " * max(0, width - _width(str(cell)))
        out.append(f"{cell}{pad}" if i == 0 else f"{pad}{cell}")
    return " ".join(out)


def policy_table(policies):
    widths = (22, 4, 12, 12, 13, 13, 9)
    lines = [_row(("策略", "窗口", "窗口·时", "平均等候", "P90", "最长", "15分钟内"), widths),
             "-" * (sum(widths) + len(widths))]
    for name, p in policies.items():
        ci = p.get("ci95", {})
        lines.append(_row((POLICY_NAMES.get(name, name), p["windows"],
                           _cell(p["window_hours"], ci.get("window_hours")),
                           _cell(p["mean_wait_min"], ci.get("mean_wait_min")),
                           _cell(p["p90_wait_min"], ci.get("p90_wait_min")),
                           _cell(p["max_wait_min"], ci.get("max_wait_min")),
                           _cell(p["served_within_15_min"], ci.get("served_within_15_min"), pct=True)), widths))
    return lines


def queue_table(policies):
    queues = sorted({q for p in policies.values() for q in p["per_queue"]})
    widths = (22,) + (6,) * len(queues)
    lines = ["各队列平均等候 (分钟):", _row(("策略",) + tuple(queues), widths)]
    for name, p in policies.items():
        cells = tuple(_cell(p["per_queue"].get(q, {}).get("mean_wait_min")) for q in queues)
        lines.append(_row((POLICY_NAMES.get(name, name),) + cells, widths))
    return lines


def town_day_text(doc):
    lines = [f"{doc['hall']} · 一天 {doc['tickets']} 张号票 · 随机种子 {doc['seed']} · {doc['runs']} 次模拟"
             + (" (均值 ± 95% 置信区间)" if doc["runs"] > 1 else "")]
    if doc.get("backup_weight"):
        lines.append(f"假设: hallq 的每个窗口还以权重 {doc['backup_weight']:g} 办理其他所有队列")
    lines.append("")
    lines += policy_table(doc["policies"])
    tidal = doc["policies"].get("hallq_tidal", {}).get("added_window_hours")
    if tidal is not None:
        lines.append(f"潮汐窗口增加的窗口·时: {tidal:.2f}")
    busy = doc["policies"].get("hallq", {}).get("utilization_by_kind", {})
    for kind, label in (("comprehensive", "综合窗口"), ("professional", "专业窗口")):
        if kind in busy:
            u = busy[kind]
            lines.append(f"{label}繁忙程度: 全天 {_cell(u['day'], pct=True)}, 最忙的一小时 "
                         f"({u['peak_from']} 起) {_cell(u['peak'], pct=True)}")
    lines += [""] + queue_table(doc["policies"]) + [""]
    eta = doc["eta"]
    lines.append(f"号票上的预计等候 ({POLICY_NAMES.get(eta.get('policy'), '')}) 与实际等候之差, "
                 f"相对 max(实际等候, 5 分钟): 中位数 {_cell(eta['median_abs_error_pct'])}%, "
                 f"P90 {_cell(eta['p90_abs_error_pct'])}%")
    over = eta.get("waits_over_small") or {}
    if over.get("tickets"):
        lines.append(f"    其中实际等候超过 5 分钟的 {over['tickets']:.0f} 张: 中位数 "
                     f"{_cell(over['median_abs_error_pct'])}%, P90 {_cell(over['p90_abs_error_pct'])}%")
    lines.append("等候时间单位: 分钟 (从取号到第一次叫号)。")
    return "\n".join(lines)


def mmc_text(doc):
    p = doc["policies"]["fifo"]
    ci = p.get("ci95", {}).get("mean_wait_min")
    lines = [f"M/M/c: 每小时到达 {doc['arrivals_per_hour']:g} 人, 平均办理 {doc['service_minutes']:g} 分钟, "
             f"{doc['windows']} 个窗口, 负荷 {doc['load']:.2f}, 模拟 {doc['hours']:g} 小时 × {doc['runs']} 次",
             f"号票: {p['tickets']:.0f}, 模拟速度: {doc['tickets_per_second']:.0f} 张/秒",
             f"平均等候 (模拟): {_cell(p['mean_wait_min'], ci)} 分钟"]
    if doc["erlang_c_mean_wait_min"] is None:
        lines.append("Erlang C: 负荷 ≥ 1, 队列无稳态 (等候无限增长)")
    else:
        lines.append(f"平均等候 (Erlang C 公式): {doc['erlang_c_mean_wait_min']:.4f} 分钟, "
                     f"相差 {doc['error_pct']:+.2f}%")
    lines.append(f"P90 {_cell(p['p90_wait_min'])} 分钟, 最长 {_cell(p['max_wait_min'])} 分钟, "
                 f"15 分钟内叫号 {_cell(p['served_within_15_min'], pct=True)}")
    return "\n".join(lines)


# the chart -----------------------------------------------------------------------
W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 400, 60, 180, 40, 50


def chart_svg(series, title, timezone="Asia/Shanghai"):
    """Mean wait (minutes) of the tickets issued in each half hour, one line per policy."""
    points = [(t, v) for s in series.values() for t, v in s]
    t0, t1 = min(t for t, _ in points), max(t for t, _ in points) + 1800
    top = max([v for _, v in points if v is not None] + [1.0])
    top = _nice(top)
    x = lambda t: LEFT + (t - t0) / (t1 - t0) * (W - LEFT - RIGHT)  # noqa: E731
    y = lambda v: H - BOTTOM - v / top * (H - TOP - BOTTOM)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="#fff"/>',
           f'<text x="{LEFT}" y="22" font-size="15">{escape(title)}</text>']
    for i in range(5):
        v = top * i / 4
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                   f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    tz = ZoneInfo(timezone)
    for t in range(int(t0), int(t1) + 1, 3600):
        label = datetime.fromtimestamp(t, tz).strftime("%H:%M")
        out.append(f'<text x="{x(t):.1f}" y="{H - BOTTOM + 18}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="14" y="{TOP + (H - TOP - BOTTOM) / 2:.0f}" transform="rotate(-90 14 '
               f'{TOP + (H - TOP - BOTTOM) / 2:.0f})" text-anchor="middle">平均等候 (分钟)</text>')
    out.append(f'<text x="{LEFT + (W - LEFT - RIGHT) / 2:.0f}" y="{H - 10}" text-anchor="middle">取号时间</text>')
    for n, (name, s) in enumerate(series.items()):
        colour = COLOURS.get(name, "#333")
        for segment in _segments(s):
            path = " ".join(f"{x(t + 900):.1f},{y(v):.1f}" for t, v in segment)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        ly = TOP + 20 + n * 22
        out.append(f'<line x1="{W - RIGHT + 16}" x2="{W - RIGHT + 40}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="3"/><text x="{W - RIGHT + 46}" y="{ly + 4}">'
                   f'{escape(POLICY_NAMES.get(name, name))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _segments(series):
    """Runs of consecutive points with a value (the lunch break has none)."""
    run = []
    for t, v in series:
        if v is None:
            if run:
                yield run
            run = []
        else:
            run.append((t, v))
    if run:
        yield run


def _nice(v):
    for step in (1, 2, 4, 8, 12, 16, 20, 24, 32, 40, 60, 80, 120, 160, 240):
        if v <= step:
            return step
    return float(int(v / 60 + 1) * 60)
