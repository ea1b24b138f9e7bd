#!/usr/bin/env python3
"""Generate config/demo-hall.toml, the demo hall, from the matters CSV.

    python tools/make_demo_hall.py [CSV] [-o config/demo-hall.toml]

CSV defaults to config/town-hall-matters.csv (a copy of ../shared/data/town-hall-matters.csv).
The output is deterministic (the tests regenerate it and compare), written
by hand-rolled TOML so that it keeps its comments and reads like a file a
hall would edit. Stand-alone: needs only the standard library.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CSV = REPO / "config" / "town-hall-matters.csv"  # a copy of ../shared/data/town-hall-matters.csv
DEFAULT_OUT = REPO / "config" / "demo-hall.toml"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_hall_data import (  # noqa: E402  (the content; this file is the layout)
    MATERIALS_EN,
    CALENDAR, CONDITIONS, DEVICE_LINE, HALL, QUESTIONS, QUEUES, SECOND_QUESTION, WHO_MATTERS,
    WINDOWS, queue_for,
)

COMMON_COUNT = 8  # matters on the kiosk's first screen: the most asked for
PROXY_MATERIALS = ("代办人居民身份证", "授权委托书")
SCOPES = {"yes": "one_window", "no": "professional", "consult": "consult", "output": "output",
          "complaint": "complaint"}


def q(value):
    """A TOML value: JSON's string escapes are valid TOML basic strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(q(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {q(v)}" for k, v in value.items()) + " }" if value else "{}"
    return str(value)


def header():
    return """\
# 清河镇便民服务中心 — hallq 演示大厅配置 (demo hall)
#
# 本文件由 tools/make_demo_hall.py 根据 town-hall-matters.csv 生成:
#     python tools/make_demo_hall.py [CSV] [-o config/demo-hall.toml]
# 可以直接手工编辑 (TOML 格式, 每一项的含义和默认值见 docs/config.md);
# 注意: 重新运行生成脚本会覆盖手工修改。改完请检查:
#     hallq check-config --config config/demo-hall.toml
#
# 目录:
#   [hall]          大厅名称、时区、公网地址、滚动通知、打印机
#   [hours]         办公时段
#   [calendar]      节假日与调休上班日 (每年更新)
#   [rules]         过号、评价、潮汐窗口、播报等规则
#   [backup]        每日备份: 备份到哪里 (U 盘)、保留几份、几点备份
#   [[queues]]      队列 (号票前缀字母)
#   [[windows]]     窗口及其业务配置 (办理哪些队列, 权重)
#   [[devices]]     窗口屏、呼叫器、评价器、打印机、综合屏、串口桥 (含设备密钥)
#   [[questions]]   取号时问群众的问题 (情形引导)
#   [[matters]]     事项 (办事指南: 材料、条件、情形)
"""


def hall_section():
    h = HALL
    return f"""
# ── 大厅 ───────────────────────────────────────────────────────────────
[hall]
name = {q(h['name'])}
name_en = {q(h['name_en'])}
timezone = {q(h['timezone'])}
# 号票二维码指向的地址 (群众手机扫码查看排队进度); 实际大厅写对外可访问的地址
public_url = {q(h['public_url'])}
language = {q(h['language'])}  # zh-CN 或 en: 页面和错误信息的默认语言
# 综合屏滚动通知 (开机时的内容, 大厅负责人可在管理台修改)
notice = {q(h['notice'])}
# 取号机默认打印机; 空 = 不接打印机, 号票显示在屏幕上 (含二维码)
# 例: "usb://0x0416:0x5011", "tcp://192.168.1.50:9100", "serial:///dev/ttyUSB1?baudrate=9600"
printer = {q(h['printer'])}
paper_mm = {h['paper_mm']}  # 热敏纸宽: 58 或 80 (毫米)

# ── 办公时间 ───────────────────────────────────────────────────────────
[hours]
periods = [["08:30", "12:00"], ["13:30", "17:00"]]  # 上午、下午 (24 小时制, 要加引号)
enforce = false            # true = 办公时间以外不出号; 演示大厅任何时候都可取号
expire_at_closing = true   # 下班时仍在等候的号票作废 (次日重新取号)
workdays = [0, 1, 2, 3, 4]  # 每周工作日, 星期一 = 0 … 星期日 = 6
"""


