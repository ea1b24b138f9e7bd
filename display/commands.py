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

    announce = subparsers.add_parser("announce", help="把一次呼叫的播报 (请 A012 号到 3 号窗口办理) 合成为 WAV 文件")
    announce.add_argument("number", help="号码, 如 A012")
    announce.add_argument("window", help="窗口号, 如 3")
    announce.add_argument("--wav", metavar="FILE", required=True, help="输出的 WAV 文件")
    announce.add_argument("--repeat", type=int, default=1, help="说几遍 (默认 1; 叫号屏按大厅规则 announce_repeat)")
    announce.add_argument("--no-chime", action="store_true", help="不加提示音")
    announce.add_argument("--style", choices=("banli", "short"), default="banli",
                          help="banli: …号窗口办理; short: …号窗口")
    announce.add_argument("--sounds", metavar="DIR", help="语音片段目录 (默认: sounds/)")
    announce.set_defaults(handler=announce_wav)


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


def announce_wav(args):
    import wave

    from display.announcer import AnnounceError, call_program, render_pcm
    from display.sounds import SoundsError, levels, load_manifest

    try:
        manifest = load_manifest(args.sounds)
        steps = call_program(args.number, args.window, repeat=args.repeat, chime=not args.no_chime,
                             style=args.style)
        pcm = render_pcm(steps, manifest)
    except (AnnounceError, SoundsError) as exc:
        return _fail(str(exc))
    try:
        with open(args.wav, "wb") as file, wave.open(file, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(manifest.rate)
            out.writeframes(pcm)
    except OSError as exc:
        return _fail(f"无法写入 {args.wav}: {exc.strerror or exc}")
    peak, rms = levels(pcm)
    seconds = len(pcm) / 2 / manifest.rate
    print(f"已写入 {args.wav}: {seconds:.2f} 秒, 峰值 {peak:.1f} dBFS, 均方根 {rms:.1f} dBFS")
    return 0
