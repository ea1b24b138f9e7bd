"""A real hub on a loopback port for tests: its own process, a temporary
database and a clock the test moves (the hub's --clock-file). It runs from
compiled bytecode, as an installed hub does (pip compiles it at install): where
the environment says PYTHONDONTWRITEBYTECODE, the bytecode is kept outside the
tree (PYTHONPYCACHEPREFIX), instead of every start compiling hub/ again (~0.2 s
of CPU, a third of a start)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
HALLQ = [sys.executable, "-m", "hub.cli.main"]
# the demo hall's first kiosk: tickets "from the kiosk" are not held to a phone's limits (hub/web/limits.py)
KIOSK_KEY = "demo-kiosk-1-key-0000"
# 2026-11-26 (a Thursday) 09:00 in Asia/Shanghai
DEFAULT_TIME = 1795654800.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubProcess:
    def __init__(self, workdir, template_db=None, config=None, at=DEFAULT_TIME, extra=()):
        self.workdir = Path(workdir)
        self.db = self.workdir / "hallq.db"
        if template_db and not self.db.exists():
            shutil.copy(template_db, self.db)
        self.config = config
        self.extra = list(extra)  # more `hallq serve` options (e.g. --workers 3 --redis URL)
        self.clock_file = self.workdir / "clock"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = self.workdir / "hub.log"
        self.set_time(at)

    # clock ------------------------------------------------------------------
    def set_time(self, epoch):
        self.now = float(epoch)
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(repr(self.now))
        os.replace(tmp, self.clock_file)
        # the hub re-reads the file when its mtime changes: make sure it does
        os.utime(self.clock_file, ns=(time.time_ns(), time.time_ns()))

    def advance(self, seconds):
        self.set_time(self.now + seconds)

    # process ----------------------------------------------------------------
    def start(self, timeout=20):
        args = HALLQ + ["serve", "--db", str(self.db), "--port", str(self.port),
                        "--clock-file", str(self.clock_file)]
        if self.config:  # test halls are the demo's with changes: its public device keys included
            args += ["--config", str(self.config), "--demo-keys"]
        args += self.extra
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=hub_env())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("hub did not start: " + self.log.read_text()[-3000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self):
        self.stop()
        return self.start()

    # HTTP -------------------------------------------------------------------
    def request(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.request("GET", path, token, **kwargs)

    def post(self, path, json=None, token=None, **kwargs):
        return self.request("POST", path, token, json=json if json is not None else {}, **kwargs)

    def login(self, user, pin, window=None):
        body = {"user": user, "pin": pin}
        if window:
            body["window"] = window
        r = self.post("/api/login", body)
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def issue(self, matter="m03", **extra):
        """A ticket as the kiosk takes it (with the kiosk's key)."""
        r = self.post("/api/tickets", dict(matter=matter, **extra), headers={"X-Device-Key": KIOSK_KEY})
        assert r.status_code == 201, r.text
        return r.json()


def hub_env():
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        env.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "hallq-test-pycache"))
    return env


def wait_for(predicate, timeout=15.0, interval=0.02):
    """True as soon as `predicate()` is; after `timeout` seconds, its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
