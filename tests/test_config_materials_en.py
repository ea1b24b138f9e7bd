"""English names of materials: from the hall file's [materials_en] to the API."""
from __future__ import annotations

from hub.hallfile.model import check_file, demo_hall_path, load_hall


def test_every_material_of_the_demo_hall_has_an_english_name():
    hall = load_hall(None)
    used = {m for matter in hall.matters for m in matter.materials}
    used |= {m for matter in hall.matters for s in matter.situations for m in s.materials}
    assert used <= set(hall.materials_en)
    assert hall.materials_en["居民身份证"] == "Resident ID card"


def test_an_empty_english_name_is_reported_with_its_line(tmp_path):
    text = demo_hall_path().read_text(encoding="utf-8").replace(
        '"户口簿" = "Household register (hukou booklet)"', '"户口簿" = ""')
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    errors = check_file(path)
    assert len(errors) == 1
    key_path, line, message = errors[0]
    assert key_path == "materials_en.户口簿" and "英文名" in message
    assert text.splitlines()[line - 1].startswith('"户口簿"')


def test_the_guide_and_the_ticket_carry_the_english_materials(hub):
    guide = hub.get("/api/matters/m03").json()
    proxy = next(s for s in guide["situations"] if s["id"] == "proxy-first")
    assert proxy["materials_en"][proxy["materials"].index("授权委托书")] == "Power of attorney"
    ticket = hub.issue("m03", situation="proxy-first")
    assert "Power of attorney" in ticket["materials_en"] and len(ticket["materials_en"]) == len(ticket["materials"])
    assert hub.get(f"/api/t/{ticket['token']}").json()["materials_en"] == ticket["materials_en"]
