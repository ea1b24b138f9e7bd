"""`hallq soak`: the demo appliance through N tickets, and each process's memory.

The processes a hall runs, each started as the hall starts it: the hub
(`hallq serve`, a fresh database, its clock from a file), the device
simulators (`hallq devices sim`: bars, keypads, pads and the kiosk printer on
ptys), the bridge driving them (`hallq bridge`), and the pygame board with its
announcer (`hallq board`, headless: SDL's dummy video and audio drivers).
The hall's kiosks (each device of kind kiosk, with its own key) issue tickets
(with their printer, so every ticket prints), each paced below the hall's
per-device rate limit (a kiosk is not a flood), and six
clerks call and finish them at windows 1-6, a few tickets ahead at most.
Every TICKETS_PER_DAY tickets the clerks empty the hall and the hub's clock
moves to 09:00 of the next day, so numbering, day summaries and every other
per-day state roll over as in months of service.

RSS (VmRSS of /proc/PID/status) is read once all are up (start), after
WARM_SHARE of the tickets (warm: caches full, pools grown) and at the end.
The method and the figures are in docs/performance.md.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from hub.bench.run import free_port
from hub.client.http import HubError, HubHttp, HubUnreachable
from hub.ops.proc import rss_mb

HALLQ = [sys.executable, "-m", "hub.cli.main"]
HOST = "127.0.0.1"
WARM_SHARE = 0.1
TICKETS_PER_DAY = 300  # the demo hall's busy day
CLERKS = ("w1", "w2", "w3", "w4", "w5", "w6")  # the comprehensive windows: they serve every main queue
WATCHER = "w7"  # the window of the clerk whose token reads the device list
KIOSKS = 2  # when the hall names no kiosk (anonymous clients)
RATE_SHARE = 0.9  # of the hall's limits.device_per_minute a soak kiosk uses at most
AHEAD = 24  # tickets waiting at most: the kiosks wait for the clerks
FIRST_DAY = 1795654800.0  # 2026-11-26 09:00 Asia/Shanghai, a Thursday
DAY = 86400.0
CLOCK_TICK = 0.2  # seconds between two writes of the clock file
PROCESSES = ("hub", "devices", "bridge", "board")
APPLIANCE = ("hub", "bridge", "board")  # the goal's sum (the simulators stand in for hardware)
GOALS = {"growth_mb_max": 5.0, "appliance_rss_mb_max": 200.0}
UNIT_ENV = {"MALLOC_ARENA_MAX": "2"}  # as systemd/hallq-bridge.service and hallq-board.service set it


class SoakError(RuntimeError):
    pass


class HallClock:
    """The hub's clock file: 09:00 of the current soak day plus the time since it began."""

    def __init__(self, path):
        self.path, self.day = Path(path), 0
        self._began = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.write()
        threading.Thread(target=self._run, name="soak-clock", daemon=True).start()

    def write(self):
        with self._lock:
            now = FIRST_DAY + self.day * DAY + (time.monotonic() - self._began)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(repr(now))
            os.replace(tmp, self.path)

    def next_day(self):
        with self._lock:
            self.day += 1
            self._began = time.monotonic()
        self.write()

    def _run(self):
        while not self._stop.wait(CLOCK_TICK):
            self.write()

    def stop(self):
        self._stop.set()


