"""`hallq sounds build`, `hallq announce`, `hallq board`."""
from __future__ import annotations

import os
import sys

from hub.cli.main import add_common


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

    board = subparsers.add_parser("board", help="pygame 叫号屏 (HDMI 全屏), hub 的 Socket.IO 客户端")
    board.add_argument("--hub", metavar="URL", required=True, help="hub 地址, 如 http://127.0.0.1:8080")
    board.add_argument("--snapshot", metavar="FILE.png", help="只把当前状态画一次存为 PNG, 然后退出")
    board.add_argument("--windows", metavar="LIST", help="只显示这些窗口, 如 1,2,3 或 1-6")
    board.add_argument("--floor", metavar="FLOOR", help="只显示这一层的窗口")
    board.add_argument("--lang", choices=("zh", "en"), default="zh", help="显示语言")
    board.add_argument("--size", metavar="WxH", default="1920x1080", help="窗口/快照大小 (默认 1920x1080)")
    board.add_argument("--windowed", action="store_true", help="窗口模式而非全屏")
    board.add_argument("--device", default="board-1", help="本屏的设备编号 (默认 board-1)")
    board.add_argument("--device-key", metavar="KEY", help="设备密钥 (默认从大厅配置读取)")
    board.add_argument("--font", metavar="FILE", help="中文字体文件 (默认自动寻找)")
    board.add_argument("--no-sound", action="store_true", help="不播报")
    board.add_argument("--repeat", type=int, help="每次呼叫说几遍 (默认: 大厅规则 announce_repeat)")
    board.add_argument("--sounds", metavar="DIR", help="语音片段目录 (默认: sounds/)")
    add_common(board, db=False)
    board.set_defaults(handler=run_board)


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


def _size(text):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"大小 {text!r} 无效: 应为 宽x高, 如 1920x1080") from None
    if not (160 <= w <= 7680 and 120 <= h <= 7680):
        raise ValueError(f"大小 {text!r} 超出范围")
    return w, h


def _hall_settings(args):
    """(device key, announce_repeat) from the hall file; the board still
    runs (without acks) when the file cannot be read."""
    key, repeat = args.device_key, args.repeat
    if key and repeat:
        return key, repeat
    try:
        from hub.hallfile.model import ConfigError, load_hall

        hall = load_hall(args.config)
    except (ConfigError, ImportError) as exc:
        print(f"警告: 无法读取大厅配置 ({exc}); 不向 hub 确认呼叫", file=sys.stderr)
        return key, repeat or 2
    device = hall.device(args.device)
    if key is None and device is None:
        print(f"警告: 大厅配置中没有设备 {args.device}; 不向 hub 确认呼叫", file=sys.stderr)
    return key or (device.key if device else None), repeat or hall.rules.announce_repeat


def run_board(args):
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from display.board_draw import Painter, find_font
    from display.board_state import Filter, parse_windows
    from display.pygame_board import Options

    try:
        options = Options(lang=args.lang, size=_size(args.size), fullscreen=not args.windowed,
                          board_filter=Filter(parse_windows(args.windows), str(args.floor or "")))
        font_path, font_note = find_font(args.font)
    except ValueError as exc:
        return _fail(str(exc))
    print(f"字体: {font_note}")
    painter = Painter(font_path)
    if args.snapshot:
        return _board_snapshot(args, painter, options)
    return _board_live(args, painter, options)


def _board_snapshot(args, painter, options):
    from display.board_link import BoardLink
    from display.pygame_board import render_snapshot
    from hub.client.http import HubUnreachable

    link = BoardLink(args.hub)
    try:
        link.connect(timeout=10)
    except HubUnreachable:
        link.close()
        return _fail(f"无法连接 hub {args.hub}: 10 秒内没有收到快照 (snapshot)")
    try:
        view = render_snapshot(link, painter, options, args.snapshot)
    except Exception as exc:  # pygame.error and OSError from image.save
        return _fail(f"无法写入 {args.snapshot}: {exc}")
    finally:
        link.close()
    newest = view["newest"]["number"] if view["newest"] else "无"
    print(f"已写入 {args.snapshot}: {options.size[0]}x{options.size[1]}, 最新呼叫 {newest}")
    return 0


def _board_live(args, painter, options):
    from display.board_link import BoardLink
    from display.pygame_board import PygameBoard
    from hub.client.acks import CallAcks

    key, repeat = _hall_settings(args)
    link = BoardLink(args.hub, token=key)
    acker = CallAcks(args.hub, args.device, key) if key else None
    board = PygameBoard(link, painter, options, acker=acker)
    if not args.no_sound:
        board.announcer = _announcer(args, repeat, board.spoken)
    try:
        board.run()
    finally:
        if board.announcer is not None:
            board.announcer.stop()
        link.close()
    return 0


def _announcer(args, repeat, on_spoken):
    from display.announcer import Announcer, PygameSink
    from display.sounds import SoundsError, load_manifest

    try:
        manifest = load_manifest(args.sounds)
        return Announcer(manifest, PygameSink(manifest), repeat=repeat, on_spoken=on_spoken).start()
    except (SoundsError, Exception) as exc:  # no audio device: the board still shows calls
        print(f"警告: 无法播报 ({exc}); 叫号屏只显示不播报", file=sys.stderr)
        return None
