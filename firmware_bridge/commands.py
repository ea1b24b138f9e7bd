"""`hallq bridge` and `hallq devices sim|ctl`: the serial side of the hall."""
from __future__ import annotations

import os
import signal
import sys
import threading

from hub.cli.main import add_common

DEFAULT_SIM_DIR = os.path.join("var", "sim")


def register(sub):
    p = sub.add_parser("bridge", help="串口桥: 驱动窗口屏、呼叫器、评价器、打印机 (中心的 Socket.IO 客户端)")
    p.add_argument("--hub", metavar="URL", default="http://127.0.0.1:8080", help="中心地址 (默认 http://127.0.0.1:8080)")
    p.add_argument("--ports", metavar="FILE", help="设备 -> 串口路径的映射 (JSON, hallq devices sim 生成)")
    p.add_argument("--device", metavar="ID", help="本桥的设备 ID (默认: 配置中第一台 bridge)")
    p.add_argument("--traffic-dir", metavar="DIR", default=os.path.join("var", "traffic"),
                   help="通信日志目录 (设备 options.traffic_log = true 时记录)")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    add_common(p, db=False)
    p.set_defaults(handler=cmd_bridge)

    p = sub.add_parser("devices", help="串口设备: 模拟器与控制")
    dsub = p.add_subparsers(dest="devices_command", metavar="ACTION")
    dsub.required = True
    s = dsub.add_parser("sim", help="在 pty 上模拟全部窗口屏、呼叫器、评价器 (和打印机)，打印各自的路径")
    s.add_argument("--workdir", metavar="DIR", default=DEFAULT_SIM_DIR, help=f"链接、端口映射和控制套接字的目录 (默认 {DEFAULT_SIM_DIR})")
    s.add_argument("--ports-out", metavar="FILE", help="端口映射 JSON 的路径 (默认 WORKDIR/ports.json)")
    s.add_argument("--split", action="store_true", help="每台设备一个 pty (默认: 同一 url 的设备共用一条线路)")
    s.add_argument("--no-printers", action="store_true", help="不模拟打印机")
    s.add_argument("--quiet", action="store_true", help="不打印设备显示内容的变化")
    s.add_argument("--brief", action="store_true", help="不列出各设备的路径 (hallq demo 用)")
    add_common(s, db=False)
    s.set_defaults(handler=cmd_sim)
    c = dsub.add_parser("ctl", help="向运行中的模拟器发送一条控制命令 (如: press keypad-3 call)")
    c.add_argument("words", nargs="+", metavar="COMMAND", help="list | shows | press ID KEY | fault ID NAME VALUE | unplug ID | plug ID")
    c.add_argument("--workdir", metavar="DIR", default=DEFAULT_SIM_DIR)
    c.set_defaults(handler=cmd_ctl)


def _load_hall(args):
    from hub.hallfile.model import ConfigError, load_hall
    try:
        return load_hall(args.config)
    except ConfigError as exc:
        print(f"大厅配置有误:\n{exc}", file=sys.stderr)
    except OSError as exc:
        print(f"无法读取大厅配置 {args.config}: {exc}", file=sys.stderr)
    return None


def _wait_for_signal():
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(1.0):
        pass


def cmd_bridge(args):
    import logging
    from firmware_bridge.bridge import Bridge, BridgeConfigError, load_ports
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hall = _load_hall(args)
    if hall is None:
        return 1
    try:
        ports = load_ports(args.ports) if args.ports else {}
        bridge = Bridge(hall, args.hub, ports=ports, traffic_dir=args.traffic_dir, bridge_id=args.device)
    except BridgeConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"串口桥已启动: {len(bridge.lines)} 条线路, {len(bridge.roles)} 台设备, 中心 {args.hub}", flush=True)
    bridge.start()
    try:
        _wait_for_signal()
    finally:
        bridge.stop()
    return 0


def cmd_sim(args):
    from firmware_bridge.sim_control import start_simulators
    hall = _load_hall(args)
    if hall is None:
        return 1
    out = sys.stdout
    lock = threading.Lock()

    def changed(device):
        if not args.quiet:
            note = " (滚动)" if device.kind == "bar" and device.scrolling else ""
            with lock:
                print(f"[{device.device_id}] {device.shows}{note}", file=out, flush=True)

    def printed(device_id, slip):
        if not args.quiet:
            with lock:
                print(f"[{device_id}] 打印: " + " | ".join(t for t in slip.texts if t.strip()), file=out, flush=True)

    try:
        sims = start_simulators(hall, args.workdir, on_change=changed, split=args.split,
                                printers=not args.no_printers, on_slip=printed)
    except (OSError, ValueError) as exc:
        print(f"模拟器无法启动: {exc}", file=sys.stderr)
        return 1
    try:
        if not args.brief:
            for device_id, path in sims.paths.items():
                pty = sims.pty_paths.get(device_id) or ""
                print(f"  {device_id:<11} {path}" + (f" -> {pty}" if pty else ""), flush=True)
        # written last: its appearance tells a waiting `hallq demo` that every pty is up
        ports = sims.write_ports(args.ports_out or os.path.join(sims.workdir, "ports.json"))
        if not args.brief:
            print(f"端口映射: {ports}  (hallq bridge --ports {ports})")
            print(f"控制: {sims.control_path}  (hallq devices ctl --workdir {args.workdir} press keypad-3 call)",
                  flush=True)
        if sys.stdin.isatty():
            _console(sims, lock)
        else:
            _wait_for_signal()
    finally:
        sims.stop()
    return 0


def _end_console(*_):
    raise EOFError


def _console(sims, lock):
    """The tiny terminal UI: type control commands; Ctrl-D or 'quit' ends."""
    signal.signal(signal.SIGTERM, _end_console)
    print("输入命令 (help 查看, quit 退出)")
    while True:
        try:
            line = input("sim> ").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if line in ("quit", "exit"):
            return
        answer = sims.command(line)
        if answer:
            with lock:
                print(answer, flush=True)


def cmd_ctl(args):
    from firmware_bridge.sim_control import send_command
    path = os.path.join(args.workdir, "control.sock")
    try:
        answer = send_command(path, " ".join(args.words))
    except OSError as exc:
        print(f"无法连接模拟器控制套接字 {path}: {exc} (先运行 hallq devices sim)", file=sys.stderr)
        return 1
    print(answer)
    return 1 if answer.startswith("error:") else 0
