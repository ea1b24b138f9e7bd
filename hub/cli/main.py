"""The `hallq` command. Each package adds its subcommands through a
`register(subparsers)` function in its own `commands` module, listed here;
heavy imports happen inside the handlers, so `hallq --help` stays fast."""
from __future__ import annotations

import argparse
import sys

from hub import optional_module

COMMAND_MODULES = (
    "hub.cli.commands",
    "hub.cli.ops_commands",
    "hub.cli.sim_commands",
    "hub.cli.platform_commands",
    "kiosk.commands",
    "caller.commands",
    "display.commands",
    "firmware_bridge.commands",
    "hub.county.commands",
)


def build_parser():
    parser = argparse.ArgumentParser(prog="hallq", description="便民服务中心排队叫号系统 hallq")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        module = optional_module(name)
        if module is not None:
            module.register(sub)
    return parser


GEVENT_COMMANDS = ("serve", "demo")
COUNTY_GEVENT_COMMANDS = ("serve", "demo", "bench")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (argv[0] in GEVENT_COMMANDS or argv[:1] == ["county"] and argv[1:2] and
                 argv[1] in COUNTY_GEVENT_COMMANDS):
        # before anything imports socket or threading: the hub runs on gevent
        from gevent import monkey
        monkey.patch_all()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt:
        return 130


def add_common(parser, db=True, config=True):
    """--db and --config, which every command touching the hall takes."""
    if config:
        parser.add_argument("--config", metavar="FILE", help="大厅配置文件 (默认: 演示大厅 config/demo-hall.toml)")
    if db:
        parser.add_argument("--db", metavar="FILE", help="数据库文件 (默认: ./var/hallq.db)")


if __name__ == "__main__":
    sys.exit(main())
