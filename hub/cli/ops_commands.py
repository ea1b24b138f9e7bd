"""Operational commands: backup, restore, prune, init-hall, status, serial-ports.

What a hall technician runs on the Pi (docs/operations.md). Every failure is
one line starting with 错误： on stderr and exit status 1 (2: hub unreachable).
"""
from __future__ import annotations

import argparse
import os
import re
import sys

from hub.cli.main import add_common

def register(subparsers):
    p = subparsers.add_parser("backup", help="在线备份数据库（hub 运行时也可以）；默认按大厅配置的 [backup] 备份")
    add_common(p)
    p.add_argument("--to", metavar="FILE", help="备份到这个文件（不按 [backup]）")
    p.add_argument("--dir", metavar="DIR", help="代替 [backup] dir：每天一个文件 hallq-YYYY-MM-DD.db")
    p.add_argument("--keep", type=int, metavar="N", help="代替 [backup] keep：保留最近 N 个")
    p.add_argument("--if-due", action="store_true",
                   help="只在当天的备份到时间（[backup] at）且还没做时才备份（hallq-backup.timer 用）")
    p.set_defaults(handler=cmd_backup)

    p = subparsers.add_parser("restore", help="从备份恢复数据库（须先停止 hub）")
    add_common(p, config=False)
    p.add_argument("file", metavar="FILE", help="备份文件")
    p.add_argument("--yes", action="store_true", help="不询问，直接恢复")
    p.set_defaults(handler=cmd_restore)

    p = subparsers.add_parser("prune", help="删除过旧的事件记录（保留每日汇总），可选整理数据库文件")
    add_common(p)
    p.add_argument("--days", type=int, default=180, metavar="N", help="保留最近 N 天（默认 180）")
    p.add_argument("--vacuum", action="store_true", help="之后整理数据库文件，归还空间（须先停止 hub）")
    p.set_defaults(handler=cmd_prune)

    p = subparsers.add_parser("init-hall", help="从演示大厅生成新的大厅配置文件，设备密钥全部重新随机生成")
    p.add_argument("file", metavar="FILE", help="要写入的大厅配置文件（已存在则拒绝）")
    p.add_argument("--from", dest="source", metavar="FILE", help="模板（默认：演示大厅）")
    p.add_argument("--public-url", metavar="URL", help="手机扫码访问的地址，如 http://192.168.1.20:8080")
    p.set_defaults(handler=cmd_init_hall)

    p = subparsers.add_parser("status", help="读取 hub 的健康报告 /api/health")
    p.add_argument("--hub", default="http://127.0.0.1:8080", metavar="URL")
    p.add_argument("--json", action="store_true", help="原样输出 JSON")
    p.set_defaults(handler=cmd_status)

    p = subparsers.add_parser("serial-ports", help="列出 USB 串口适配器；--udev 输出固定名称的 udev 规则")
    p.add_argument("--udev", action="store_true", help="输出 udev 规则（/dev/hallq-rs485-N）")
    p.add_argument("--prefix", default="hallq-rs485-", help="名称前缀（默认 hallq-rs485-）")
    p.add_argument("--sys-root", default="/sys", help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_serial_ports)


def fail(message, code=1):
    print(f"错误：{message}", file=sys.stderr)
    return code


def _db(args):
    if getattr(args, "db", None):
        return args.db
    from hub.store.database import default_db_path
    return default_db_path()


# backup / restore / migrate / prune ---------------------------------------------

def cmd_backup(args):
    import time

    from hub.ops import backup
    if args.to and (args.dir or args.keep is not None or args.if_due):
        return fail("--to 不能与 --dir、--keep 或 --if-due 一起使用")
    db, now = _db(args), time.time()
    if args.to:
        return _backup_once(db, now, args.to, lambda: backup.backup(db, args.to), daily=False)
    try:
        directory, keep, at, tz = _backup_plan(args, db)
    except ValueError as exc:
        # a hall file saved half-edited must not mark the backup failed all day:
        # it counts as a failed backup only when one is owed (none for a day)
        last = (backup.read_status(db) or {}).get("daily_success_at") or 0
        if os.path.isfile(db) and (not args.if_due or now - last >= 86400):
            backup.record_status(db, False, now, args.config or "", exc, daily=True)
        return fail(exc)
    from hub.rules.backup_plan import backup_due
    if args.if_due and not backup_due(now, at, tz, backup.read_status(db)):
        return 0
    return _backup_once(db, now, directory, lambda: backup.backup_to_dir(db, directory, keep, now=now, tz=tz),
                        daily=True)


