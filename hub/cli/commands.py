"""hallq serve · demo · user add · check-config · migrate."""
from __future__ import annotations

import getpass
import os
import socket
import sys
import tempfile

from hub.cli.main import add_common
from hub.cli.platform_commands import start_beside

PAGES = ("/kiosk", "/query", "/book", "/caller", "/manager", "/backoffice", "/board")


def register(sub):
    p = sub.add_parser("serve", help="运行大厅主机 (hub)")
    add_common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--clock-file", metavar="FILE", help="从文件读取时间 (培训与测试用)")
    p.add_argument("--demo-keys", action="store_true",
                   help="允许大厅配置文件使用公开的演示设备密钥 (仅限培训与测试)")
    p.add_argument("--workers", type=positive_int, default=1, metavar="N",
                   help="Web 工作进程数 (默认 1; 大于 1 时经 Redis 共享实时推送, 0 号进程负责全部写入)")
    p.add_argument("--redis", metavar="URL",
                   help="--workers 共用的 Redis (如 redis://127.0.0.1:6379/0; 默认: 启动一个私有 redis-server)")
    p.add_argument("--worker", help=argparse_suppress())  # INDEX:PUBLIC_FD:PRIVATE_FD:READY_FD, from the parent
    p.add_argument("--writer-port", type=int, help=argparse_suppress())
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("demo", help="演示大厅: 主机 + 模拟设备")
    p.add_argument("--db", metavar="FILE", help="数据库 (默认: 一次性的临时文件)")
    p.add_argument("--config", metavar="FILE", help=argparse_suppress())
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--no-devices", action="store_true", help="不启动模拟设备")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("user", help="用户管理")
    usub = p.add_subparsers(dest="user_command", metavar="ACTION")
    usub.required = True
    a = usub.add_parser("add", help="新增用户, PIN 从标准输入读取")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("clerk", "manager", "admin", "backoffice", "guide"))
    a.add_argument("--department", action="append", default=[], help="后台人员负责的部门 (可多次)")
    add_common(a)
    a.set_defaults(handler=cmd_user_add)

    p = sub.add_parser("check-config", help="检查大厅配置文件")
    p.add_argument("file")
    p.add_argument("--db", help=argparse_suppress())
    p.add_argument("--config", help=argparse_suppress())
    p.set_defaults(handler=cmd_check_config)

    p = sub.add_parser("migrate", help="升级数据库结构")
    add_common(p)
    p.set_defaults(handler=cmd_migrate)


def positive_int(text):
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是整数: {text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"至少为 1: {text}")
    return value


def argparse_suppress():
    import argparse
    return argparse.SUPPRESS


