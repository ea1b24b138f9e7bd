"""A full disk for fault tests: a small tmpfs for the hub's database (root only,
where mounting is allowed; the test is skipped otherwise), filled to the last byte."""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager

import pytest


@contextmanager
def mounted(path, options):
    """A small tmpfs at `path`; skips the test where it cannot be mounted."""
    path.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(directory):
    """Fill the filesystem to the last byte; returns the filler's path."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def issue_until_full(hub, headers, limit=400):
    """Tickets issued until the hub answers otherwise (the WAL's free pages take a
    few more once the disk is full); the acknowledged ones and the last answer."""
    acknowledged = []
    for _ in range(limit):
        r = hub.post("/api/tickets", {"matter": "m03"}, headers=headers)
        if r.status_code != 201:
            return acknowledged, r
        acknowledged.append(r.json())
    raise AssertionError(f"{limit} tickets issued on a full disk")