def _backup_plan(args, db):
    """(directory, keep, at, time zone) from the hall file's [backup], with --dir/--keep over it."""
    from hub.rules.backup_plan import backup_dir
    from hub.hallfile.model import ConfigError, format_error, load_hall
    try:
        hall = load_hall(args.config)
    except ConfigError as exc:
        raise ValueError(f"大厅配置文件有错误，无法读取 [backup]：{format_error(exc.errors[0])}") from None
    setting = hall.backup.dir if args.dir is None else args.dir
    directory = backup_dir(setting, db)
    if not os.path.isabs(os.path.expanduser(setting)) and os.path.isfile(db):
        try:  # beside the database: ours to make (a mount point is not: it may be unmounted)
            os.makedirs(directory, exist_ok=True)
        except OSError:
            pass  # the backup then says the directory is missing
    return directory, hall.backup.keep if args.keep is None else args.keep, hall.backup.at, hall.timezone


def _backup_once(db, now, target, run, daily):
    from hub.ops import backup
    try:
        summary = run()
    except backup.BackupError as exc:
        if os.path.isfile(db):
            backup.record_status(db, False, now, target, exc, daily=daily)
        return fail(exc)
    backup.record_status(db, True, now, summary["path"], backup.describe(summary), daily=daily)
    print(f"已备份到 {summary['path']}（{summary['bytes'] // 1024} KB，{backup.describe(summary)}，完整性检查通过）")
    if summary.get("token_key"):
        print(f"号票密钥已一并备份到 {summary['path']}.token-key（与数据库一起保管）")
    for path in summary.get("removed", ()):
        print(f"已删除旧备份 {path}")
    return 0


def cmd_restore(args):
    from hub.ops import backup
    db = _db(args)
    try:
        summary = backup.check_database(args.file)
        holder = backup.db_in_use(db)
        if holder:
            raise backup.DatabaseInUse(db, holder)
    except backup.BackupError as exc:
        return fail(exc)
    print(f"备份文件 {args.file}：{backup.describe(summary)}，完整性检查通过")
    if not args.yes and not _confirm(db):
        return fail("已取消，数据库没有改动")
    try:
        result = backup.restore(args.file, db)
    except backup.BackupError as exc:
        return fail(exc)
    if result["previous"]:
        print(f"原数据库已另存为 {result['previous']}")
    if not result["token_key"]:
        print(f"警告：备份旁没有号票密钥文件 {args.file}.token-key：号票仍可扫码查询，但这些号票无法补打")
    print(f"已恢复到 {db}。现在可以启动 hub：sudo systemctl start hallq-hub")
    return 0


def _confirm(db):
    if not sys.stdin.isatty():
        print("不在终端上运行，无法确认：确定要恢复请加 --yes", file=sys.stderr)
        return False
    try:
        answer = input(f"用这个备份覆盖 {db}？输入 yes 确认：")
    except EOFError:
        return False
    return answer.strip().lower() in ("yes", "y", "是")


def cmd_prune(args):
    import time

    from hub.ops import backup
    from hub.store.database import StoreUnreadable, prune_file
    db = _db(args)
    if args.days < 0:
        return fail("--days 不能为负数")
    if not os.path.isfile(db):
        return fail(f"数据库文件不存在：{db}")
    try:
        with backup.hold_db_lock(db, purpose="prune"):
            result, space = prune_file(db, days=args.days, now=time.time(), tz=_timezone(args),
                                       full_vacuum=args.vacuum, hold=_ships_to_county(args))
    except backup.BackupError as exc:
        return fail(str(exc) + "（hub 运行时会按配置每天自动清理）")
    except StoreUnreadable as exc:
        return fail(f"数据库出错：{exc}")
    print(f"已删除 {result['deleted']} 条事件记录（每日汇总已保留在 events_daily）；"
          f"空闲页 {space['free_pages']}，自动整理模式 {space['auto_vacuum']}")
    if result["through"] is not None:
        print(f"县平台已确认到第 {result['through']} 条事件；之后的事件在县平台确认前不会删除")
    return 0