class Appliance:
    """The hall's processes, each logging to a file in `workdir`."""

    def __init__(self, workdir, config=None):
        self.dir = Path(workdir)
        self.config = ["--config", str(config)] if config else []
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.procs = {}
        self.clock = None

    def start(self, clerks):
        db = self.dir / "soak.db"
        add_users(db, clerks_for(clerks))
        self.clock = HallClock(self.dir / "clock")
        self._spawn("hub", ["serve", "--db", str(db), "--host", HOST, "--port", str(self.port),
                            "--clock-file", str(self.clock.path)])
        self._wait(lambda: _answers(self.url), "the hub did not answer /api/health")
        simdir = self.dir / "sim"
        self._spawn("devices", ["devices", "sim", "--workdir", str(simdir), "--quiet", "--brief"])
        ports = simdir / "ports.json"
        self._wait(ports.exists, "the device simulators wrote no port map")
        self._spawn("bridge", ["bridge", "--hub", self.url, "--ports", str(ports), "--log-level", "WARNING",
                               "--traffic-dir", str(self.dir / "traffic")], UNIT_ENV)
        headless = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1",
                    **UNIT_ENV}
        self._spawn("board", ["board", "--hub", self.url, "--windowed", "--size", "1920x1080",
                              "--device", "board-1"], headless)

    def _spawn(self, name, args, env=None):
        log = open(self.dir / f"{name}.log", "ab")
        try:
            self.procs[name] = subprocess.Popen(HALLQ + args + self.config, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        finally:
            log.close()

    def _wait(self, ready, what, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check()
            if ready():
                return
            time.sleep(0.1)
        raise SoakError(what)

    def wait_online(self, http, devices=("bridge-1", "board-1")):
        def online():
            try:
                listed = {d["id"]: d.get("online") for d in http.get("/api/devices")}
            except (HubError, HubUnreachable):
                return False
            return all(listed.get(d) for d in devices)
        self._wait(online, f"{', '.join(devices)} did not come online")

    def check(self):
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise SoakError(f"{name} exited ({proc.returncode}): {self.log_tail(name)}")

    def log_tail(self, name):
        try:
            return (self.dir / f"{name}.log").read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def rss(self):
        return {name: rss_mb(proc.pid) for name, proc in self.procs.items()}

    def stop(self):
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.clock:
            self.clock.stop()


def _answers(url):
    try:
        return HubHttp(url, timeout=(1, 2)).request("GET", "/api/health")[0] == 200
    except HubUnreachable:
        return False


def add_users(db, users):
    """Staff ((name, role, PIN), ...) through the command line, as an operator adds them."""
    for name, role, pin in users:
        subprocess.run(HALLQ + ["user", "add", name, "--role", role, "--db", str(db)],
                       input=f"{pin}\n".encode(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def clerks_for(windows):
    """clerk1.. (PIN 1111), one for each window."""
    return [(f"clerk{i}", "clerk", "1111") for i in range(1, len(windows) + 1)]


class Traffic:
    """Kiosks and clerks sharing one count: issued, done with, and the day."""

    def __init__(self, tickets, per_day, clock, on_milestone):
        self.tickets, self.per_day, self.clock = tickets, per_day, clock
        self.on_milestone = on_milestone  # called with a ticket's ordinal once issued, from a kiosk thread
        self.issued = self.handled = 0
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.errors = []

    def fail(self, exc):
        with self.cond:
            self.errors.append(str(exc))
            self.stop.set()
            self.cond.notify_all()

    def next_ticket(self):
        """Wait for room ahead (and, at a day's end, for the hall to empty and the
        clock to move on); the ordinal of the ticket to issue, or None when all are."""
        with self.cond:
            while not self.stop.is_set() and self.issued < self.tickets:
                if self.issued >= (self.clock.day + 1) * self.per_day:
                    if self.handled >= self.issued:
                        self.clock.next_day()
                        continue
                elif self.issued - self.handled < AHEAD:
                    self.issued += 1
                    return self.issued
                self.cond.wait(0.5)
            return None

    def handled_one(self):
        with self.cond:
            self.handled += 1
            self.cond.notify_all()

    def done(self):
        with self.cond:
            return self.stop.is_set() or self.handled >= self.tickets


def kiosk(url, matters, key, printer, traffic, seed, per_minute):
    http = HubHttp(url, timeout=(5, 30), headers={"X-Device-Key": key} if key else None)
    rng = random.Random(seed)
    gap, last = 60.0 / (per_minute * RATE_SHARE), float("-inf")
    try:
        while (ordinal := traffic.next_ticket()) is not None:
            wait = last + gap - time.monotonic()
            if wait > 0 and traffic.stop.wait(wait):
                return
            last = time.monotonic()
            body = {"matter": rng.choice(matters)}
            if printer:
                body["printer"] = printer
            http.post("/api/tickets", body)
            traffic.on_milestone(ordinal)
    except (HubError, HubUnreachable) as exc:
        traffic.fail(f"kiosk: {exc}")


def clerk(url, user, window, traffic, seed):
    """Call, now and then recall or mark absent, finish; log in again when a
    new hall day has ended the session (the hub logs everyone out overnight)."""
    http = HubHttp(url, timeout=(5, 30))
    rng = random.Random(seed)
    try:
        http.login(user, "1111", window)
        while not traffic.done():
            try:
                ticket = http.post(f"/api/windows/{window}/call-next").get("ticket")
            except HubError as exc:
                if exc.status != 401:
                    raise
                http.login(user, "1111", window)
                continue
            if ticket is None:
                traffic.stop.wait(0.02)
                continue
            roll = rng.random()
            if roll < 0.05:
                http.post(f"/api/windows/{window}/recall")
            if roll < 0.03:
                http.post(f"/api/windows/{window}/no-show")
            else:
                http.post(f"/api/windows/{window}/finish", {"outcome": "done"})
            traffic.handled_one()
    except (HubError, HubUnreachable) as exc:
        traffic.fail(f"{user} at {window}: {exc}")


def soak_matters(hall, windows):
    served = {q for w in hall.windows if w.id in windows for q, weight in w.profile.items() if weight > 0}
    return [m.id for m in hall.matters if m.queue in served]


def run_soak(tickets=30000, config=None, per_day=TICKETS_PER_DAY, progress=None):
    """The `hallq soak` JSON document (see docs/api.md)."""
    from hub.hallfile.model import load_hall

    hall = load_hall(config)
    matters = soak_matters(hall, CLERKS)
    if not matters:
        raise SoakError("no matter of the hall is served by windows " + ", ".join(CLERKS))
    kiosk_keys = [d.key for d in hall.devices if d.kind == "kiosk"] or [None]
    printer = next((d.id for d in hall.devices if d.kind == "printer"), None)
    workdir = Path(tempfile.mkdtemp(prefix="hallq-soak-"))
    appliance = Appliance(workdir, config)
    marks, began = {}, time.monotonic()
    try:
        appliance.start(CLERKS + (WATCHER,))
        watcher = HubHttp(appliance.url)
        watcher.login(f"clerk{len(CLERKS) + 1}", "1111", WATCHER)
        appliance.wait_online(watcher)
        time.sleep(2.0)  # let every process settle before the first reading
        marks["start"] = appliance.rss()
        warm_at = max(1, int(tickets * WARM_SHARE))
        step = max(1, tickets // 10)

        def milestone(count):
            if count == warm_at:
                marks["warm"] = appliance.rss()
            if progress and count % step == 0:
                progress(f"soak: {count}/{tickets} 张号票, 第 {appliance.clock.day + 1} 天, "
                         f"{time.monotonic() - began:.0f} 秒, RSS {appliance.rss()}")

        traffic = Traffic(tickets, per_day, appliance.clock, milestone)
        threads = [threading.Thread(target=kiosk, args=(appliance.url, matters, key, printer, traffic, i,
                                                         hall.limits.device_per_minute))
                   for i, key in enumerate(kiosk_keys if kiosk_keys != [None] else [None] * KIOSKS)]
        threads += [threading.Thread(target=clerk, args=(appliance.url, f"clerk{i + 1}", w, traffic, 100 + i))
                    for i, w in enumerate(CLERKS)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            try:
                appliance.check()
            except SoakError as exc:
                traffic.fail(exc)
            time.sleep(0.5)
        for t in threads:
            t.join()
        if traffic.errors:
            raise SoakError("; ".join(traffic.errors[:3]))
        time.sleep(3.0)  # the board and the bridge catch up with the last calls
        appliance.check()
        marks["end"] = appliance.rss()
        seconds = time.monotonic() - began
    finally:
        appliance.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return report(traffic.issued, appliance.clock.day + 1, seconds, marks)


def report(tickets, days, seconds, marks):
    warm = marks.get("warm") or marks["start"]
    processes = {name: {"rss_start_mb": marks["start"].get(name), "rss_warm_mb": warm.get(name),
                        "rss_end_mb": marks["end"].get(name)} for name in PROCESSES}
    growth = {name: round(p["rss_end_mb"] - p["rss_warm_mb"], 1) for name, p in processes.items()
              if p["rss_end_mb"] is not None and p["rss_warm_mb"] is not None}
    appliance = round(sum(processes[n]["rss_end_mb"] or 0 for n in APPLIANCE), 1)
    return {"tickets": tickets, "days": days, "seconds": round(seconds, 1),
            "tickets_per_s": round(tickets / seconds, 1) if seconds else None,
            "processes": processes, "appliance_rss_mb": appliance, "growth_mb": growth, "goals": GOALS,
            "within_goals": appliance <= GOALS["appliance_rss_mb_max"]
            and all(g <= GOALS["growth_mb_max"] for g in growth.values()),
            "machine": {"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2)}}


def soak_text(doc):
    lines = [f"耐久测试: {doc['tickets']} 张号票, {doc['days']} 天, {doc['seconds']} 秒 ({doc['tickets_per_s']} 张/秒)",
             f"{'进程':<10}{'启动 MB':>10}{'预热 MB':>10}{'结束 MB':>10}{'增长 MB':>10}"]
    for name, p in doc["processes"].items():
        lines.append(f"{name:<10}{p['rss_start_mb']!s:>10}{p['rss_warm_mb']!s:>10}{p['rss_end_mb']!s:>10}"
                     f"{doc['growth_mb'].get(name)!s:>10}")
    verdict = "达标" if doc["within_goals"] else "未达标"
    lines.append(f"中心 + 串口桥 + 叫号屏: {doc['appliance_rss_mb']} MB; 目标: 每进程增长 ≤ "
                 f"{GOALS['growth_mb_max']:g} MB, 合计 ≤ {GOALS['appliance_rss_mb_max']:g} MB — {verdict}")
    return "\n".join(lines)