def calendar_section():
    lines = ["", "# ── 节假日与调休 ─────────────────────────────────────────────────────",
             "# 按国务院办公厅每年发布的节假日安排填写, 大厅每年年底更新一次。",
             "# 2026 年按已发布的安排; 2027 年为按往年规律的估计, 以正式通知为准。",
             "# holidays: 放假的日子 (含周末); workdays: 周末调休上班的日子。", "[calendar]",
             "holidays = ["]
    for year, festivals in CALENDAR.items():
        for name, days, _ in festivals:
            lines.append(f"  {', '.join(days)},  # {year} {name}")
    lines.append("]")
    lines.append("workdays = [")
    for year, festivals in CALENDAR.items():
        for name, _, makeup in festivals:
            if makeup:
                lines.append(f"  {', '.join(makeup)},  # {year} {name}调休上班")
    lines.append("]")
    return "\n".join(lines) + "\n"


def rules_section():
    return """
# ── 规则 ───────────────────────────────────────────────────────────────
[rules]
recall_limit = 2             # 每张号票可重呼几次; 再重呼即记为过号 (no_show)
rating_minutes = 10          # 办结后多少分钟内可以评价
followup_working_days = 3    # 差评回访整改的期限 (工作日)
auto_open_tidal = true       # 队列预计等候超过其 surge_minutes 时, 自动开启潮汐窗口
tidal_queue_count = 2        # 开启潮汐窗口而未指定队列时, 它办理压力最大的几个队列
announce_repeat = 2          # 每次叫号播报几遍
max_body_bytes = 65536       # 接口请求体的上限 (字节)
case_alert_days = [1, 0]     # 承诺件到期前几个工作日提醒 (督办)
"""


def limits_section():
    return """
# ── 防滥用限制与账号 (见 docs/operations.md) ────────────────────────────
# 大厅 Wi-Fi 对所有人开放: 未登录的手机按地址计数; 取号机和查询终端凭设备密钥
# (kind = "kiosk", 请求头 X-Device-Key) 只受宽松的频率限制; 工作人员不受限。
[limits]
tickets_per_day = 30          # 同一地址 24 小时内最多取号几张
waiting_per_client = 3        # 同一地址同时最多持有几张等候中的号票
slips_per_hour = 10           # 同一地址每小时最多打印几张告知单
bookings_per_day = 3          # 同一地址 24 小时内最多预约几次
device_per_minute = 600       # 每台取号机/查询终端每分钟最多请求几次
login_failures_per_user = 10  # 同一用户 (不论地址) 登录失败几次后锁定
login_failures_per_client = 20  # 同一地址 (不论用户) 登录失败几次后锁定
lockout_minutes = 15          # 锁定多久; 更早的失败不再计数
trusted_proxies = []          # 可信的反向代理 (如 ["127.0.0.1"]); 只有它们的 X-Forwarded-For 才被采信

# PIN 规则: 窗口人员和导办员默认至少 4 位数字, 其他角色至少 6 个字符。
# 演示账号的 PIN 较短 (1111、2222 …), 只在演示大厅使用, 不受此规则约束。
[accounts]
clerk = { min_length = 4, digits = true }
guide = { min_length = 4, digits = true }
manager = { min_length = 6 }
admin = { min_length = 6 }
backoffice = { min_length = 6 }
"""


