"""`hallq county ...`: serve, demo, add-hall, user add, publish-catalog,
report, bench. Every command brings the schema up to date first (Database()
migrates). Without --dsn the private cluster under ./var/county-pg is used,
started for the command and stopped after it unless it was already running."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager


def register(sub):
    county = sub.add_parser("county", help="县级平台: 汇总各镇大厅 (PostgreSQL)")
    csub = county.add_subparsers(dest="county_command", metavar="COMMAND")
    csub.required = True

    p = csub.add_parser("serve", help="运行县级服务器")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.set_defaults(handler=cmd_serve)

    p = csub.add_parser("demo", help="县级演示: 三个模拟的镇大厅实时上报")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.set_defaults(handler=cmd_demo)

    p = csub.add_parser("add-hall", help="登记一个大厅, 打印其上报密钥 (只显示一次)")
    p.add_argument("id")
    p.add_argument("--name", required=True)
    _common(p)
    p.set_defaults(handler=cmd_add_hall)

    p = csub.add_parser("user", help="县级用户")
    usub = p.add_subparsers(dest="user_command", metavar="COMMAND")
    usub.required = True
    p = usub.add_parser("add", help="新建县级用户 (PIN 从标准输入读取)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=("county-manager",))
    p.add_argument("--hall", action="append", default=[], metavar="ID", help="只能查看这些大厅 (可重复)")
    _common(p)
    p.set_defaults(handler=cmd_user_add)

    p = csub.add_parser("publish-catalog", help="发布县级事项目录 (大厅配置文件的事项表) 为新版本")
    p.add_argument("file")
    _common(p)
    p.set_defaults(handler=cmd_publish_catalog)

    p = csub.add_parser("report", help="定期通报: 各大厅指标与验收评估")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    p.add_argument("--output", "-o", metavar="FILE", help="写入文件 (xlsx 必须指定)")
    _common(p)
    p.set_defaults(handler=cmd_report)

    p = csub.add_parser("bench", help="县级基准: 30 个大厅并发上报, 一年历史下的查询延迟")
    p.add_argument("--json", action="store_true")
    p.add_argument("--halls", type=int, default=30)
    p.add_argument("--tickets", type=int, default=1200, help="每个大厅一天的号票数")
    p.add_argument("--history-days", type=int, default=365)
    _common(p)
    p.set_defaults(handler=cmd_bench)


def _common(p):
    p.add_argument("--dsn", metavar="URL", help="PostgreSQL 地址 postgresql://… (默认: ./var/county-pg 下的私有集群)")


def fail(message):
    print(message, file=sys.stderr)
    return 1


@contextmanager
def database(dsn):
    """The migrated county database of --dsn, or of the private cluster."""
    from hub.county.cluster import Cluster, ClusterError, default_datadir
    from hub.county.database import Database, DatabaseError
    cluster = None
    started = False
    try:
        if not dsn:
            cluster = Cluster(default_datadir())
            started = not (cluster.initialised() and cluster.running())
            cluster.start()
            dsn = cluster.dsn()
        db = Database(dsn)
    except (ClusterError, DatabaseError) as exc:
        raise SystemExit(fail(str(exc)))
    try:
        yield db
    finally:
        db.close()
        if started:
            cluster.stop()


def _service(db):
    from hub.county.service import CountyService
    from hub.rules.clock import SystemClock
    return CountyService(db, SystemClock())


def _refused(exc):
    return fail(exc.message())


def cmd_add_hall(args):
    from hub.county.errors import CountyError
    with database(args.dsn) as db:
        try:
            key = _service(db).add_hall(args.id, args.name)
        except CountyError as exc:
            return _refused(exc)
    print(f"大厅 {args.id} ({args.name}) 已登记。上报密钥 (只显示这一次, 请写入该大厅配置文件的 [county] key):")
    print(key)
    return 0


def read_pin():
    if sys.stdin.isatty():
        import getpass
        return getpass.getpass("PIN: ")
    return sys.stdin.readline().strip()


def cmd_user_add(args):
    from hub.county.errors import CountyError
    pin = read_pin()
    with database(args.dsn) as db:
        try:
            _service(db).add_user(args.name, args.role, pin, args.hall)
        except CountyError as exc:
            return _refused(exc)
    scope = "、".join(args.hall) if args.hall else "全部大厅"
    print(f"县级用户 {args.name} ({args.role}, {scope}) 已创建")
    return 0


def cmd_publish_catalog(args):
    from hub.county.catalog import CatalogError, read_catalog
    try:
        body = read_catalog(args.file)
    except CatalogError as exc:
        return fail(str(exc))
    with database(args.dsn) as db:
        version = _service(db).publish_catalog(body, source=str(args.file))
    print(f"事项目录第 {version} 版已发布: {len(body['matters'])} 个事项")
    return 0


def cmd_report(args):
    from hub.county.errors import CountyError
    from hub.county.report_files import render
    from hub.county.service import CountyActor
    if args.format == "xlsx" and not args.output:
        return fail("xlsx 格式须用 --output FILE 指定输出文件")
    with database(args.dsn) as db:
        try:
            doc = _service(db).report(CountyActor("cli", "county-manager", None), args.first, args.last)
        except CountyError as exc:
            return _refused(exc)
    data = json.dumps(doc, ensure_ascii=False, indent=2).encode() if args.format == "json" else \
        render(doc, args.format)[0]
    if args.output:
        with open(args.output, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data + (b"\n" if args.format == "json" else b""))
    return 0


def cmd_serve(args):
    from hub.county.server import serve
    with database(args.dsn) as db:
        return serve(_service(db), args.host, args.port)


def cmd_demo(args):
    from hub.county.demo import run_demo
    with database(args.dsn) as db:
        return run_demo(_service(db), args.host, args.port)


def cmd_bench(args):
    from hub.county.bench import run_bench
    result = run_bench(args.dsn, halls=args.halls, tickets=args.tickets, history_days=args.history_days)
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))
    return 0
