"""hallq platform sim: the provincial 好差评 system's stand-in, for the demo and the tests."""
from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

DEFAULT_PORT = 8091
LOOPBACK = ("127.0.0.1", "localhost")


def register(sub):
    p = sub.add_parser("platform", help="省好差评系统 (模拟器)", description="hallq platform sim: 好差评平台模拟器")
    psub = p.add_subparsers(dest="platform_command", metavar="COMMAND")
    psub.required = True
    s = psub.add_parser("sim", help="运行好差评平台模拟器: 逐项校验收到的每条评价并打印",
                        description="接收 POST /api/ratings, 校验每个字段 (hub/rules/platform.py), 打印一行; "
                                    "GET /api/ratings 列出已接收的评价")
    s.add_argument("--host", default="127.0.0.1", help="监听地址 (默认 127.0.0.1)")
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口 (默认 {DEFAULT_PORT}, 0 = 任选)")
    s.add_argument("--key", help="平台分配给大厅的 key (默认: 演示大厅 [platform] key)")
    s.set_defaults(handler=cmd_sim)


def cmd_sim(args):
    from hub.hallfile.model import load_hall
    from hub.platform.sim import serve

    key = args.key or load_hall().platform.key
    serve(args.host, args.port, key)
    return 0


def start_beside(platform):
    """`hallq demo`'s simulator: its own process on the address the hall file's [platform] url names,
    so the demo's ratings reach it. None (and nothing started) when that url is empty or not this
    machine. Its lines (OK / DUPLICATE / REFUSED) go to the demo's terminal."""
    where = urlsplit(platform.url)
    if not platform.url or where.hostname not in LOOPBACK:
        return None
    port = where.port or 80
    process = subprocess.Popen([sys.executable, "-m", "hub.cli.main", "platform", "sim", "--host", where.hostname,
                                "--port", str(port), "--key", platform.key])
    return process, f"http://{where.hostname}:{port}/api/ratings"
