"""`hallq report`: the daily or date-range report from the database, without
a running hub (e.g. a nightly export by cron). The database is opened
read-only, so it is safe while the hub runs."""
from __future__ import annotations

import sys

from hub.cli.main import add_common


def register(sub):
    p = sub.add_parser("report", help="统计报表 (日报或时段), 输出 JSON/CSV/XLSX")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="日报的日期 (默认: 大厅所在时区的今天)")
    p.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="时段报表的开始日期")
    p.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="时段报表的结束日期 (含)")
    p.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    p.add_argument("-o", "--output", metavar="FILE", help="写入文件 (默认: 标准输出; xlsx 必须给出文件)")
    add_common(p)
    p.set_defaults(handler=cmd_report)


def _fail(message):
    print(message, file=sys.stderr)
    return 1


def cmd_report(args):
    import json
    import time

    from hub.cli.commands import db_path, load_hall_or_exit
    from hub.rules.clock import FixedClock, hall_date
    from hub.service import StoreMissing, StoreUnreadable, compose_read_only, reports
    from hub.web import report_files

    hall = load_hall_or_exit(args.config)
    if args.format == "xlsx" and not args.output:
        return _fail("xlsx 是二进制文件, 请用 -o 指定输出文件")
    if bool(args.first) != bool(args.last) or (args.first and args.date):
        return _fail("时段报表须同时给出 --from 和 --to (且不能再给 --date)")
    now = time.time()
    try:
        if args.first:
            first, last = reports.parse_day(args.first, "--from"), reports.parse_day(args.last, "--to")
            if last < first:
                return _fail("--to 不能早于 --from")
        else:
            first = last = reports.parse_day(args.date or hall_date(now, hall.timezone), "--date")
    except ValueError as exc:
        return _fail(str(exc))
    try:
        hall_reports = compose_read_only(hall, db_path(args), FixedClock(now)).reports
        report = hall_reports.range(first, last) if args.first else hall_reports.daily(first)
    except (StoreMissing, StoreUnreadable) as exc:
        return _fail(str(exc))
    if args.format == "json":
        data = (json.dumps(report, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    else:
        data = report_files.to_csv(report) if args.format == "csv" else report_files.to_xlsx(report)
    if args.output:
        with open(args.output, "wb") as f:
            f.write(data)
        print(f"已写入 {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0
