"""A real PostgreSQL for the county tests: one temporary cluster per test
session (Debian's initdb and pg_ctl, as the `postgres` account under root) on
a free loopback port, a fresh database per test, stopped at the end."""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def county_pg():
    from hub.county.cluster import Cluster
    base = tempfile.mkdtemp(prefix="hallq-county-pg-")
    os.chmod(base, 0o755)  # the cluster's account must reach its folder
    cluster = Cluster(Path(base) / "pg", port=free_port()).start()
    yield cluster
    cluster.stop("immediate")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def county_dsn(county_pg, request):
    """A new, empty database on the session's cluster."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:40] + f"_{os.getpid()}"
    with psycopg.connect(county_pg.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return county_pg.dsn(name)


@pytest.fixture
def county(county_dsn):
    """A CountyService on a fresh database with a clock the test moves."""
    from hub.county.database import Database
    from hub.county.service import CountyService
    from hub.rules.clock import FixedClock
    db = Database(county_dsn)
    service = CountyService(db, FixedClock(1796529600.0))  # 2026-12-06 12:00 Asia/Shanghai
    yield service
    db.close()