def backup_section():
    return """
# ── 每日备份 ─────────────────────────────────────────────────────────────
# hallq 每天在 at 之后做一次在线备份 (取号叫号照常), 文件 hallq-YYYY-MM-DD.db。
# dir 写相对路径时在数据库旁边 (树莓派上是 /var/lib/hallq/backups, 与数据库同在 SD 卡上);
# 正式使用请备份到 U 盘或网络共享, 如 "/media/hallq-backup/hallq" (见 docs/operations.md)。
[backup]
dir = "backups"
keep = 14                    # 保留最近几天的备份
at = "18:30"                 # 每天几点备份 (24 小时制, 要加引号), 一般在下班以后
"""


def queues_section():
    out = ["", "# ── 队列 ───────────────────────────────────────────────────────────────",
           "# id 是号票前缀 (一个大写字母): A001, B002 …; 每天从 1 开始编号。",
           "# surge_minutes: 预计等候超过这么多分钟时告警 (并可自动开启潮汐窗口)。"]
    for qid, name, name_en, surge, note in QUEUES:
        out += ["", f"# {note}", "[[queues]]", f"id = {q(qid)}", f"name = {q(name)}",
                f"name_en = {q(name_en)}", f"surge_minutes = {surge}"]
    return "\n".join(out) + "\n"


def windows_section():
    out = ["", "# ── 窗口 ───────────────────────────────────────────────────────────────",
           "# kind: comprehensive 综合受理, professional 专业, tidal 潮汐 (平时关闭, 高峰开启),",
           "#       output 统一出件, consult 咨询导办, complaint 找茬/\"一次办不好\", help 帮办代办。",
           "# profile: 办理的队列及权重; 权重越大, 该队列的号越优先叫到这个窗口 (等得越久也越优先)。",
           "# 潮汐窗口的 profile 为空: 开启时由大厅负责人或系统指定队列。"]
    for wid, number, kind, name, profile, note in WINDOWS:
        out += ["", f"# {note}"] if note else [""]
        out += ["[[windows]]", f"id = {q(wid)}", f"number = {number}",
                f"kind = {q(kind)}", f"name = {q(name)}", f"profile = {q(profile)}"]
    return "\n".join(out) + "\n"


def devices_section():
    out = ["", "# ── 设备 ───────────────────────────────────────────────────────────────",
           "# key 是设备密钥: 设备凭它连接 hub。这里是公开的演示密钥,",
           "# 实际大厅必须全部换成各不相同的随机字符串 (至少 16 位), 例如:",
           "#     python3 -c \"import secrets; print(secrets.token_urlsafe(24))\"",
           f"# url: 串口线路。窗口屏、呼叫器、评价器挂在同一条 RS-485 线上, 靠 address 区分;",
           f"# 演示用 {DEVICE_LINE} (串口桥和模拟器会覆盖), 实际大厅写如 serial:///dev/ttyUSB0?baudrate=9600"]
    for kind, label, base in (("bar", "窗口屏", 0), ("keypad", "呼叫器", 20), ("pad", "评价器", 40)):
        out += ["", f"# {label} ({kind}): 每个窗口一台, 总线地址 {base + 1}-{base + 15}"]
        for n in range(1, 16):
            out += _device(f"{kind}-{n}", kind, window=f"w{n}", url=DEVICE_LINE, address=base + n)
    out += ["", "# 取号机打印机; url 为空 = 未接 (号票显示在屏幕上)"]
    out += _device("printer-1", "printer", url="")
    out += ["", "# 取号机和智能查询终端 (浏览器页面): 首次打开 /kiosk?key=密钥 或 /query?key=密钥,",
            "# 页面记住密钥后从地址栏去掉 (见 docs/operations.md)"]
    out += _device("kiosk-1", "kiosk", url="")
    out += _device("kiosk-2", "kiosk", url="")
    out += _device("query-1", "kiosk", url="")
    out += ["", "# 综合屏 (HDMI 大屏, pygame) 和串口桥 (连接上面的串口设备)"]
    out += _device("board-1", "board", url="")
    out += _device("bridge-1", "bridge", url="")
    return "\n".join(out) + "\n"


