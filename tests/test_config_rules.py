"""Each validation rule of the hall file, one broken file per rule.

A case edits a small valid hall and names the key path and the words of
the error it must produce; the line marked `# here` is where it must point.
"""
import pytest

from hub.hallfile.model import check_file, load_hall

VALID = """\
[hall]
name = "测试大厅"

[[queues]]
id = "A"
name = "综合"

[[queues]]
id = "J"
name = "帮办"

[[questions]]
id = "who"
text = "本人办理还是代办?"
options = [
  { value = "self", label = "本人办理" },
  { value = "proxy", label = "他人代办" },
]

[[matters]]
id = "m1"
name = "证明开具"
department = "综合"
mode = "instant"
typical_minutes = 6
queue = "A"
materials = ["居民身份证"]

[[matters]]
id = "m2"
name = "低保申请"
department = "民政"
mode = "promised"
promised_days = 30
typical_minutes = 20
queue = "A"
questions = ["who"]

[[matters.situations]]
id = "self"
name = "本人办理"
answers = { who = "self" }
materials = ["居民身份证"]

[[matters.situations]]
id = "proxy"
name = "他人代办"
answers = { who = "proxy" }
materials = ["居民身份证", "授权委托书"]

[[windows]]
id = "w1"
number = 1
kind = "comprehensive"
profile = { A = 1.0 }

[[windows]]
id = "w2"
number = 2
kind = "help"
profile = { J = 1.0 }

[[windows]]
id = "w3"
number = 3
kind = "tidal"
profile = {}

[[devices]]
id = "bar-1"
kind = "bar"
window = "w1"
url = "loop://"
address = 1
key = "test-bar-1-key-0000"

[[devices]]
id = "pad-1"
kind = "pad"
window = "w1"
url = "loop://"
address = 2
key = "test-pad-1-key-0000"
"""

M2 = 'id = "m2"'
W1 = 'id = "w1"\nnumber = 1\nkind = "comprehensive"\nprofile = { A = 1.0 }'
W2 = 'id = "w2"\nnumber = 2\nkind = "help"\nprofile = { J = 1.0 }'
BAR = 'id = "bar-1"\nkind = "bar"\nwindow = "w1"\nurl = "loop://"\naddress = 1\nkey = "test-bar-1-key-0000"'
PAD_KEY = 'key = "test-pad-1-key-0000"'
SELF = 'answers = { who = "self" }'
PROXY = 'id = "proxy"\nname = "他人代办"\nanswers = { who = "proxy" }'

