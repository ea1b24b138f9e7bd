"""A county catalogue merged into a hall file and checked by the hall file's
own checker: county matters replace the hall's of the same id, the hall keeps
its other matters as local ones and its own queues for the matters it had;
every error of the county's part is named as the county's."""
import copy
import tomllib

import pytest

from hub.hallfile.catalog import CatalogError, apply_catalog, check
from hub.hallfile.model import demo_hall_path, load_hall


def demo_catalog(version=1):
    doc = tomllib.loads(demo_hall_path().read_text(encoding="utf-8"))
    matters = [m for m in doc["matters"] if m["id"] != "m38"]  # the county does not list the complaint desk
    return {"version": version, "published_at": "2026-11-25T10:00:00+08:00",
            "matters": copy.deepcopy(matters), "questions": doc.get("questions", []), "materials_en": {}}


def test_the_demo_hall_takes_its_own_tables_back_unchanged_but_for_local_flags():
    hall, county, local = apply_catalog(None, demo_catalog())
    assert local == ["m38"] and len(county) == 37
    assert {m.id: m for m in hall.matters} == {m.id: m for m in load_hall().matters}


def test_a_county_matter_replaces_the_halls_but_keeps_its_queue_and_place():
    catalog = demo_catalog()
    m03 = next(m for m in catalog["matters"] if m["id"] == "m03")
    queue = m03["queue"]
    m03.update(name="县里统一的名称", queue="Z", promised_days=m03.get("promised_days", 0))
    hall, _, _ = apply_catalog(None, catalog)
    assert hall.matter("m03").name == "县里统一的名称" and hall.matter("m03").queue == queue


def test_a_new_county_matter_goes_to_the_queue_of_its_department():
    catalog = demo_catalog()
    model = next(m for m in catalog["matters"] if m["id"] == "m03")
    catalog["matters"].append(dict(model, id="c99", name="新增事项", queue="Z", common=False))
    hall, county, _ = apply_catalog(None, catalog)
    assert "c99" in county and hall.matter("c99").queue == model["queue"]


def test_a_bad_catalogue_is_refused_with_every_reason_named_as_the_countys():
    catalog = demo_catalog()
    catalog["matters"][2]["mode"] = "sometimes"
    catalog["matters"].append({"id": "c98", "name": "无部门", "department": "不存在的部门", "mode": "instant",
                               "typical_minutes": 5, "queue": "Z"})
    errors = check(None, catalog)
    assert len(errors) == 2
    third = catalog["matters"][2]["id"]
    assert errors[0] == f'县目录事项 {third} (matters[2].mode): 未知的办件类型 "sometimes" (可选: instant、promised)'
    assert errors[1] == '县目录事项 c98 (matters[37].queue): 未知的队列 "Z"'  # no matter of that department here


@pytest.mark.parametrize("body, why", [
    ([], "不是 JSON 对象"), ({"matters": [{}]}, "版本号"), ({"version": 2, "matters": []}, "没有任何事项"),
    ({"version": 2, "matters": "m1"}, "matters 应为数组"),
])
def test_a_malformed_answer_is_refused_before_any_matter_is_read(body, why):
    with pytest.raises(CatalogError) as caught:
        apply_catalog(None, body)
    assert any(why in e for e in caught.value.errors)


def test_a_local_matter_with_an_error_keeps_its_line_in_the_hall_file(tmp_path):
    text = demo_hall_path().read_text(encoding="utf-8").replace('id = "m38"\nname = "一次办不好投诉(找茬)"',
                                                                 'id = "m38"\nname = ""')
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index('id = "m38"')].count("\n") + 2
    errors = check(path, demo_catalog())
    assert errors == [f"matters[37].name (第 {line} 行): name 不能为空"]
