"""`hallq county demo`: the county server with three simulated town halls
feeding it a live day through the real uplink endpoint (HTTP, the halls' own
keys), the demo hall's catalogue published, and demo logins.

The simulated day is today's, played from 10:30 on at `speed` simulated
seconds per second (the morning is sent at once), whatever the time of day,
so the page is lively at any hour. The demo halls' earlier data is cleared."""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.county.synth import TZ, as_batch_events, facts, hall_day

DEMO_HALLS = (  # id, name, tickets in the day, window kinds (None: all)
    ("qinghe", "清河镇便民服务中心", 320, None),
    ("xiaozhuang", "小庄镇便民服务中心", 220, ("professional", "comprehensive")),
    ("nanma", "南麻街道便民服务中心", 260, ("professional", "tidal")),
)
DEMO_USERS = (("county", "1234", ()), ("qinghe-view", "1234", ("qinghe",)))
START_S = 10.5 * 3600
BATCH = 500


def prepare(service):
    """Demo halls (fresh keys), users and the catalogue: {hall id: key}."""
    from hub.county.catalog import read_catalog
    from hub.county.errors import CountyError
    from hub.hallfile.model import demo_hall_path
    keys = {}
    for hall_id, name, _, _ in DEMO_HALLS:
        service.forget_hall(hall_id)
        keys[hall_id] = service.add_hall(hall_id, name)
    for name, pin, halls in DEMO_USERS:
        try:
            service.add_user(name, "county-manager", pin, halls)
        except CountyError:
            pass  # kept from an earlier demo
    if not service.catalog_versions():
        service.publish_catalog(read_catalog(demo_hall_path()), source="config/demo-hall.toml", by="demo")
    return keys


def feeder(url, hall_id, key, rows, speed, catalog_version):
    """Post the day's events as simulated time reaches them (gevent greenlet)."""
    import gevent
    import requests
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    events = as_batch_events(rows)
    day = rows[0][3]["at"][:10]
    midnight = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(TZ)).timestamp()
    t0 = time.time()
    sent = 0
    while sent < len(events):
        sim_now = midnight + START_S + (time.time() - t0) * speed
        upto = sent
        while upto < len(events) and events[upto]["at"] <= sim_now and upto - sent < BATCH:
            upto += 1
        if upto > sent:
            try:
                session.post(f"{url}/api/uplink/events", timeout=10, json={
                    "hall": hall_id, "after": events[sent]["event_id"] - 1, "events": events[sent:upto],
                    "facts": facts(catalog_version)}).raise_for_status()
                sent = upto
            except requests.RequestException as exc:
                print(f"  {hall_id}: 上报失败, 稍后重试 ({exc})", flush=True)
                gevent.sleep(2)
                continue
        gevent.sleep(0 if upto - sent >= BATCH else 1)


def run_demo(service, host, port, speed=10.0):
    import gevent

    from hub.county.server import serve
    keys = prepare(service)
    today = datetime.fromtimestamp(time.time(), ZoneInfo(TZ)).strftime("%Y-%m-%d")

    def start_feeders(server):
        url = f"http://127.0.0.1:{server.server_port}"
        halls = []
        for i, (hall_id, name, tickets, kinds) in enumerate(DEMO_HALLS):
            rows = hall_day(today, tickets, seed=i + 1, window_kinds=kinds)
            halls.append(gevent.spawn(feeder, url, hall_id, keys[hall_id], rows, speed, 1 if i < 2 else None))
        print("演示登录: county / 1234 (全部大厅); qinghe-view / 1234 (只看清河镇)", flush=True)
        print(f"三个模拟大厅正在上报今天 ({today}) 的业务, 从 10:30 起以 {speed:g} 倍速进行。", flush=True)
        return halls

    return serve(service, host, port, on_listen=start_feeders)
