"""hallq simulate · bench."""
from __future__ import annotations

import argparse
import json
import sys

from hub.cli.main import add_common

DEFAULT_TICKETS = 260  # the demo hall's default day: comprehensive windows about 85 % busy in the 9–10 peak


def _number(kind, low, low_ok=True, high=None):
    """An argparse type: a number in a range, with the complaint in Chinese."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"须为{'整数' if kind is int else '数字'}: {text!r}") from None
        if value < low or (value == low and not low_ok) or (high is not None and value > high):
            bound = f"大于 {low}" if not low_ok else f"不小于 {low}"
            if high is not None:
                bound += f" 且不大于 {high}"
            raise argparse.ArgumentTypeError(f"须{bound}: {text}")
        return value
    return parse


def register(sub):
    p = sub.add_parser("simulate", help="模拟大厅一天 (真实的分配规则, 模拟时钟)",
                       description="town-day: 演示大厅的一天, 四种策略对比; mmc: 单队列 M/M/c, 与 Erlang C 公式对照")
    p.add_argument("scenario", choices=("town-day", "mmc"), help="场景: town-day 或 mmc")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 文档")
    p.add_argument("--seed", type=_number(int, 0), default=1, help="随机种子 (默认 1)")
    p.add_argument("--runs", type=_number(int, 1, high=1000), default=1, help="重复次数, 取均值和 95%% 置信区间")
    g = p.add_argument_group("town-day")
    g.add_argument("--tickets", type=_number(int, 1, high=100000), default=DEFAULT_TICKETS,
                   help=f"一天的号票数 (默认 {DEFAULT_TICKETS}: 高峰时综合窗口约 85%% 繁忙)")
    g.add_argument("--load", type=_number(float, 0, low_ok=False, high=20), default=1.0,
                   help="负荷倍数: 一天的号票数 = --tickets × --load (默认 1)")
    g.add_argument("--chart", metavar="FILE.svg", help="画出各策略一天中的等候曲线 (SVG)")
    g.add_argument("--arrivals", metavar="CSV", help="到达时段分布 (默认 config/hall-day.csv)")
    g.add_argument("--spread", type=_number(float, 0, high=3), default=0.5, help="办理时间对数正态分布的 sigma")
    g.add_argument("--no-show", type=_number(float, 0, high=1), default=0.03, help="过号 (不来) 的比例")
    g.add_argument("--late", type=_number(float, 0, high=1), default=0.05, help="重呼一次才来的比例")
    g.add_argument("--breaks", type=_number(int, 0, high=10), default=1, help="每个窗口每天休息几次")
    g.add_argument("--break-minutes", type=_number(float, 0, high=120), default=10.0, help="每次休息几分钟")
    g.add_argument("--backup-weight", type=_number(float, 0, high=100), default=0.0,
                   help="假设: 每个窗口还以此权重办理其他所有队列 (空闲时帮忙), 0 = 按配置")
    g = p.add_argument_group("mmc")
    g.add_argument("--arrivals-per-hour", type=_number(float, 0, low_ok=False), default=60.0,
                   help="每小时到达人数 (泊松到达, 默认 60)")
    g.add_argument("--service-minutes", type=_number(float, 0, low_ok=False), default=8.0,
                   help="平均办理分钟数 (指数分布, 默认 8)")
    g.add_argument("--windows", type=_number(int, 1, high=1000), default=10, help="窗口数 (默认 10)")
    g.add_argument("--hours", type=_number(float, 0, low_ok=False), default=1000.0,
                   help="一次模拟的总时长 (小时, 从空大厅开始)")
    add_common(p, db=False)
    p.set_defaults(handler=cmd_simulate)

    p = sub.add_parser("bench", help="压力测试: 临时数据库上的真实 hub, N 个综合屏客户端")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 文档")
    p.add_argument("--boards", type=_number(int, 1, high=2000), default=200, help="综合屏连接数 (默认 200)")
    p.add_argument("--seconds", type=_number(float, 1, high=600), default=20.0, help="出号加压的总时长 (秒)")
    p.add_argument("--config", metavar="FILE", help="大厅配置文件 (默认: 演示大厅)")
    p.add_argument("--limits-cost", action="store_true",
                   help="只测防滥用限制给每次 POST /api/tickets 增加的时间 (毫秒, JSON)")
    p.add_argument("--pin-core", type=_number(int, 0, high=1023), default=None, metavar="N",
                   help="hub 只用第 N 个 CPU 核 (taskset), 近似一块树莓派的一个核")
    p.add_argument("--workers", type=_number(int, 1, high=64), default=1, metavar="N",
                   help="hub 的 Web 工作进程数 (hallq serve --workers N, 私有 redis-server)")
    p.set_defaults(handler=cmd_bench)

    p = sub.add_parser("soak", help="耐久测试: 演示大厅的全部进程 (中心、串口桥、模拟设备、叫号屏与播报) 办理 N 张号票, 报告各进程内存",
                       description="启动演示大厅的全部进程 (叫号屏无界面无声卡), 两台取号机出号、六个窗口叫号, "
                                   "每 300 张号票换一天; 输出各进程启动后、预热后、结束时的 RSS")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 文档")
    p.add_argument("--tickets", type=_number(int, 100, high=1000000), default=30000, help="号票数 (默认 30000)")
    p.add_argument("--per-day", type=_number(int, 10, high=100000), default=300, help="每天的号票数 (默认 300)")
    p.add_argument("--config", metavar="FILE", help="大厅配置文件 (默认: 演示大厅)")
    p.set_defaults(handler=cmd_soak)


def _fail(message):
    print(message, file=sys.stderr)
    return 2


def cmd_simulate(args):
    from hub.cli.commands import load_hall_or_exit

    hall = load_hall_or_exit(args.config)
    if args.scenario == "mmc":
        return _mmc(args)
    from hub.sim.town_day import World, load_profile, town_day_report
    from hub.sim.report import chart_svg, town_day_text

    if args.chart and not args.chart.lower().endswith(".svg"):
        return _fail(f"--chart 只支持 SVG 文件 (.svg): {args.chart}")
    try:
        periods = load_profile(args.arrivals)
    except OSError as exc:
        return _fail(f"无法读取到达时段文件 {args.arrivals}: {exc.strerror or exc}")
    except ValueError as exc:
        return _fail(f"到达时段文件有错误: {exc}")
    if args.no_show + args.late > 1:
        return _fail("--no-show 与 --late 之和不能大于 1")
    if not any(m.share > 0 for m in hall.matters):
        return _fail("大厅配置中没有份额 (share) 大于 0 的事项, 无法模拟一天的取号")
    world = World(spread=args.spread, absent=args.no_show, late=args.late, breaks=args.breaks,
                  break_minutes=args.break_minutes)
    tickets = max(1, round(args.tickets * args.load))
    doc, series = town_day_report(hall, tickets, args.seed, args.runs, world, periods, args.backup_weight)
    doc["load"] = args.load
    if args.chart:
        title = f"{hall.name} · 一天 {tickets} 张号票 · 各策略的平均等候" + (
            f" ({args.runs} 天的均值)" if args.runs > 1 else "")
        try:
            with open(args.chart, "w", encoding="utf-8") as f:
                f.write(chart_svg(series, title, hall.timezone))
        except OSError as exc:
            return _fail(f"无法写入图表 {args.chart}: {exc.strerror or exc}")
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.json else town_day_text(doc))
    return 0


def _mmc(args):
    import time

    from hub.sim.mmc import erlang_c, mmc
    from hub.sim.report import mmc_text
    from hub.sim.stats import average

    began = time.perf_counter()
    runs = [mmc(args.arrivals_per_hour, args.service_minutes, args.windows, args.hours, args.seed + r)
            for r in range(args.runs)]
    elapsed = time.perf_counter() - began
    fifo = average(runs, digits=4)
    exact = erlang_c(args.arrivals_per_hour, args.service_minutes, args.windows)[1]
    load = args.arrivals_per_hour * args.service_minutes / 60 / args.windows
    doc = {"scenario": "mmc", "arrivals_per_hour": args.arrivals_per_hour, "service_minutes": args.service_minutes,
           "windows": args.windows, "hours": args.hours, "seed": args.seed, "runs": args.runs,
           "load": round(load, 4), "policies": {"fifo": fifo},
           "erlang_c_mean_wait_min": None if exact is None else round(exact, 4),
           "error_pct": None if not exact or fifo["mean_wait_min"] is None
           else round((fifo["mean_wait_min"] - exact) / exact * 100, 2),
           "tickets_per_second": round(sum(r["tickets"] for r in runs) / max(elapsed, 1e-9))}
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.json else mmc_text(doc))
    return 0


def cmd_bench(args):
    from hub.bench.run import run_bench
    from hub.bench.report import bench_text

    if args.limits_cost:
        from hub.bench.limits_cost import measure
        print(json.dumps(measure(), ensure_ascii=False, indent=2))
        return 0
    try:
        doc = run_bench(boards=args.boards, seconds=args.seconds, config=args.config, core=args.pin_core,
                        workers=args.workers)
    except RuntimeError as exc:
        return _fail(f"压力测试失败: {exc}")
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.json else bench_text(doc))
    return 0


def cmd_soak(args):
    from hub.bench.soak import SoakError, run_soak, soak_text
    from hub.client.http import HubError

    try:
        doc = run_soak(tickets=args.tickets, config=args.config, per_day=args.per_day,
                       progress=lambda line: print(line, file=sys.stderr))
    except (SoakError, HubError, OSError) as exc:  # HubUnreachable is an OSError
        return _fail(f"耐久测试失败: {exc}")
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.json else soak_text(doc))
    return 0
