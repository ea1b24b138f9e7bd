"""The county server as its own process (`hallq county serve --dsn ...`) on a
loopback port, for tests that talk HTTP to it or kill it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from countypg import free_port

ROOT = Path(__file__).resolve().parent.parent


def hallq(*args, stdin=None, dsn=None):
    """`hallq ARGS` in a subprocess; the CompletedProcess."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "hub.cli", *args] + (["--dsn", dsn] if dsn else [])
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


class CountyProcess:
    def __init__(self, dsn, port=None):
        self.dsn = dsn
        self.port = port or free_port()
        self.proc = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "county", "serve", "--dsn", self.dsn,
                                      "--port", str(self.port)], env=env, cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"county server exited: {self.proc.stdout.read()}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("county server did not start")

    def kill(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=15)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.kill(signal.SIGTERM)

    def login(self, user, pin):
        s = requests.Session()
        r = s.post(self.url + "/api/login", json={"user": user, "pin": pin}, timeout=5)
        r.raise_for_status()
        return s