# (old text, new text, key path, words of the message)
CASES = {
    # hall
    "missing hall": ('[hall]\nname = "测试大厅"', "", "hall", "缺少必填项 hall"),
    "hall not a table": ('[hall]\nname = "测试大厅"', '[[hall]]  # here\nname = "x"', "hall", "应为表"),
    "missing name": ('[hall]\nname = "测试大厅"', "[hall]  # here", "hall.name", "缺少必填项 name"),
    "blank name": ('name = "测试大厅"', 'name = " "  # here', "hall.name", "不能为空"),
    "name not text": ('name = "测试大厅"', "name = 1  # here", "hall.name", "应为文本"),
    "unknown top key": ("[hall]", "[colour]  # here\nx = 1\n\n[hall]", "colour", '未知的配置项 "colour"'),
    "unknown hall key": ('name = "测试大厅"', 'name = "测试大厅"\nnmae_en = "x"  # here', "hall.nmae_en", "未知的配置项"),
    "bad timezone": ('name = "测试大厅"', 'name = "x"\ntimezone = "Mars/Base"  # here', "hall.timezone", "未知的时区"),
    "bad public_url": ('name = "测试大厅"', 'name = "x"\npublic_url = "ftp://a"  # here', "hall.public_url",
                       "必须以 http:// 或 https:// 开头"),
    "bad language": ('name = "测试大厅"', 'name = "x"\nlanguage = "fr"  # here', "hall.language", "未知的语言"),
    "bad paper": ('name = "测试大厅"', 'name = "x"\npaper_mm = 70  # here', "hall.paper_mm", "未知的纸宽 70"),
    "bad printer url": ('name = "测试大厅"', 'name = "x"\nprinter = "lpt1"  # here', "hall.printer", "不支持的设备地址"),
    # hours
    "period reversed": ("[[queues]]", '[hours]\nperiods = [["12:00", "08:30"]]  # here\n\n[[queues]]',
                        "hours.periods[0]", "应早于结束时间"),
    "period not HH:MM": ("[[queues]]", '[hours]\nperiods = [["8:30", "12:00"]]  # here\n\n[[queues]]',
                         "hours.periods[0][0]", '"HH:MM"'),
    "period not a pair": ("[[queues]]", '[hours]\nperiods = [["08:30"]]  # here\n\n[[queues]]',
                          "hours.periods[0]", "两个时间"),
    "periods overlap": ("[[queues]]", '[hours]\nperiods = [\n ["08:30", "12:00"],\n ["11:00", "17:00"],  # here\n]'
                        "\n\n[[queues]]", "hours.periods[1]", "重叠"),
    "bad weekday": ("[[queues]]", "[hours]\nworkdays = [0, 7]  # here\n\n[[queues]]", "hours.workdays[1]",
                    "0 到 6"),
    "enforce not bool": ("[[queues]]", '[hours]\nenforce = "yes"  # here\n\n[[queues]]', "hours.enforce",
                         "true 或 false"),
    # calendar
    "bad date": ("[[queues]]", '[calendar]\nholidays = ["2026-13-01"]  # here\n\n[[queues]]',
                 "calendar.holidays[0]", "YYYY-MM-DD"),
    "repeated date": ("[[queues]]", "[calendar]\nholidays = [2026-01-01, 2026-01-01]  # here\n\n[[queues]]",
                      "calendar.holidays[1]", "重复的日期"),
    "make-up day on a weekday": ("[[queues]]", "[calendar]\nworkdays = [2026-01-05]  # here\n\n[[queues]]",
                                 "calendar.workdays[0]", "本来就是工作日"),
    # rules
    "negative recall_limit": ("[[queues]]", "[rules]\nrecall_limit = -1  # here\n\n[[queues]]",
                              "rules.recall_limit", "不能为负数"),
    "zero rating_minutes": ("[[queues]]", "[rules]\nrating_minutes = 0  # here\n\n[[queues]]",
                            "rules.rating_minutes", "必须大于 0"),
    "zero announce_repeat": ("[[queues]]", "[rules]\nannounce_repeat = 0  # here\n\n[[queues]]",
                             "rules.announce_repeat", "必须是正整数"),
    "float recall_limit": ("[[queues]]", "[rules]\nrecall_limit = 1.5  # here\n\n[[queues]]",
                           "rules.recall_limit", "应为整数"),
    "tiny max_body_bytes": ("[[queues]]", "[rules]\nmax_body_bytes = 10  # here\n\n[[queues]]",
                            "rules.max_body_bytes", "不能小于 1024"),
    "negative alert day": ("[[queues]]", "[rules]\ncase_alert_days = [1, -1]  # here\n\n[[queues]]",
                           "rules.case_alert_days[1]", "不小于 0"),
    "unknown rule": ("[[queues]]", "[rules]\nrecal_limit = 3  # here\n\n[[queues]]", "rules.recal_limit",
                     "未知的配置项"),
    # queues
    "queue id not a letter": ('id = "J"', 'id = "j1"  # here', "queues[1].id", "一个大写字母"),
    "repeated queue id": ('id = "J"', 'id = "A"  # here', "queues[1].id", "重复的队列编号"),
    "zero surge": ('name = "帮办"', 'name = "帮办"\nsurge_minutes = 0  # here', "queues[1].surge_minutes",
                   "必须大于 0"),
    "queue nobody serves": ("[[questions]]", '[[queues]]  # here\nid = "K"\nname = "x"\n\n[[questions]]',
                            "queues[2]", '没有窗口办理队列 "K"'),
    # questions
    "one option": ('  { value = "proxy", label = "他人代办" },\n', "", "questions[0].options", "至少需要两个选项"),
    "repeated option": ('value = "proxy"', 'value = "self"', "questions[0].options[1].value", "重复的选项值"),
    # matters
    "unknown queue": ('queue = "A"\nmaterials', 'queue = "Z"  # here\nmaterials', "matters[0].queue",
                      '未知的队列 "Z"'),
    "repeated matter id": (M2, 'id = "m1"  # here', "matters[1].id", "重复的事项编号"),
    "bad matter id": (M2, 'id = "m 2"  # here', "matters[1].id", "只能包含"),
    "missing matter name": ('name = "证明开具"\n', "", "matters[0].name", "缺少必填项 name"),
    "bad mode": ('mode = "instant"', 'mode = "fast"  # here', "matters[0].mode", "未知的办件类型"),
    "promised without days": ("promised_days = 30", "promised_days = 0  # here", "matters[1].promised_days",
                              "必须是正整数"),
    "instant with days": ('mode = "instant"', 'mode = "instant"\npromised_days = 5  # here',
                          "matters[0].promised_days", "即办件"),
    "zero minutes": ("typical_minutes = 6", "typical_minutes = 0  # here", "matters[0].typical_minutes",
                     "必须大于 0"),
    "share above one": ("typical_minutes = 6", "typical_minutes = 6\nshare = 2  # here", "matters[0].share",
                        "0 到 1"),
    "bad scope": ("typical_minutes = 6", 'typical_minutes = 6\nscope = "vip"  # here', "matters[0].scope",
                  "未知的办理范围"),
    "blank material": ('materials = ["居民身份证"]\n\n[[matters]]', 'materials = ["居民身份证", ""]  # here\n\n[[matters]]',
                       "matters[0].materials[1]", "非空文本"),
    "unknown matter key": ("typical_minutes = 6", "typical_minutes = 6\nminutes = 6  # here", "matters[0].minutes",
                           "未知的配置项"),
    "unknown question": ('questions = ["who"]', 'questions = ["who", "age"]  # here', "matters[1].questions[1]",
                         '未知的问题 "age"'),
    "questions without situations": ('materials = ["居民身份证"]\n\n[[matters]]',
                                     'materials = ["居民身份证"]\nquestions = ["who"]  # here\n\n[[matters]]',
                                     "matters[0].questions", "没有情形"),
    # situations
    "answer not an option": (PROXY, 'id = "proxy"\nname = "他人代办"\nanswers = { who = "other" }  # here',
                             "matters[1].situations[1].answers.who", '"other" 不是问题 "who" 的选项'),
    "answer to an unknown question": (SELF, 'answers = { who = "self", age = "old" }  # here',
                                      "matters[1].situations[0].answers.age", '未知的问题 "age"'),
    "missing answer": (SELF, "answers = {}  # here", "matters[1].situations[0].answers", '缺少问题 "who" 的答案'),
    "repeated situation id": ('id = "proxy"', 'id = "self"  # here', "matters[1].situations[1].id",
                              "重复的情形编号"),
    "repeated answers": (PROXY, 'id = "proxy"\nname = "他人代办"\nanswers = { who = "self" }  # here',
                         "matters[1].situations[1].answers", "答案相同"),
    "missing situation": (f'[[matters.situations]]\n{PROXY}\nmaterials = ["居民身份证", "授权委托书"]\n', "", "matters[1].situations", "缺少情形: who=proxy"),
    # windows
    "bad window kind": ('kind = "comprehensive"', 'kind = "vip"  # here', "windows[0].kind", "未知的窗口类型"),
    "repeated window number": ("number = 2", "number = 1  # here", "windows[1].number", "重复的窗口号 1"),
    "zero window number": ("number = 2", "number = 0  # here", "windows[1].number", "必须是正整数"),
    "repeated window id": ('id = "w2"', 'id = "w1"  # here', "windows[1].id", "重复的窗口编号"),
    "profile names unknown queue": ("profile = { A = 1.0 }", "profile = { A = 1.0, Z = 2.0 }  # here",
                                    "windows[0].profile.Z", '未知的队列 "Z"'),
    "zero weight": ("profile = { A = 1.0 }", "profile = { A = 0 }  # here", "windows[0].profile.A",
                    "权重必须大于 0"),
    "weight not a number": ("profile = { A = 1.0 }", 'profile = { A = "high" }  # here', "windows[0].profile.A",
                            "权重应为数字"),
    "empty profile on a non-tidal window": ("profile = { J = 1.0 }", "profile = {}  # here", "windows[1].profile",
                                            "至少要办理一个队列"),
    "missing profile": ("profile = { J = 1.0 }\n", "", "windows[1].profile", "缺少必填项 profile"),
    # devices
    "bad device kind": ('kind = "bar"', 'kind = "speaker"  # here', "devices[0].kind", "未知的设备类型"),
    "short key": (PAD_KEY, 'key = "short"  # here', "devices[1].key", "至少 16 个字符"),
    "key with spaces": (PAD_KEY, 'key = "a key with spaces 123"  # here', "devices[1].key", "只能包含"),
    "repeated key": (PAD_KEY, 'key = "test-bar-1-key-0000"  # here', "devices[1].key", "设备密钥相同"),
    "unknown window": ('window = "w1"\nurl = "loop://"\naddress = 1',
                       'window = "w9"  # here\nurl = "loop://"\naddress = 1', "devices[0].window", '未知的窗口 "w9"'),
    "bar without window": (BAR, BAR.replace('window = "w1"\n', ""), "devices[0].window", "缺少必填项 window"),
    "repeated device id": ('id = "pad-1"', 'id = "bar-1"  # here', "devices[1].id", "重复的设备编号"),
    "address out of range": ("address = 1", "address = 300  # here", "devices[0].address", "0 到 247"),
    "repeated address on a line": ("address = 2", "address = 1  # here", "devices[1].address", "重复的总线地址"),
    "bad device url": ('url = "loop://"\naddress = 1', 'url = "http://x"  # here\naddress = 1', "devices[0].url",
                       "不支持的设备地址"),
}