def load_hall_or_exit(path):
    from hub.hallfile.model import ConfigError, load_hall
    try:
        return load_hall(path)
    except ConfigError as exc:
        print(f"大厅配置文件有错误 ({path}):", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        raise SystemExit(1)
    except OSError as exc:
        print(f"无法读取大厅配置文件 {path}: {exc.strerror}", file=sys.stderr)
        raise SystemExit(1)


def db_path(args):
    from hub.store.database import default_db_path
    return args.db or default_db_path()


def cmd_check_config(args):
    from hub.hallfile.model import check_file, format_error
    errors = check_file(args.file)
    for error in errors:
        print(format_error(error))
    if errors:
        print(f"共 {len(errors)} 处错误", file=sys.stderr)
        return 1
    print(f"{args.file}: 配置正确")
    return 0


def cmd_migrate(args):
    from hub.store.database import Store
    store = Store(db_path(args))
    print(f"{store.path}: 数据库结构版本 {store.schema_version()}")
    return 0


def read_pin(prompt="PIN: "):
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if first != getpass.getpass("再输入一次: "):
            print("两次输入不一致", file=sys.stderr)
            raise SystemExit(1)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user_add(args):
    import time
    from hub.service.auth import add_user
    from hub.rules.errors import HallError
    from hub.store.database import Store
    hall = load_hall_or_exit(args.config)
    if args.role == "backoffice":
        known = {m.department for m in hall.matters}
        unknown = [d for d in args.department if d not in known]
        if not args.department or unknown:
            print(f"后台人员须用 --department 指定部门, 可选: {' '.join(sorted(known))}", file=sys.stderr)
            return 1
    store = Store(db_path(args))
    try:
        add_user(store, args.name, args.role, read_pin(), time.time(), departments=args.department,
                 rules=hall.accounts.pins)
    except HallError as exc:
        print(exc.message(), file=sys.stderr)
        return 1
    print(f"已添加用户 {args.name} ({args.role})")
    return 0


WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def lan_address():
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return None
    return None if address.startswith("127.") else address


def base_url(host, port):
    """The address people in the hall reach this hub at."""
    if host in WILDCARD_HOSTS:
        host = lan_address() or "127.0.0.1"
    return f"http://{host}:{port}"


def page_urls(host, port):
    base = f"http://{'127.0.0.1' if host in WILDCARD_HOSTS else host}:{port}"
    urls = [base + "/"] + [base + p for p in PAGES]
    if host in WILDCARD_HOSTS and lan_address():
        urls.append(f"{base_url(host, port)}/ (大厅局域网)")
    return urls


def start_hub(hall, db, host, port, clock_file=None, on_listen=None, listener=None):
    from hub.ops.backup import DatabaseInUse, hold_db_lock
    from hub.rules.clock import FileClock, SystemClock
    from hub.store.database import Store, StoreUnavailable, check_writable
    try:
        check_writable(db)
    except StoreUnavailable as exc:
        print(f"hub 无法启动: {exc}", file=sys.stderr)
        return 1
    try:
        lock = hold_db_lock(db)  # before the store migrates: never under a running restore
    except DatabaseInUse as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        # the web layer after the checks: a hub that must refuse to start does so cheaply,
        # which matters when systemd starts it again a quarter of a second later
        from hub.web import server
        from hub.web.app import create_app
        store = Store(db)
        clock = FileClock(clock_file) if clock_file else SystemClock()
        app, _ = create_app(hall, store, clock)
        return _serve(server, app, host, port, on_listen, listener)
    finally:
        lock.close()
        if listener is not None:
            listener.close()


def _serve(server, app, host, port, on_listen, listener=None):
    from hub.ops import sdnotify
    svc = app.extensions["hallq"]

    def listening(bound_port):
        if on_listen:
            on_listen(bound_port)
        sdnotify.notify_ready(status=f"listening on {host}:{bound_port}")

    interval = sdnotify.ping_interval()
    watchdog = (interval, lambda: svc.ops.alive() and sdnotify.notify_watchdog()) if interval else None
    try:
        server.serve(app, host, port, on_listen=listening, watchdog=watchdog,
                     listeners=None if listener is None else [listener])
    except OSError as exc:
        print(f"无法在 {host}:{port} 监听: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def print_urls(hall, host, port, extra=()):
    print(f"{hall.name} · hallq 已启动", flush=True)
    for url in page_urls(host, port):
        print(f"  {url}", flush=True)
    for line in extra:
        print(line, flush=True)


DEMO_NOTICE = """\
==========================================================================
 未指定 --config: 运行的是演示大厅 (config/demo-hall.toml)。
 它的设备密钥是公开的演示密钥, 任何人都能冒充取号机、窗口屏和呼叫器;
 正式大厅请先运行 hallq init-hall /etc/hallq/hall.toml, 再用 --config 启动。
 No --config: this is the DEMO hall with its PUBLIC demo device keys.
=========================================================================="""
DEMO_PINS_NOTICE = ("演示账号使用短 PIN (1111、2222 …), 低于正式大厅的 PIN 规则 "
                    "(窗口人员至少 4 位数字, 其他角色至少 6 个字符), 仅供演示。")


def key_problem(hall, path, demo_keys_ok=False):
    """Why a hall file may not serve: no device keys, or the demo's public ones."""
    from hub.hallfile.model import load_hall
    keyed = [d for d in hall.devices if d.key]
    if not keyed:
        return (f"大厅配置文件 {path} 没有设备密钥 ([[devices]] 的 key): 取号机、窗口屏、呼叫器无法安全连接。\n"
                f"请用 hallq init-hall NEW.toml --from {path} 生成一份带随机设备密钥的配置文件。")
    demo = {d.key for d in load_hall(None).devices}
    public = [d.id for d in keyed if d.key in demo]
    if public and not demo_keys_ok:
        shown = "、".join(public[:5]) + (" 等" if len(public) > 5 else "")
        return (f"大厅配置文件 {path} 中 {len(public)} 台设备 ({shown}) 使用公开的演示密钥, 任何人都能冒充它们。\n"
                f"请用 hallq init-hall NEW.toml --from {path} 换成随机密钥 (培训与测试可加 --demo-keys)。")
    return None


def cmd_serve(args):
    hall = load_hall_or_exit(args.config)
    if args.config is None:
        if not args.worker:  # the parent of the workers said it once
            print(DEMO_NOTICE, file=sys.stderr, flush=True)
    else:
        problem = key_problem(hall, args.config, args.demo_keys)
        if problem:
            print(problem, file=sys.stderr)
            return 1
    db = db_path(args)
    if args.worker or args.workers > 1:
        from hub.cli import workers
        if args.worker:
            return workers.run_worker(args, hall, db)
        return workers.run_workers(args, db, on_listen=lambda port: print_urls(
            hall, args.host, port, [f"  {args.workers} 个 Web 工作进程 (0 号负责写入), Redis: {args.redis or '私有'}"]))
    # the port is taken before Flask, Socket.IO and the hall's services are imported and built
    # (~0.6 s): a board or kiosk that reconnects meanwhile waits in the listen queue and is
    # answered the moment the hub can, instead of being refused and retrying later
    from hub.cli.workers import bind
    try:
        listener = bind(args.host, args.port)
    except OSError as exc:
        print(f"无法在 {args.host}:{args.port} 监听: {exc.strerror}", file=sys.stderr)
        return 1
    return start_hub(hall, db, args.host, args.port, args.clock_file,
                     on_listen=lambda port: print_urls(hall, args.host, port), listener=listener)


def cmd_demo(args):
    import time
    from hub.store.database import Store
    from dataclasses import replace
    hall = load_hall_or_exit(args.config)
    if args.config is None:  # the demo's QR codes must lead to this very hub
        hall = replace(hall, public_url=base_url(args.host, args.port))
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="hallq-demo-"), "demo.db")
    from hub.service.demo_users import DEMO_USERS, ensure_demo_users
    ensure_demo_users(Store(db), time.time())
    logins = ["演示账号 (用户名 / PIN):", "  " + DEMO_PINS_NOTICE] + [
        f"  {name:<20} {pin}  {role}{' ' + '/'.join(deps) if deps else ''}" for name, role, pin, deps in DEMO_USERS]
    devices = []
    platform = start_beside(hall.platform)  # the 好差评 platform's stand-in, before the hub pushes to it

    def on_listen(port):
        if not args.no_devices:
            devices.append(_start_devices(hall, f"http://127.0.0.1:{port}", os.path.dirname(db), args.config))
        print_urls(hall, args.host, port, logins + [f"数据库: {db}"] + [
            "模拟设备: " + (devices[0].describe() if devices and devices[0] else "未启动"),
            "好差评平台模拟器: " + (platform[1] if platform else "未启动 ([platform] url 不在本机)")])

    try:
        return start_hub(hall, db, args.host, args.port, on_listen=on_listen)
    finally:
        for handle in devices:
            if handle:
                handle.stop()
        if platform:
            platform[0].terminate()
            platform[0].wait(timeout=10)


def _start_devices(hall, hub_url, workdir, config_path):
    try:
        from firmware_bridge.demo import start_devices
    except ImportError:
        return None
    return start_devices(hub_url, hall, workdir, config_path=config_path)
