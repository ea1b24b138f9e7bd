"""The hall file's [backup] table: defaults, the demo hall's values, and
each mistake reported with its key path and line."""
from hub.hallfile.model import Backup, check_file, load_hall

MINIMAL = """\
[hall]
name = "测试大厅"

[[queues]]
id = "A"
name = "综合"

[[matters]]
id = "m1"
name = "证明开具"
department = "综合"
mode = "instant"
typical_minutes = 5
queue = "A"

[[windows]]
id = "w1"
number = 1
kind = "comprehensive"
profile = { A = 1.0 }
"""


def write(tmp_path, backup_table):
    path = tmp_path / "hall.toml"
    path.write_text(MINIMAL + "\n" + backup_table, encoding="utf-8")
    return path


def test_without_a_backup_table_the_defaults_apply(tmp_path):
    assert load_hall(write(tmp_path, "")).backup == Backup(dir="backups", keep=14, at="18:30")


def test_the_demo_hall_backs_up_beside_the_database_after_closing():
    assert load_hall().backup == Backup(dir="backups", keep=14, at="18:30")


def test_a_usb_stick_with_its_own_time(tmp_path):
    path = write(tmp_path, '[backup]\ndir = "/media/hallq-backup/hallq"\nkeep = 30\nat = "19:05"\n')
    assert load_hall(path).backup == Backup(dir="/media/hallq-backup/hallq", keep=30, at="19:05")


def test_each_mistake_has_its_key_path_and_line(tmp_path):
    path = write(tmp_path, '[backup]\ndir = ""\nkeep = 0\nat = "25:00"\nwhen = "daily"\n')
    first = MINIMAL.count("\n") + 3  # the line of dir
    errors = check_file(path)
    assert [(p, line) for p, line, _ in errors] == [
        ("backup.dir", first), ("backup.keep", first + 1), ("backup.at", first + 2), ("backup.when", first + 3)]
    messages = [m for _, _, m in errors]
    assert "备份目录不能为空" in messages[0] and "至少保留 1 份" in messages[1]
    assert '"HH:MM"' in messages[2] and '未知的配置项 "when"' in messages[3]


def test_wrong_types_are_named(tmp_path):
    path = write(tmp_path, '[backup]\ndir = 5\nkeep = "14"\nat = 1830\n')
    errors = {p: m for p, _, m in check_file(path)}
    assert errors.keys() == {"backup.dir", "backup.keep", "backup.at"}
    assert "应为文本" in errors["backup.dir"] and "应为整数" in errors["backup.keep"]
    assert "而不是 1830" in errors["backup.at"]
    path.write_text('backup = "/media/usb"\n' + MINIMAL, encoding="utf-8")
    assert [(p, line) for p, line, _ in check_file(path)] == [("backup", 1)]
    path = write(tmp_path, '[backup]\ndir = " /media/usb"\n')
    assert "不能以空格开头或结尾" in check_file(path)[0][2]