def _device(did, kind, window=None, url="", address=0):
    key = f"demo-{did}-key-0000"
    key += "0" * max(0, 16 - len(key))
    lines = ["[[devices]]", f"id = {q(did)}", f"kind = {q(kind)}"]
    if window:
        lines.append(f"window = {q(window)}")
    lines.append(f"url = {q(url)}")
    if address:
        lines.append(f"address = {address}")
    return lines + [f"key = {q(key)}", ""]


def questions_section():
    out = ["", "# ── 取号时的问题 ───────────────────────────────────────────────────────",
           "# 事项用 questions = [...] 引用这里的问题; 每种回答组合对应该事项的一个情形,",
           "# 情形列出确切的材料清单, 打印在号票上。"]
    for qid, text, text_en, options in QUESTIONS:
        out += ["", "[[questions]]", f"id = {q(qid)}", f"text = {q(text)}", f"text_en = {q(text_en)}",
                "options = ["]
        out += [f"  {q({'value': v, 'label': l, 'label_en': e})}," for v, l, e in options]
        out.append("]")
    return "\n".join(out) + "\n"


def read_matters(csv_path):
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_share = sorted(range(len(rows)), key=lambda i: (-float(rows[i]["share_of_tickets"]), i))
    common = set(by_share[:COMMON_COUNT])
    return [(i, row, i in common) for i, row in enumerate(rows)]


def matters_section(matters):
    out = ["", "# ── 事项 ───────────────────────────────────────────────────────────────",
           "# mode: instant 即办件 (promised_days = 0) | promised 承诺件 (promised_days = 承诺工作日)",
           "# scope: one_window 一窗受理 | professional 专业窗口 | consult | output | complaint",
           "# typical_minutes: 典型办理时长 (分钟, 用于预计等候); share: 占一天号票的比例 (演示/模拟)",
           "# common = true: 显示在取号机首屏的常办事项"]
    for i, row, common in matters:
        out += _matter(f"m{i + 1:02d}", row, common)
    return "\n".join(out) + "\n"


def _matter(mid, row, common):
    scope = SCOPES[row["one_window"]]
    materials = [m for m in row["materials"].split(";") if m]
    name = row["matter"]
    lines = ["", f"# {mid} {row['department']} · {name}", "[[matters]]", f"id = {q(mid)}",
             f"name = {q(name)}", f"name_en = {q(row['matter_en'])}",
             f"department = {q(row['department'])}", f"department_en = {q(row['department_en'])}",
             f"mode = {q(row['mode'])}", f"promised_days = {int(row['promised_days'])}",
             f"typical_minutes = {int(row['typical_minutes'])}", f"share = {row['share_of_tickets']}",
             f"scope = {q(scope)}", f"queue = {q(queue_for(row['department'], scope))}"]
    if common:
        lines.append("common = true")
    lines += [f"conditions = {q(CONDITIONS[name])}", f"materials = {q(materials)}"]
    situations = _situations(name, materials)
    if situations:
        lines.append(f"questions = {q(situations[0][0])}")
    for _, sid, label, label_en, answers, needed in situations:
        lines += ["", "[[matters.situations]]", f"id = {q(sid)}", f"name = {q(label)}",
                  f"name_en = {q(label_en)}", f"answers = {q(answers)}", f"materials = {q(needed)}"]
    return lines


