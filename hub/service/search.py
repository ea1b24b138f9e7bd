"""Finding a matter by what a citizen types on the kiosk's letter pad.

The index is built once from the hall file (pypinyin is slow-ish and the
catalog does not change while the hub runs); matching is a pure function of
an index entry and the typed text. A query matches a run of consecutive
syllables when each syllable is spelt by a non-empty prefix of itself, so
`shbzk` (initials), `shehuibaozhangka` (full pinyin) and `shebaozk` (a mix)
all find 社会保障卡申领. Chinese characters and English words match as text.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import unicodedata

MAX_QUERY = 32  # longer input is cut: nobody types a whole guide on a pad
_CJK = re.compile(r"[\u3400-\u9fff]")
_SYLLABLE = re.compile(r"[a-z0-9]+")


def syllables(text):
    """Toneless pinyin syllables of `text`; digits and Latin runs kept whole."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for chunk in lazy_pinyin(text, style=Style.NORMAL, errors="default"):
        out.extend(_SYLLABLE.findall(chunk.lower()))
    return out


def pinyin_table(texts, cache=None):
    """{text: syllables} computed in a child process: pypinyin's phrase
    dictionary costs the process that loads it ~55 MB, which the long-running
    hub on a Raspberry Pi should not carry for a one-off job at start. The
    child takes ~0.4 s of a restart (more on a Pi), so the table is kept in
    `cache` (a JSON file) and computed again only for a catalog it lacks."""
    wanted = sorted(set(texts))
    known = _read_cache(cache)
    if all(t in known for t in wanted):
        return {t: known[t] for t in wanted}
    payload = json.dumps(wanted, ensure_ascii=False)
    done = subprocess.run([sys.executable, "-m", "hub.service.search"], input=payload.encode("utf-8"),
                          capture_output=True, timeout=120, check=True)
    table = json.loads(done.stdout.decode("utf-8"))
    _write_cache(cache, table)
    return table


def cache_path(db_path):
    """Where the hub keeps its pinyin table: beside the database (None for one in memory)."""
    db_path = str(db_path)
    return None if db_path in ("", ":memory:") or db_path.startswith("file:") else db_path + ".pinyin.json"


def _read_cache(path):
    try:
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
    except (TypeError, OSError, ValueError):  # no cache, none yet, or a torn one: compute it
        return {}
    ok = isinstance(table, dict) and all(isinstance(v, list) for v in table.values())
    return table if ok else {}


def _write_cache(path, table):
    if path is None:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(table, f, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:  # a full or read-only disk: the next start computes it again
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def build_entry(matter, table=None):
    spell = table.__getitem__ if table is not None else syllables
    name_syllables = spell(matter.name)
    department_syllables = spell(matter.department)
    return {
        "id": matter.id, "name": matter.name, "name_en": matter.name_en,
        "department": matter.department, "department_en": matter.department_en,
        "queue": matter.queue, "common": matter.common, "mode": matter.mode,
        "promised_days": matter.promised_days,
        "has_situations": bool(matter.situations),
        "initials": "".join(s[0] for s in name_syllables),
        "pinyin": "".join(name_syllables),
        "syllables": name_syllables,
        "department_syllables": department_syllables,
    }


def build_index(hall, cache=None):
    """One entry per matter of the hall, in catalog order; `cache` as for pinyin_table."""
    table = pinyin_table([m.name for m in hall.matters] + [m.department for m in hall.matters], cache)
    return [build_entry(m, table) for m in hall.matters]


def normalize(query):
    text = unicodedata.normalize("NFKC", str(query or "")).lower()
    text = re.sub(r"[\s'’·\-_]+", "", text)
    return text[:MAX_QUERY]


def spells(parts, query):
    """Where in `parts` (syllables) a run spelt by `query` starts, or None.

    Each syllable of the run contributes a non-empty prefix of itself; the run
    must use up the whole query. Earliest start wins.
    """
    for start in range(len(parts)):
        if _spells_from(parts, start, query, {}):
            return start
    return None


def _spells_from(parts, i, rest, memo):
    if not rest:
        return True
    if i >= len(parts):
        return False
    key = (i, len(rest))
    if key not in memo:
        syllable = parts[i]
        longest = 0
        while longest < min(len(syllable), len(rest)) and syllable[longest] == rest[longest]:
            longest += 1
        memo[key] = any(_spells_from(parts, i + 1, rest[n:], memo) for n in range(longest, 0, -1))
    return memo[key]


def score(entry, query):
    """How well `entry` matches a normalized query: lower is better, None is no match."""
    if not query:
        return None
    if _CJK.search(query):
        if entry["name"].startswith(query):
            return 0
        if query in entry["name"]:
            return 1
        if _in_order(query, entry["name"]):
            return 3  # 社保 -> 社会保障卡: the usual abbreviations keep the characters' order
        if query in entry["department"]:
            return 4
        return None
    start = spells(entry["syllables"], query)
    if start is not None:
        return 0 if start == 0 else 2
    if query in entry["name_en"].lower().replace(" ", ""):
        return 3
    if spells(entry["department_syllables"], query) == 0 or query in entry["department_en"].lower():
        return 4
    return None


def _in_order(query, text):
    rest = iter(text)
    return all(ch in rest for ch in query)


def search(index, query, limit=20):
    """The entries matching `query`, best first, catalog order among equals."""
    q = normalize(query)
    hits = []
    for position, entry in enumerate(index):
        s = score(entry, q)
        if s is not None:
            hits.append((s, position, entry))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [h[2] for h in hits[:limit]]


def public_entry(entry):
    """What a client needs to list a hit (no internal match keys)."""
    return {k: entry[k] for k in ("id", "name", "name_en", "department", "department_en", "queue",
                                  "common", "mode", "promised_days", "has_situations", "initials")}


if __name__ == "__main__":
    # the child of pinyin_table(): texts as a JSON list on stdin, {text: syllables} on stdout
    texts = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdout.buffer.write(json.dumps({t: syllables(t) for t in texts}, ensure_ascii=False).encode("utf-8"))