def _ships_to_county(args):
    """Whether the county's unacknowledged events must stay: a hall file with [county], or no
    --config (then a database that has shipped before says so itself)."""
    from hub.hallfile.model import load_hall
    return not (args.config and load_hall(args.config).county is None)


def _timezone(args):
    from hub.hallfile.model import load_hall
    return load_hall(args.config).timezone if args.config else "Asia/Shanghai"


# the hall file --------------------------------------------------------------------

def fresh_device_keys(text):
    """The hall file's text with every device key replaced by a new random one.

    Works on the text (comments and layout stay) and checks the result by
    parsing it again. Returns (text, number of keys replaced)."""
    import secrets  # here, not at the top: hashlib loads OpenSSL (~4 MB) into every hallq process
    import tomllib
    devices = tomllib.loads(text).get("devices", [])
    old = {d["key"] for d in devices if isinstance(d, dict) and isinstance(d.get("key"), str)}
    for key in sorted(old, key=len, reverse=True):
        new = secrets.token_urlsafe(24)
        pattern = re.compile(r"""(\bkey\s*=\s*)(["'])""" + re.escape(key) + r"\2")
        text, n = pattern.subn(lambda m: f'{m.group(1)}"{new}"', text)
        if n == 0:
            raise ValueError(f"无法替换设备密钥 {key[:6]}…（密钥写法不常见）")
    keys = [d.get("key") for d in tomllib.loads(text).get("devices", [])]
    if set(keys) & old or len(set(keys)) != len(keys):
        raise ValueError("设备密钥替换后仍有旧密钥或重复密钥")
    return text, len(keys)


def set_public_url(text, url):
    pattern = re.compile(r"""^(\s*public_url\s*=\s*)(["']).*?\2""", re.MULTILINE)
    text, n = pattern.subn(lambda m: f'{m.group(1)}"{url}"', text)
    return text, n > 0


def cmd_init_hall(args):
    if os.path.exists(args.file):
        return fail(f"{args.file} 已存在，不会覆盖（设备密钥可能已在使用）")
    try:
        text = _template_text(args.source)
        text, count = fresh_device_keys(text)
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        return fail(f"模板不可用：{exc}")
    text = ("# 本大厅配置由 hallq init-hall 生成，设备密钥已重新随机生成（请勿外传）。\n"
            "# 按本厅实际修改后检查：hallq check-config " + args.file + "\n\n" + text)
    if args.public_url:
        text, found = set_public_url(text, args.public_url)
        if not found:
            print("提示：模板里没有 public_url，请手动加上", file=sys.stderr)
    directory = os.path.dirname(os.path.abspath(args.file))
    os.makedirs(directory, exist_ok=True)
    tmp = args.file + ".tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640), "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.file)
    print(f"已写入 {args.file}：{count} 台设备的密钥已重新随机生成。请按本厅实际修改后运行 hallq check-config")
    return 0


def _template_text(source):
    if source:
        with open(source, encoding="utf-8") as f:
            return f.read()
    from importlib.resources import files
    return (files("config") / "demo-hall.toml").read_text(encoding="utf-8")


# the running hall ------------------------------------------------------------------

def cmd_status(args):
    import json

    import requests
    try:
        response = requests.get(args.hub.rstrip("/") + "/api/health", timeout=5)
        report = response.json()
    except (requests.RequestException, ValueError) as exc:
        return fail(f"无法连接 hub {args.hub}：{exc}", code=2)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        state = {"ok": "正常", "degraded": "有问题"}.get(report.get("status"), report.get("status"))
        print(f"hub {args.hub}：{state}（版本 {report.get('version', '?')}）")
        for problem in report.get("problems", ()):
            print(f"  - {problem}")
        county = report.get("county")
        if county:
            state = {"ok": "已同步", "behind": "上报滞后", "unreachable": "无法连接"}.get(county["state"], county["state"])
            print(f"  县平台上报：{state}，待上报 {county['pending_events']} 条，"
                  f"已确认到第 {county['acked_through']} 条，滞后 {county['lag_s']} 秒")
    return 0 if report.get("status") == "ok" else 1


def cmd_serial_ports(args):
    from hub.ops import serial_ports
    adapters = serial_ports.find_adapters(args.sys_root)
    if args.udev:
        sys.stdout.write(serial_ports.udev_rules(adapters, args.prefix))
    else:
        print(serial_ports.describe(adapters, args.prefix))
    return 0
