"""The house's boundaries (.importlinter at the project root): layers, pure rules, SQLite only in the
store, pages and devices never reaching the store, device code without Flask, the client a client."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout
