"""The hallq command line as an operator uses it."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

from hub.hallfile.model import demo_hall_path
from hubproc import ROOT

HALLQ = [sys.executable, "-m", "hub.cli.main"]


def run(*args, stdin=None):
    return subprocess.run(HALLQ + list(args), cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60)


def test_check_config_accepts_the_demo_hall_and_reports_every_error_with_its_line(tmp_path):
    ok = run("check-config", str(demo_hall_path()))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = demo_hall_path().read_text(encoding="utf-8").replace(
        'timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"').replace("recall_limit = 2", "recall_limit = -1")
    path = tmp_path / "hall.toml"
    path.write_text(broken, encoding="utf-8")
    bad = run("check-config", str(path))
    assert bad.returncode == 1
    assert "hall.timezone" in bad.stdout and "rules.recall_limit" in bad.stdout
    assert bad.stdout.count("第 ") >= 2  # each error names its line


def test_user_add_reads_the_pin_from_stdin_and_stores_only_a_salted_hash(tmp_path):
    db = tmp_path / "h.db"
    added = run("user", "add", "wang", "--role", "clerk", "--db", str(db), stdin="8642\n")
    assert added.returncode == 0, added.stderr
    again = run("user", "add", "wang", "--role", "clerk", "--db", str(db), stdin="8642\n")
    assert again.returncode == 1 and "已存在" in again.stderr
    bo = run("user", "add", "li", "--role", "backoffice", "--db", str(db), stdin="8642\n")
    assert bo.returncode == 1 and "--department" in bo.stderr
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT salt, hash FROM users WHERE name='wang'").fetchone()
        dump = "\n".join(conn.iterdump())
    assert row[0] and len(row[1]) == 64 and "8642" not in dump


def test_serve_prints_the_url_of_every_page_once_it_listens(hub):
    log = hub.log.read_text(encoding="utf-8")
    for page in ("/kiosk", "/query", "/caller", "/manager", "/board"):
        assert f"{hub.url}{page}" in log


def test_options_may_follow_the_arguments_and_help_is_in_chinese():
    out = run("--help")
    assert out.returncode == 0 and "serve" in out.stdout
    assert run("check-config", "/nonexistent.toml").returncode == 1
