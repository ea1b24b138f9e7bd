"""A private PostgreSQL cluster for the county server, made with Debian's
postgresql binaries (initdb, pg_ctl): no system service, no TCP port unless
asked for; it listens on a unix socket inside its own folder.

PostgreSQL refuses to run as root. Under root the cluster's folder is given to
an unprivileged account (the package's `postgres` user) and initdb, pg_ctl and
the server run as that account (subprocess `user=`/`group=`); root can still
reach the socket. Otherwise everything runs as the current user.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
SUPERUSER = "county"
DATABASE = "county"
SERVICE_ACCOUNT = "postgres"


class ClusterError(Exception):
    """The private cluster could not be made or started; the message says why (zh-CN)."""


def pg_bin(name):
    for folder in PG_BIN_DIRS:
        path = Path(folder) / name
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if found:
        return found
    raise ClusterError(f"找不到 PostgreSQL 程序 {name}: 请安装 Debian 的 postgresql 软件包 (apt-get install postgresql)")


def run_as():
    """(user, group) to run the cluster as: None when not root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        raise ClusterError(f"以 root 运行时需要无特权账户 {SERVICE_ACCOUNT} (随 postgresql 软件包创建)") from None
    return entry.pw_uid, entry.pw_gid


class Cluster:
    """One cluster in `datadir`; `port` None = unix socket only (in datadir)."""

    def __init__(self, datadir, port=None):
        self.datadir = Path(datadir).resolve()
        self.port = port
        self.account = run_as()

    # running the binaries -----------------------------------------------------------
    def _run(self, *args, check=True):
        kwargs = {}
        if self.account:
            kwargs.update(user=self.account[0], group=self.account[1], extra_groups=[])
        done = subprocess.run(list(args), capture_output=True, text=True, cwd="/", **kwargs)
        if check and done.returncode != 0:
            raise ClusterError(f"{Path(args[0]).name} 失败: {(done.stderr or done.stdout).strip()[-800:]}")
        return done

    def _own(self, path):
        if self.account:
            os.chown(path, *self.account)

    # life ------------------------------------------------------------------------
    def initialised(self):
        return (self.datadir / "PG_VERSION").exists()

    def ensure(self):
        """initdb on first use; the folder belongs to the account that runs the server."""
        if self.initialised():
            return False
        self.datadir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.datadir, 0o700)
        self._own(self.datadir)
        self._run(pg_bin("initdb"), "-D", str(self.datadir), "-U", SUPERUSER, "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=trust")
        return True

    def running(self):
        return self._run(pg_bin("pg_ctl"), "status", "-D", str(self.datadir), check=False).returncode == 0

    def start(self):
        self.ensure()
        if self.running():
            return self
        options = [f"-k {self.datadir}", "-c fsync=on", "-c synchronous_commit=on"]
        options.append(f"-p {self.port} -c listen_addresses=127.0.0.1" if self.port else
                       "-c listen_addresses=''")
        log = self.datadir / "server.log"
        self._run(pg_bin("pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.datadir), "-l", str(log),
                  "-o", " ".join(options))
        self._create_database()
        return self

    def stop(self, mode="fast"):
        if self.initialised() and self.running():
            self._run(pg_bin("pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.datadir), check=False)

    def _create_database(self):
        import psycopg
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", (DATABASE,)).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def dsn(self, database=DATABASE):
        if self.port:
            return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"
        return f"postgresql://{SUPERUSER}@/{database}?host={quote(str(self.datadir), safe='/')}&port={self.actual_port()}"

    def actual_port(self):
        return self.port or 5432


def default_datadir():
    return Path(os.getcwd()) / "var" / "county-pg"