def edit(old, new):
    assert VALID.count(old) >= 1, old
    return VALID.replace(old, new, 1)


def write(tmp_path, text):
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_valid_base_hall_loads(tmp_path):
    hall = load_hall(write(tmp_path, VALID))
    assert [m.id for m in hall.matters] == ["m1", "m2"]
    assert hall.window("w3").profile == {} and hall.window("w1").name == "1号窗口"
    assert hall.matter("m2").situation("proxy").materials == ("居民身份证", "授权委托书")


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_rule_reports_its_key_path_and_line(tmp_path, case):
    old, new, key_path, words = CASES[case]
    text = edit(old, new)
    errors = check_file(write(tmp_path, text))
    hits = [e for e in errors if e[0] == key_path and words in e[2]]
    assert hits, f"{case}: expected {key_path}: {words}; got {errors}"
    if "# here" in new:
        lines = text.splitlines()
        expected = next(i for i, line in enumerate(lines, 1) if "# here" in line)
        assert hits[0][1] == expected, (case, hits, expected)
    elif "." in key_path or "[" in key_path:  # a missing key points at its table
        assert hits[0][1] > 0
    else:  # a missing top-level table has no line
        assert hits[0][1] == 0


def test_no_value_of_any_type_anywhere_makes_the_loader_crash(tmp_path):
    """Every value of the small hall replaced by each TOML type in turn, or
    its line dropped: the loader answers with errors, never a traceback."""
    lines = VALID.splitlines()
    values = ['1', '-1', '0.5', 'true', '"x"', '""', '[]', '[1, "a"]', '{}', '{ a = 1 }', '2026-01-01', '[[]]']
    for i, line in enumerate(lines):
        key, eq, _ = line.partition(" = ")
        variants = [None] if not eq else [None] + [f"{key} = {v}" for v in values]
        for variant in variants:
            edited = lines[:i] + ([] if variant is None else [variant]) + lines[i + 1:]
            errors = check_file(write(tmp_path, "\n".join(edited) + "\n"))
            for path, line_no, message in errors:
                assert isinstance(path, str) and isinstance(line_no, int) and message
