"""Running the county app on gevent's WSGI server until SIGTERM or Ctrl-C."""
from __future__ import annotations

import signal
import sys


def serve(service, host, port, on_listen=None):
    from gevent.pywsgi import WSGIServer

    from hub.county.web import create_app
    server = WSGIServer((host, port), create_app(service), log=None, error_log=sys.stderr)
    server.start()
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    print(f"县级平台已启动: http://{shown}:{server.server_port}/county", flush=True)
    print(f"  上报接口: http://{shown}:{server.server_port}/api/uplink/events", flush=True)
    import gevent
    helpers = on_listen(server) if on_listen else ()  # greenlets that end with the server (the demo's halls)
    stop = gevent.event.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(sig, stop.set)
    stop.wait()
    gevent.killall(list(helpers or ()))
    server.stop(timeout=5)
    return 0