def _situations(name, materials):
    """(question ids, id, name, name_en, answers, materials) per situation."""
    if name not in WHO_MATTERS:
        return []
    who = [("self", "本人办理", "In person", list(materials), ()),
           ("proxy", "他人代办", "On someone's behalf", list(materials), PROXY_MATERIALS)]
    if name not in SECOND_QUESTION:
        return [(["who"], sid, label, en, {"who": sid}, base + list(extra))
                for sid, label, en, base, extra in who]
    qid, options = SECOND_QUESTION[name]
    labels = {v: (label, en) for v, label, en in next(o for i, _, _, o in QUESTIONS if i == qid)}
    out = []
    for sid, label, en, _, extra in who:
        for value, needed in options.items():
            second, second_en = labels[value]
            out.append((["who", qid], f"{sid}-{value}", f"{label}·{second}", f"{en}, {second_en.lower()}",
                        {"who": sid, qid: value}, list(needed) + list(extra)))
    return out


def materials_en_section():
    lines = ["", "# ── 材料的英文名 ───────────────────────────────────────────────────────",
             "# 取号机和查询终端切换到英文时显示; 没有列出的材料照样显示中文名。", "[materials_en]"]
    lines += [f"{q(zh)} = {q(en)}" for zh, en in sorted(MATERIALS_EN.items())]
    return "\n".join(lines) + "\n"


def booking_section():
    return """
# ── 预约 ───────────────────────────────────────────────────────────────
# 接受网上预约的事项、时段长度与每个时段的名额; 时段按工作日、办公时间、节假日和调休日排出,
# 管理员可在管理台设置暂停预约的日期 (见 docs/appointments.md)。
[appointments]
matters = ["m05", "m09", "m12", "m20"]
slot_minutes = 30            # 每个时段多少分钟
capacity = 2                 # 每个时段每个事项几个名额
capacity_per_matter = { m09 = 3 }
days_ahead = 7               # 最多可预约几天以后
cutoff_minutes = 60          # 时段开始前多少分钟停止预约
checkin_before_minutes = 30  # 时段开始前多少分钟起可以签到取号
checkin_after_minutes = 15   # 时段开始后多少分钟内仍可签到
late = "refuse"              # 迟到: "refuse" 不予签到, "normal" 改取普通号
no_show_limit = 2            # block_days 天内爽约几次 ...
block_days = 30              # ... 即暂停预约这么多天
retention_days = 30          # 预约 (姓名、手机号) 在预约日后保留几天即删除

# ── 好差评 ─────────────────────────────────────────────────────────────
# 每条评价推送到省政务服务"好差评"系统; 演示用 hallq platform sim (hallq demo 会启动它)。
[platform]
url = "http://127.0.0.1:8091/api/ratings"
key = "demo-platform-key-0000"
area_code = "330102"

[ratings]
reasons = ["等候时间长", "工作人员态度不好", "办事效率低", "材料要求不清楚", "多次跑动", "其他"]
contact_working_days = 3     # 差评回访期限 (工作日)
rectify_working_days = 5     # 差评整改期限 (工作日)
default_after_days = 0       # >0 时: 办结后这么多天未评价, 记为 default_score (默认好评, 报表中标明)
default_score = 5
"""


def render(csv_path):
    """The whole file; runs of blank lines between sections fold into one."""
    sections = [header(), hall_section(), calendar_section(), rules_section(), limits_section(), backup_section(), booking_section(),
                queues_section(),
                windows_section(), devices_section(), questions_section(), materials_en_section(),
                matters_section(read_matters(csv_path))]
    return re.sub(r"\n{3,}", "\n\n", "".join(sections))


def main(argv=None):
    parser = argparse.ArgumentParser(description="生成演示大厅配置 config/demo-hall.toml")
    parser.add_argument("csv", nargs="?", default=str(DEFAULT_CSV), help="事项表 town-hall-matters.csv")
    parser.add_argument("-o", "--output", default=str(DEFAULT_OUT), help="输出文件")
    args = parser.parse_args(argv)
    try:
        text = render(args.csv)
    except FileNotFoundError:
        print(f"找不到事项表: {args.csv}", file=sys.stderr)
        return 1
    except (KeyError, ValueError) as exc:
        print(f"事项表格式不对 ({args.csv}): {exc}", file=sys.stderr)
        return 1
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"已生成 {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
