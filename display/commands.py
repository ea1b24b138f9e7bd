"""`hallq sounds build`, `hallq announce`, `hallq board`."""
from __future__ import annotations

import os
import sys


def register(subparsers):
    sounds = subparsers.add_parser("sounds", help="语音片段 (sounds/)")
    sounds_sub = sounds.add_subparsers(dest="sounds_command", metavar="ACTION")
    sounds_sub.required = True
    build = sounds_sub.add_parser("build", help="用 espeak-ng 离线重新生成 sounds/ 中的语音片段")
    build.add_argument("--out", metavar="DIR", help="输出目录 (默认: sounds/)")
    build.add_argument("--only", metavar="NAMES", help="只生成这些片段, 逗号分隔 (如 digit-0,chime)")
    build.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="并行数")
    build.set_defaults(handler=sounds_build)


def _fail(message):
    print(f"错误: {message}", file=sys.stderr)
    return 1


def sounds_build(args):
    from display.sounds import SoundsError
    from display.sounds_build import build, tools_missing

    missing = tools_missing()
    if missing:
        return _fail(f"未找到 {', '.join(missing)}: 请先安装 (apt-get install espeak-ng sox)")
    only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    try:
        manifest = build(args.out, only=only, jobs=args.jobs)
    except SoundsError as exc:
        return _fail(str(exc))
    clips = manifest["clips"]
    total = sum(c["duration"] for c in clips.values())
    print(f"已生成 {len(only) if only else len(clips)} 个语音片段 (清单共 {len(clips)} 个, 总时长 {total:.1f} 秒)")
    return 0
