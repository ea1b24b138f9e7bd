"""`hallq bench` for people: the figures against their targets, in Chinese."""
from __future__ import annotations

TARGETS = {"call_to_board_ms.p99": 20, "ticket_ms.p99": 15, "tickets_per_s": 300, "hub_rss_mb": 80}


def bench_text(doc):
    c, t, a = doc["call_to_board_ms"], doc["ticket_ms"], doc["call_answer_ms"]
    lines = [f"综合屏连接: {doc['boards_connected']}/{doc['boards']}, 号票: {doc['tickets']}, 叫号: {doc['calls']}"
             f" (未送达全部综合屏: {doc['calls_missed']})",
             f"出号耗时 ticket_ms: p50 {_v(t['p50'])} ms, p99 {_v(t['p99'])} ms (目标 p99 ≤ 15)",
             f"持续出号 tickets_per_s: {_v(doc['tickets_per_s'])} 张/秒 (目标 ≥ 300)",
             f"叫号到最后一块综合屏 call_to_board_ms: p50 {_v(c['p50'])} ms, p99 {_v(c['p99'])} ms (目标 p99 ≤ 20)",
             f"  其中 hub 自身 (叫号请求到应答, 已推给所有连接) call_answer_ms: p50 {_v(a['p50'])} ms, "
             f"p99 {_v(a['p99'])} ms",
             f"hub 内存 hub_rss_mb: {_v(doc['hub_rss_mb'])} MB, 峰值 {_v(doc.get('hub_rss_peak_mb'))} MB (目标 ≤ 80)",
             f"磁盘: SQLite 一次提交 (synchronous=FULL) p50 {_v(doc['disk_commit_ms']['p50'])} ms, "
             f"p99 {_v(doc['disk_commit_ms']['p99'])} ms; 机器: {doc['machine']['cpus']} 核, "
             f"1 分钟负载 {doc['machine']['loadavg_1m']}",
             "", "各阶段 (目标速率 → 实际):"]
    for p in doc["phases"]:
        lines.append(f"  {p['rate']:>4}/s → {p['tickets_per_s']:>6}/s, {p['tickets']:>5} 张, "
                     f"出号 p50 {_v(p['ticket_ms']['p50'])} ms, p99 {_v(p['ticket_ms']['p99'])} ms; "
                     f"叫号到屏 p50 {_v(p['call_to_board_ms']['p50'])} ms, p99 {_v(p['call_to_board_ms']['p99'])} ms"
                     + ("" if p["kept_up"] else "  (跟不上)"))
    for e in doc.get("errors") or []:
        lines.append(f"错误: {e}")
    return "\n".join(lines)


def _v(x):
    return "-" if x is None else f"{x:g}"
