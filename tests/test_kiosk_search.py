"""Finding a matter by pinyin initials, full pinyin, a mix, Chinese or English."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.hallfile.model import load_hall
from hub.service import search


@pytest.fixture(scope="module")
def index():
    return search.build_index(load_hall(None))


def names(index, query):
    return [e["name"] for e in search.search(index, query)]


@pytest.mark.parametrize("query", ["shbzk", "SHBZK", "shehuibaozhangka", "shehbzk", "sh bz k", "社会保障卡", "社保"])
def test_the_social_security_card_is_found_first_however_it_is_typed(index, query):
    assert names(index, query)[0] == "社会保障卡申领"


def test_initials_are_computed_once_per_matter_at_build_time(index):
    entry = next(e for e in index if e["id"] == "m03")
    assert entry["initials"] == "shbzksl"
    assert entry["pinyin"] == "shehuibaozhangkashenling"


def test_a_run_of_syllables_may_start_inside_the_name_but_ranks_after_a_prefix(index):
    hits = names(index, "ylbx")  # 养老保险 / 医疗保险 inside longer names
    assert "城乡居民基本养老保险参保登记" in hits and "城乡居民基本医疗保险参保登记" in hits
    assert search.score(next(e for e in index if e["id"] == "m03"), "bzk") == 2
    assert search.score(next(e for e in index if e["id"] == "m03"), "shb") == 0


def test_english_words_and_departments_match(index):
    assert "社会保障卡申领" in names(index, "card")
    assert all(e["department"] == "残联" or "残疾" in e["name"] for e in search.search(index, "残联"))


def test_no_match_and_empty_input_give_nothing(index):
    assert names(index, "") == []
    assert names(index, "   ") == []
    assert names(index, "qqqqxz") == []
    assert names(index, "x" * 500) == []  # cut to MAX_QUERY, no error


def test_spells_needs_consecutive_syllables_each_spelt_by_a_prefix():
    parts = ["she", "hui", "bao", "zhang", "ka"]
    assert search.spells(parts, "shbzk") == 0
    assert search.spells(parts, "huibao") == 1
    assert search.spells(parts, "shebao") is None  # skips 会
    assert search.spells(parts, "shehuibaozhangkaa") is None


def test_public_entries_carry_no_match_keys(index):
    entry = search.public_entry(index[0])
    assert "syllables" not in entry and entry["initials"]


def test_the_pinyin_table_is_kept_beside_the_database_and_made_again_for_a_changed_catalog(tmp_path):
    hall = load_hall(None)
    cache = search.cache_path(tmp_path / "hallq.db")
    assert cache == str(tmp_path / "hallq.db") + ".pinyin.json" and search.cache_path(":memory:") is None
    first = search.build_index(hall, cache)
    table = json.loads(Path(cache).read_text(encoding="utf-8"))
    assert table["社会保障卡申领"] == ["she", "hui", "bao", "zhang", "ka", "shen", "ling"]
    table["社会保障卡申领"] = ["ka"]  # what the next start reads, instead of asking pypinyin again
    Path(cache).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    assert next(e for e in search.build_index(hall, cache) if e["id"] == "m03")["initials"] == "k"
    del table["残联"]  # a catalog the table lacks: computed again, and kept
    Path(cache).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    assert search.build_index(hall, cache) == first
    Path(cache).write_text("{torn", encoding="utf-8")  # a torn file is no table
    assert search.build_index(hall, cache) == first
