"""Call -> board latency, as a board sees it: the time from a clerk's
call-next request leaving to the `ticket.called` event reaching a board's
Socket.IO client (the same client the pygame board uses).

    python -m display.latency --hub URL [--calls 100] [--user clerk1 --pin 1111 --window w1]

It issues its own tickets and finishes each one after its call, so run it on
a training hub (or outside opening hours), never on a hall in service.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time


def percentile(values, pct):
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[rank]


def measure(url, user="clerk1", pin="1111", window="w1", calls=100, matter="m03"):
    import requests

    from display.hub_client import HubLink

    seen, arrived = {}, threading.Condition()

    def on_call(call):
        with arrived:
            seen[call["ticket"]["id"]] = time.perf_counter()
            arrived.notify_all()

    link = HubLink(url, on_call=on_call)
    link.sio.connect(link.url, transports=["websocket"], wait_timeout=5)
    http = requests.Session()
    try:
        if not link.snapshot_seen.wait(10):
            raise RuntimeError("no snapshot from the hub")
        login = http.post(f"{link.url}/api/login", json={"user": user, "pin": pin, "window": window}, timeout=10)
        login.raise_for_status()
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        http.post(f"{link.url}/api/windows/{window}/finish", headers=auth, timeout=10)  # free the window (409 if free)
        for _ in range(calls):
            http.post(f"{link.url}/api/tickets", json={"matter": matter}, timeout=10).raise_for_status()
        delays = []
        for _ in range(calls):
            started = time.perf_counter()
            reply = http.post(f"{link.url}/api/windows/{window}/call-next", headers=auth, timeout=10)
            reply.raise_for_status()
            ticket_id = reply.json()["ticket"]["id"]
            with arrived:
                if not arrived.wait_for(lambda: ticket_id in seen, timeout=10):
                    raise RuntimeError(f"call of ticket {ticket_id} never reached the board")
            delays.append((seen[ticket_id] - started) * 1000)
            http.post(f"{link.url}/api/windows/{window}/finish", headers=auth, timeout=10).raise_for_status()
    finally:
        link.close()
    return {"calls": len(delays), "p50_ms": round(percentile(delays, 50), 2),
            "p99_ms": round(percentile(delays, 99), 2), "max_ms": round(max(delays), 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m display.latency", description="叫号到综合屏的延迟")
    parser.add_argument("--hub", required=True)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--user", default="clerk1")
    parser.add_argument("--pin", default="1111")
    parser.add_argument("--window", default="w1")
    args = parser.parse_args(argv)
    try:
        print(json.dumps(measure(args.hub, args.user, args.pin, args.window, args.calls)))
    except Exception as exc:  # an operator tool: say what failed, no traceback
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
