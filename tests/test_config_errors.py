"""A broken hall file is refused with every error at once, each with its
key path and line; files that are not TOML (or not there) say so plainly."""
import pytest

from hub.hallfile.model import ConfigError, check_file, format_error, load_hall
from hub.hallfile.lines import key_lines, line_of

BROKEN = """\
[hall]
name = "测试大厅"
timezone = "Asia/Nowhere"
paper_mm = 70

[[queues]]
id = "A"
name = "综合"
surge_minutes = -5

[[matters]]
id = "m1"
name = "证明开具"
department = "综合"
mode = "promised"
typical_minutes = 5
queue = "Z"

[[windows]]
id = "w1"
number = 1
kind = "comprehensive"
profile = { A = 1.0, Q = 2.0 }

[[windows]]
id = "w1"
number = 1
kind = "tidal"
colour = "red"

[[devices]]
id = "bar-1"
kind = "bar"
window = "w7"
key = "short"
"""

EXPECTED = [
    ("hall.timezone", 3, '未知的时区 "Asia/Nowhere"'),
    ("hall.paper_mm", 4, "未知的纸宽 70"),
    ("queues[0].surge_minutes", 9, "必须大于 0"),
    ("matters[0].promised_days", 11, "承诺件的承诺时限必须是正整数"),  # missing: points at [[matters]]
    ("matters[0].queue", 17, '未知的队列 "Z"'),
    ("windows[0].profile.Q", 23, '未知的队列 "Q"'),
    ("windows[1].id", 26, '重复的窗口编号 "w1"'),
    ("windows[1].number", 27, "重复的窗口号 1"),
    ("windows[1].colour", 29, '未知的配置项 "colour"'),
    ("devices[0].window", 34, '未知的窗口 "w7"'),
    ("devices[0].key", 35, "设备密钥至少 16 个字符"),
]


def write(tmp_path, text, name="hall.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_file_reports_all_its_errors_with_paths_and_lines(tmp_path):
    errors = check_file(write(tmp_path, BROKEN))
    assert sorted((p, line) for p, line, _ in errors) == sorted((p, line) for p, line, _ in EXPECTED)
    assert [line for _, line, _ in errors] == sorted(line for _, line, _ in errors)  # file order
    for (path, line, words), error in zip(sorted(EXPECTED), sorted(errors)):
        assert words in error[2], error


def test_load_hall_raises_config_error_listing_every_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_hall(write(tmp_path, BROKEN))
    assert len(caught.value.errors) == len(EXPECTED)
    text = str(caught.value)
    assert "matters[0].queue (第 17 行): 未知的队列 \"Z\"" in text
    assert "Traceback" not in text and len(text.splitlines()) == len(EXPECTED)


def test_device_key_clash_does_not_echo_the_secret(tmp_path):
    text = BROKEN.replace('key = "short"', 'key = "secret-secret-secret"') + (
        '\n[[devices]]\nid = "board-1"\nkind = "board"\nkey = "secret-secret-secret"\n')
    errors = [e for e in check_file(write(tmp_path, text)) if e[0] == "devices[1].key"]
    assert errors and "devices[0]" in errors[0][2]
    assert "secret-secret" not in errors[0][2]


@pytest.mark.parametrize("text, line, words", [
    ('[hall]\nname = 测试大厅\n', 2, "无效的值"),
    ('[hall]\nname = "x"\n[hours]\nperiods = [[08:30, "12:00"]]\n', 4, "语法错误"),
    ('[hall]\nname = "x"\nname = "y"\n\n[[queues]]\nid = "A"\n', 3, "重复定义的键"),
    ('[hall]\nname = "x"\n[[queues]\n', 3, "表头缺少"),
    ('[hall]\nname = "x"\nnotice = "unfinished\n', 3, "字符串缺少结束引号"),
    ('[hall]\nname = "x"\n[calendar]\nholidays = [2026-01-01,\n', 4, "在文件末尾"),
])
def test_a_toml_syntax_error_reports_its_line(tmp_path, text, line, words):
    errors = check_file(write(tmp_path, text))
    assert len(errors) == 1
    path, got_line, message = errors[0]
    assert (path, got_line) == ("(TOML 语法)", line), errors
    assert "TOML 语法错误" in message and words in message


def test_a_missing_file_is_one_clear_error(tmp_path):
    missing = tmp_path / "nope.toml"
    assert check_file(missing) == [(str(missing), 0, "找不到配置文件")]
    with pytest.raises(ConfigError) as caught:
        load_hall(missing)
    assert format_error(caught.value.errors[0]) == f"{missing} (位置未知): 找不到配置文件"


def test_a_file_not_in_utf8_says_so_with_its_line(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('[hall]\nname = "清河镇"\n'.encode("gbk"))
    assert check_file(path) == [(str(path), 2, "文件不是 UTF-8 编码, 请另存为 UTF-8")]


def test_a_byte_order_mark_is_tolerated_and_lines_stay_right(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BROKEN.encode("utf-8"))
    assert check_file(path) == check_file(write(tmp_path, BROKEN))


def test_the_line_scanner_is_not_fooled_by_strings_and_dotted_keys():
    text = '''\
title = """
[not.a.table]
fake = 1
"""
hall.name = "x"
"quoted key" = 'a [b] = c'

[[matters]]
id = "m1"
materials = [
  "居民身份证",  # a comment, with = and [
  "户口簿",
]

[[matters.situations]]
answers = { who = "self", "k.q" = 1 }

[[matters]]
id = "m2"
'''
    lines = key_lines(text)
    assert "not.a.table" not in lines and "fake" not in lines
    assert lines["hall.name"] == 5
    assert lines["quoted key"] == 6
    assert lines["matters[0]"] == 8 and lines["matters[1]"] == 18
    assert lines["matters[0].materials[1]"] == 12
    assert lines["matters[0].situations[0].answers.who"] == 16
    assert lines["matters[1].id"] == 19
    assert line_of(lines, "matters[1].queue") == 18  # missing key -> its table
    assert line_of(lines, "nowhere.at.all") == 0



def test_an_empty_file_names_each_missing_section_once(tmp_path):
    errors = check_file(write(tmp_path, "# nothing yet\n"))
    assert [(p, m) for p, _, m in errors] == [
        ("hall", "缺少必填项 hall"), ("queues", "缺少必填项 queues"),
        ("matters", "缺少必填项 matters"), ("windows", "缺少必填项 windows")]
