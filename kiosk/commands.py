"""`hallq print-ticket`, `hallq print-materials` and `hallq printer sim|status`.

print-ticket reprints (补打) a ticket from the database, opened read-only, so
it is safe while the hub runs; the people ahead and the estimated wait come
from the hub's own estimate over the same rows. The printer is --printer URL,
else the hall file's `printer`, else the first printer device with a URL.
"""
from __future__ import annotations

import os
import sys
import time

from hub.cli.main import add_common

FAULT_EXIT = 3  # the printer has a fault: the job was not printed


def register(sub):
    p = sub.add_parser("print-ticket", help="打印 (补打) 号票")
    p.add_argument("ticket", metavar="ID", help="号票 ID，或今天的号码 (如 A012)")
    _printer_options(p)
    p.add_argument("--hub", metavar="URL", help="改为从运行中的 hub 读取号票 (需要打印机设备密钥 --key)")
    p.add_argument("--key", help="打印机设备密钥 (默认: 配置中第一台打印机的密钥)")
    p.add_argument("--clock-file", metavar="FILE", help="与 hub 相同的时钟文件 (培训/测试)")
    add_common(p)
    p.set_defaults(handler=cmd_print_ticket)

    p = sub.add_parser("print-materials", help="打印一次性告知单 (无需取号)")
    p.add_argument("matter", metavar="MATTER", help="事项 ID 或名称")
    p.add_argument("--situation", metavar="S", help="情形 ID 或名称")
    p.add_argument("--clock-file", metavar="FILE", help="与 hub 相同的时钟文件 (培训/测试)")
    _printer_options(p)
    add_common(p, db=False)
    p.set_defaults(handler=cmd_print_materials)

    p = sub.add_parser("printer", help="票据打印机: 模拟器与状态")
    psub = p.add_subparsers(dest="printer_command", metavar="ACTION")
    psub.required = True
    s = psub.add_parser("sim", help="打印机模拟器 (TCP 与 pty)，显示解码后的票据")
    s.add_argument("--port", type=int, default=9100, help="TCP 端口 (默认 9100; 0 = 任一空闲端口)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--pty", nargs="?", const="", metavar="LINK", help="同时在 pty 上模拟 (可给出固定的链接路径)")
    s.add_argument("--paper", type=int, choices=(58, 80), default=80)
    s.add_argument("--png-dir", metavar="DIR", help="把每张票据另存为 PNG 图片")
    s.set_defaults(handler=cmd_printer_sim)
    s = psub.add_parser("status", help="查询打印机状态 (DLE EOT)")
    _printer_options(s)
    add_common(s, db=False)
    s.set_defaults(handler=cmd_printer_status)


def _printer_options(p):
    p.add_argument("--printer", metavar="URL",
                   help="usb://VID:PID, serial:///dev/ttyUSB0?baudrate=9600, tcp://HOST:9100, file:///PATH")
    p.add_argument("--paper", type=int, choices=(58, 80), help="纸宽 (毫米)，默认取配置")
    p.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                   help="打印机故障时最多等待恢复的秒数 (默认 10)")


def _fail(message, code=1):
    print(message, file=sys.stderr)
    return code


def _hall(args):
    from hub.cli.commands import load_hall_or_exit
    return load_hall_or_exit(args.config)


def printer_target(hall, url=None, paper=None):
    """(printer URL, paper mm): the option, else the hall's printer, else the
    first printer device with a URL; paper from its options or the hall."""
    device = next((d for d in hall.devices if d.kind == "printer" and d.url), None)
    if not url:
        url = hall.printer or (device.url if device else "")
    if not paper:
        paper = (device.options.get("paper_mm") if device else None) or hall.paper_mm
    return url, int(paper)


def print_job(url, job, paper_mm, wait):
    """Print one slip or bytes through a Spooler; (printed?, last status)."""
    from kiosk.spooler import Spooler

    seen = []
    spooler = Spooler(url, on_status=seen.append, paper_mm=paper_mm, retry_seconds=0.5, start=False)
    spooler.submit(job)
    spooler.start()
    printed = spooler.wait_idle(max(wait, 0.5))
    spooler.stop()
    return printed, (seen[-1] if seen else None)


