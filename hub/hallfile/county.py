"""[county]: the county server a hall reports to (docs/config.md, docs/county.md)."""
from __future__ import annotations

import re

from hub.hallfile.checker import default_of, show
from hub.hallfile.lines import join
from hub.hallfile.records import County

COUNTY_KEYS = ("url", "hall", "key", "batch", "catalog")
MAX_COUNTY_BATCH = 5000  # what the county accepts in one POST (docs/api.md "County")
MIN_KEY_LENGTH = 16
_KEY = re.compile(r"^[A-Za-z0-9._~+/=-]+$")


def read_county(c, doc):
    """[county]: url, hall, key (all required once the table is there), batch, catalog."""
    p = "county"
    if "county" not in doc:
        return None
    t = c.get(doc, "", p, "table", {})
    c.unknown(t, p, COUNTY_KEYS)
    url = c.text(t, p, "url")
    if url and not re.match(r"^https?://[^\s/]+(/\S*)?$", url):
        c.error(join(p, "url"), f'必须以 http:// 或 https:// 开头 (如 "http://county.example:8090"), 而不是 {show(url)}')
    hall = c.text(t, p, "hall")
    c.ident(hall, p, "hall")
    key = c.text(t, p, "key")
    if key and len(key) < MIN_KEY_LENGTH:
        c.error(join(p, "key"), f"上报密钥至少 {MIN_KEY_LENGTH} 个字符, 现为 {len(key)} 个 (用 hallq county add-hall 打印的密钥)")
    elif key and not _KEY.match(key):
        c.error(join(p, "key"), "上报密钥只能包含字母、数字和 . _ ~ + / = -")
    batch = c.get(t, p, "batch", "int", default_of(County, "batch"))
    if not 1 <= batch <= MAX_COUNTY_BATCH:
        c.error(join(p, "batch"), f"每批事件数应在 1 到 {MAX_COUNTY_BATCH} 之间, 而不是 {show(batch)}")
    catalog = c.get(t, p, "catalog", "bool", default_of(County, "catalog"))
    return County(url=url.rstrip("/"), hall=hall, key=key, batch=batch, catalog=catalog)
