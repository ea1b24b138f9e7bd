"""Fixtures: a real hub on a loopback port with a temporary database, demo
users and a controllable clock. See tests/hubproc.py."""
from __future__ import annotations

import time

import pytest

from hubproc import HubProcess


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A database with the demo users, made once (PIN hashing is slow on purpose)."""
    from hub.service.demo_users import ensure_demo_users
    from hub.store.database import Store
    path = tmp_path_factory.mktemp("template") / "hallq.db"
    store = Store(path)
    ensure_demo_users(store, time.time())
    store.close()
    return path


@pytest.fixture(scope="module")
def module_hub(request, tmp_path_factory, template_db):
    """One hub for a whole test module (a hub takes a while to start): for tests that only
    read, or look only at the tickets they add themselves."""
    hub = HubProcess(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]),
                     template_db=template_db).start()
    yield hub
    hub.stop()


@pytest.fixture
def hub_factory(tmp_path, template_db):
    started = []

    def make(name="hub", **kwargs):
        workdir = tmp_path / name
        workdir.mkdir(exist_ok=True)
        hub = HubProcess(workdir, template_db=template_db, **kwargs)
        started.append(hub)
        return hub

    yield make
    for hub in started:
        hub.stop()


@pytest.fixture
def hub(hub_factory):
    """A running hub on the demo hall."""
    return hub_factory().start()
from countypg import county, county_dsn, county_pg  # noqa: E402,F401 - the county tests' PostgreSQL
