"""Call -> board latency, as a board sees it: the time from a clerk's
call-next request leaving to the `ticket.called` event reaching a board's
hub link (the same hub.client link the pygame board uses).

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

from hub.rules.stats import percentile


def measure(url, user="clerk1", pin="1111", window="w1", calls=100, matter="m03"):
    from hub.client.http import HubError, HubHttp
    from hub.client.link import HubLink

    seen, arrived = {}, threading.Condition()

    def on_event(name, data):
        if name == "ticket.called" and not data.get("replay"):
            with arrived:
                seen[data["ticket"]["id"]] = time.perf_counter()
                arrived.notify_all()

    http = HubHttp(url)
    token = http.login(user, pin, window)
    # the clerk's token: the staff stream has no gaps in its event ids, so no event waits for a missing one
    link = HubLink(url, token=token, on_event=on_event).connect(10)
    delays = []
    try:
        try:
            http.post(f"/api/windows/{window}/finish")  # free the window
        except HubError:
            pass  # 409: it was free
        for _ in range(calls):
            http.post("/api/tickets", {"matter": matter})
        for _ in range(calls):
            started = time.perf_counter()
            ticket_id = http.post(f"/api/windows/{window}/call-next")["ticket"]["id"]
            with arrived:
                if not arrived.wait_for(lambda: ticket_id in seen, timeout=10):
                    raise RuntimeError(f"call of ticket {ticket_id} never reached the board")
            delays.append((seen[ticket_id] - started) * 1000)
            http.post(f"/api/windows/{window}/finish")
    finally:
        link.stop()
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
