"""The hall file's [county] table: absent by default, its keys checked, each
mistake reported with its key path and line."""
from hub.hallfile.model import County, check_file, load_hall
from test_config_backup import MINIMAL

KEY = "k" * 24


def write(tmp_path, table):
    path = tmp_path / "hall.toml"
    path.write_text(MINIMAL + "\n" + table, encoding="utf-8")
    return path


def test_a_hall_without_a_county_table_stands_alone(tmp_path):
    assert load_hall(write(tmp_path, "")).county is None
    assert load_hall().county is None  # the demo hall


def test_a_county_table_names_the_server_the_hall_and_its_key(tmp_path):
    hall = load_hall(write(tmp_path, f'[county]\nurl = "http://county.example:8090/"\nhall = "town-a"\nkey = "{KEY}"\n'))
    assert hall.county == County(url="http://county.example:8090", hall="town-a", key=KEY, batch=500, catalog=True)


def test_batch_and_catalog_can_be_set(tmp_path):
    hall = load_hall(write(tmp_path, f'[county]\nurl = "https://c.example"\nhall = "t1"\nkey = "{KEY}"\n'
                                     'batch = 2000\ncatalog = false\n'))
    assert (hall.county.batch, hall.county.catalog) == (2000, False)


def test_every_mistake_is_named_with_its_line(tmp_path):
    text = ('[county]\n'            # line 26 of the file (MINIMAL has 24 lines + a blank one)
            'url = "county:8090"\n'
            'hall = "镇 A"\n'
            'key = "short"\n'
            'batch = 9000\n'
            'colour = "red"\n')
    errors = check_file(write(tmp_path, text))
    by_path = {path: (line, message) for path, line, message in errors}
    assert set(by_path) == {"county.url", "county.hall", "county.key", "county.batch", "county.colour"}
    base = MINIMAL.count("\n") + 2
    assert by_path["county.url"][0] == base + 1 and "http://" in by_path["county.url"][1]
    assert by_path["county.hall"][0] == base + 2
    assert by_path["county.key"][0] == base + 3 and "16" in by_path["county.key"][1]
    assert "short" not in by_path["county.key"][1]  # a secret is never echoed
    assert by_path["county.batch"][0] == base + 4 and "5000" in by_path["county.batch"][1]
    assert "未知的配置项" in by_path["county.colour"][1]


def test_a_county_table_without_its_keys_says_which_are_missing(tmp_path):
    errors = check_file(write(tmp_path, "[county]\n"))
    assert sorted(path for path, _, _ in errors) == ["county.hall", "county.key", "county.url"]
    assert all("缺少必填项" in message for _, _, message in errors)
