"""`hallq serve --workers N`: N web worker processes behind one port.

The parent takes the database's lock, migrates the database, binds the public
socket once (every worker accepts on the same inherited socket, so a worker's
death strands no connection) and a private loopback socket per worker, starts a
private `redis-server` unless `--redis URL` names one, and starts the workers
(`hallq serve --worker ...`, a fresh interpreter each). Worker 0 is the writer
(hub/web/workers.py); a worker that dies is started again. It writes
`<db>.workers.json` (each worker's pid and private port) while it runs."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

READY_TIMEOUT = 60.0
SECRET_ENV = "HALLQ_WORKER_SECRET"


def channel_for(db):
    """The Redis channel prefix of one hall's hub: two hubs may share a Redis server."""
    return "hallq:" + hashlib.sha256(str(Path(db).resolve()).encode()).hexdigest()[:12]


def bind(host, port, backlog=1024):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _die_with_parent():
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: nothing outlives a killed parent


class PrivateRedis:
    """Debian's redis-server on a loopback port, its files under the database's directory."""

    def __init__(self, workdir):
        import redis
        probe = bind("127.0.0.1", 0)
        port = probe.getsockname()[1]
        probe.close()
        self.url = f"redis://127.0.0.1:{port}/0"
        log = open(Path(workdir) / "redis.log", "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", str(workdir), "--protected-mode", "yes"], stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.RedisError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server 未能启动 (见 {Path(workdir) / 'redis.log'})")
                time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Workers:
    def __init__(self, args, db, count, redis_url, public):
        self.args, self.db, self.count, self.redis_url, self.public = args, db, count, redis_url, public
        self.private = [bind("127.0.0.1", 0) for _ in range(count)]
        self.secret = secrets.token_urlsafe(32)
        self.procs = [None] * count
        self.table = Path(str(db) + ".workers.json")

    def command(self, index, ready_fd):
        a = self.args
        spec = f"{index}:{self.public.fileno()}:{self.private[index].fileno()}:{ready_fd}"
        cmd = [sys.executable, "-m", "hub.cli.main", "serve", "--db", str(self.db), "--worker", spec,
               "--writer-port", str(self.private[0].getsockname()[1]), "--redis", self.redis_url]
        for flag, value in (("--config", a.config), ("--clock-file", a.clock_file)):
            if value:
                cmd += [flag, value]
        return cmd + (["--demo-keys"] if a.demo_keys else [])

    def spawn(self, index):
        read_fd, write_fd = os.pipe()
        fds = (self.public.fileno(), self.private[index].fileno(), write_fd)
        env = dict(os.environ, **{SECRET_ENV: self.secret})
        self.procs[index] = subprocess.Popen(self.command(index, write_fd), pass_fds=fds, env=env,
                                             preexec_fn=_die_with_parent)
        os.close(write_fd)
        return read_fd, index

    def wait_ready(self, pipes):
        """Each worker writes to its pipe once it listens; a worker that exits first fails the start."""
        import select
        deadline, waiting = time.monotonic() + READY_TIMEOUT, dict(pipes)
        while waiting:
            readable, _, _ = select.select(list(waiting), [], [], 0.5)
            for fd in readable:
                os.read(fd, 1)
                os.close(fd)
                waiting.pop(fd)
            for fd, index in list(waiting.items()):
                if self.procs[index].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"web worker {index} 未能启动")
        self.write_table()

    def write_table(self):
        rows = [{"index": i, "pid": p.pid, "port": s.getsockname()[1], "writer": i == 0}
                for i, (p, s) in enumerate(zip(self.procs, self.private)) if p is not None]
        tmp = self.table.with_suffix(".tmp")
        tmp.write_text(json.dumps({"port": self.public.getsockname()[1], "redis": self.redis_url,
                                   "workers": rows}, indent=1))
        os.replace(tmp, self.table)

    def start(self):
        self.wait_ready([self.spawn(0)])  # the writer first: the readers forward to it
        self.wait_ready([self.spawn(i) for i in range(1, self.count)])

    def supervise(self, stopping, watchdog=None):
        """Start again a worker that died; `watchdog(seconds, ping)`: systemd's, pinged while all run."""
        pinged = time.monotonic()
        while not stopping.wait(0.2):
            if watchdog and time.monotonic() - pinged >= watchdog[0] and all(
                    p.poll() is None for p in self.procs):
                watchdog[1]()
                pinged = time.monotonic()
            for index, proc in enumerate(self.procs):
                if proc.poll() is not None and not stopping.is_set():
                    print(f"web worker {index} (pid {proc.pid}) 已退出 ({proc.returncode}), 重新启动",
                          file=sys.stderr, flush=True)
                    try:
                        self.wait_ready([self.spawn(index)])
                    except RuntimeError as exc:
                        print(str(exc), file=sys.stderr, flush=True)

    def stop(self):
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            if proc is not None:
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.table.unlink(missing_ok=True)


def run_workers(args, db, on_listen):
    """The parent of `hallq serve --workers N`; returns the exit status."""
    import gevent
    from gevent.event import Event
    from hub.ops import sdnotify
    from hub.ops.backup import DatabaseInUse, hold_db_lock
    from hub.store.database import Store, StoreUnavailable, check_writable
    try:
        check_writable(db)
        lock = hold_db_lock(db)
    except (StoreUnavailable, DatabaseInUse) as exc:
        print(f"hub 无法启动: {exc}", file=sys.stderr)
        return 1
    own_redis = workers = None
    try:
        Store(db).close()  # migrated once, before any reader opens it read-only
        own_redis = None if args.redis else PrivateRedis(Path(db).resolve().parent)
        try:
            public = bind(args.host, args.port)
        except OSError as exc:
            print(f"无法在 {args.host}:{args.port} 监听: {exc.strerror}", file=sys.stderr)
            return 1
        workers = Workers(args, db, args.workers, args.redis or own_redis.url, public)
        stopping = Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(signum, stopping.set)
        workers.start()
        on_listen(public.getsockname()[1])
        sdnotify.notify_ready(status=f"listening on {args.host}:{public.getsockname()[1]}, {args.workers} workers")
        interval = sdnotify.ping_interval()
        workers.supervise(stopping, (interval, sdnotify.notify_watchdog) if interval else None)
        return 0
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        if workers is not None:
            workers.stop()
        if own_redis is not None:
            own_redis.stop()
        lock.close()


def run_worker(args, hall, db):
    """One worker process (`hallq serve --worker INDEX:PUBLIC_FD:PRIVATE_FD:READY_FD`)."""
    from hub.rules.clock import FileClock, SystemClock
    from hub.store.database import ReadOnlyStore, Store
    from hub.web import server
    from hub.web.app import create_app
    from hub.web.workers import WorkerRole, worker_app
    index, public_fd, private_fd, ready_fd = (int(part) for part in args.worker.split(":"))
    role = WorkerRole(index, args.writer_port, os.environ[SECRET_ENV], args.redis, channel_for(db))
    store = Store(db) if role.writer else ReadOnlyStore(db)
    clock = FileClock(args.clock_file) if args.clock_file else SystemClock()
    app, _ = create_app(hall, store, clock, worker=role)
    listener = worker_app(app, role)
    sockets = [socket.socket(fileno=public_fd), socket.socket(fileno=private_fd)]

    def ready(_port):
        os.write(ready_fd, b"1")
        os.close(ready_fd)

    server.serve(app, None, None, on_listen=ready, listeners=sockets, writer=role.writer,
                 extra=[listener] if listener is not None else [])
    return 0