def _print_and_report(args, hall, job, what):
    from kiosk.printer_port import FAULT_NAMES, PrinterUrlError
    from kiosk.printing import SlipError

    url, paper = printer_target(hall, args.printer, args.paper)
    if not url:
        return _fail("未配置打印机: 请用 --printer URL 指定，或在大厅配置中设置 printer")
    try:
        printed, status = print_job(url, job, paper, args.wait)
    except (PrinterUrlError, SlipError) as exc:
        return _fail(str(exc))
    if not printed:
        reason = FAULT_NAMES.get(status, status or "未知原因")
        return _fail(f"{what}未打印: {reason} ({url})，请排除故障后重试", FAULT_EXIT)
    note = f" ({FAULT_NAMES[status]})" if status else ""
    print(f"已打印{what} → {url}{note}")
    return 0


def cmd_print_ticket(args):
    from kiosk.slip_data import TicketNotFound, slip_from_db, slip_from_hub

    hall = _hall(args)
    try:
        if args.hub:
            slip = slip_from_hub(args.hub, args.ticket, args.key or _printer_key(hall))
        else:
            slip = slip_from_db(hall, args.db, args.ticket, _now(args))
    except TicketNotFound as exc:
        return _fail(str(exc))
    slip["reprint"] = True
    return _print_and_report(args, hall, slip, f"号票 {slip['number']}")


def _now(args):
    if getattr(args, "clock_file", None):
        from hub.rules.clock import FileClock
        return FileClock(args.clock_file).now()
    return time.time()


def _printer_key(hall):
    device = next((d for d in hall.devices if d.kind == "printer"), None)
    return device.key if device else ""


def cmd_print_materials(args):
    from kiosk.slip_data import TicketNotFound, materials_slip_data

    hall = _hall(args)
    try:
        slip = materials_slip_data(hall, args.matter, args.situation, _now(args))
    except TicketNotFound as exc:
        return _fail(str(exc))
    return _print_and_report(args, hall, slip, "一次性告知单")


def cmd_printer_status(args):
    from kiosk.printer_port import FAULT_NAMES, PrinterUnavailable, PrinterUrlError, open_port

    url, _ = printer_target(_hall(args), args.printer, args.paper)
    if not url:
        return _fail("未配置打印机: 请用 --printer URL 指定")
    try:
        port = open_port(url)
        try:
            status = port.status()
            two_way = port.bidirectional
        finally:
            port.close()
    except PrinterUrlError as exc:
        return _fail(str(exc))
    except PrinterUnavailable as exc:
        print(f"{url}: unplugged ({FAULT_NAMES['unplugged']}: {exc})")
        return FAULT_EXIT
    if not two_way:
        print(f"{url}: 可写入 (此连接无法查询状态)")
        return 0
    print(f"{url}: {status or 'ok'} ({FAULT_NAMES.get(status, '就绪')})")
    return FAULT_EXIT if status and status != "paper_near_end" else 0


def cmd_printer_sim(args):
    from kiosk.printer_sim import FAULT_SWITCHES, PrinterSim, slip_png

    columns = 48 if args.paper == 80 else 32
    printed = iter(range(1, 1 << 30))

    def show(slip):
        print(slip.text(columns), flush=True)
        if args.png_dir:
            path = os.path.join(args.png_dir, f"slip-{next(printed):04d}.png")
            slip_png(slip, path, args.paper)
            print(f"[PNG] {path}", flush=True)

    sim = PrinterSim(paper_mm=args.paper, on_slip=show)
    try:
        port = sim.start_tcp(args.port, args.host)
    except OSError as exc:
        return _fail(f"无法监听 {args.host}:{args.port}: {exc.strerror}")
    if args.png_dir:
        os.makedirs(args.png_dir, exist_ok=True)
    print(f"打印机模拟器: tcp://{args.host}:{port}", flush=True)
    if args.pty is not None:
        print(f"打印机模拟器: serial://{sim.start_pty(link=args.pty or None)}", flush=True)
    print(f"故障开关 (输入名称切换, ok 全部清除): {', '.join(FAULT_SWITCHES)}", flush=True)
    try:
        for line in sys.stdin:
            name = line.strip()
            if name == "ok":
                sim.clear_faults()
            elif name in FAULT_SWITCHES:
                sim.set_fault(name, name not in sim.faults)
            elif name:
                print(f"未知命令 {name!r}", flush=True)
                continue
            print(f"故障: {', '.join(sorted(sim.faults)) or '无'}", flush=True)
        while True:  # stdin closed (a service): keep printing until stopped
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0
