"""The systemd units pass `systemd-analyze verify`, say what the appliance
needs, and the Chromium screen wrapper starts the kiosk on the session's display.

`systemd-analyze verify` checks that each ExecStart binary exists, so the
units are copied to a scratch directory with /opt/hallq/... rewritten to
small executables there; a clean unit gives exit status 0 and no output at
all (unknown keys are only warnings, hence the check on the output)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

SYSTEMD = Path(__file__).resolve().parent.parent / "systemd"
SYSTEM_UNITS = ["hallq-hub.service", "hallq-bridge.service", "hallq-board.service",
                "hallq-backup.service", "hallq-backup.timer"]
ANALYZE = shutil.which("systemd-analyze")


@pytest.fixture
def needs_analyze():
    assert ANALYZE, "systemd-analyze is missing: `make debs` installs the systemd package"


def staged(tmp_path, names, source=SYSTEMD):
    """Copies of the units whose /opt/hallq binaries point at stand-ins."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("hallq", "hallq-screen"):
        (bin_dir / tool).write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / tool).chmod(0o755)
    paths = []
    for name in names:
        text = (source / name).read_text()
        text = text.replace("/opt/hallq/venv/bin/hallq", str(bin_dir / "hallq"))
        text = text.replace("/opt/hallq/bin/hallq-screen", str(bin_dir / "hallq-screen"))
        path = tmp_path / Path(name).name
        path.write_text(text)
        paths.append(path)
    return paths


def verify(paths, user=False, runtime=None):
    env = dict(os.environ, SYSTEMD_LOG_COLOR="0")
    args = [ANALYZE] + (["--user"] if user else []) + ["verify"] + [str(p) for p in paths]
    if user:
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.usefixtures("needs_analyze")
def test_system_units_verify_clean(tmp_path):
    result = verify(staged(tmp_path, SYSTEM_UNITS))
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


@pytest.mark.usefixtures("needs_analyze")
def test_screen_user_unit_verifies_as_an_instance(tmp_path):
    (template,) = staged(tmp_path, ["user/hallq-screen@.service"])
    instance = template.with_name("hallq-screen@kiosk.service")
    template.rename(instance)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    result = verify([instance], user=True, runtime=runtime)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


@pytest.mark.usefixtures("needs_analyze")
def test_verify_does_catch_a_broken_unit(tmp_path):
    """The check above can fail: a typo and a missing binary are reported."""
    (unit,) = staged(tmp_path, ["hallq-hub.service"])
    unit.write_text(unit.read_text().replace("WatchdogSec=", "WatchdogSecs="))
    assert "Unknown key" in verify([unit]).stderr
    unit.write_text((SYSTEMD / "hallq-hub.service").read_text())  # /opt/hallq does not exist here
    assert verify([unit]).returncode != 0


def settings(name):
    """{key: [values]} of a unit file (keys repeat in systemd units)."""
    found = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_hub_unit_is_a_notify_service_with_watchdog_and_hardening():
    hub = settings("hallq-hub.service")
    assert hub["Type"] == ["notify"] and hub["WatchdogSec"] == ["30"]
    assert hub["Restart"] == ["on-failure"] and hub["User"] == ["hallq"]
    assert hub["ExecStart"] == ["/opt/hallq/venv/bin/hallq serve --config /etc/hallq/hall.toml "
                                "--db /var/lib/hallq/hallq.db --host 0.0.0.0 --port 8080"]
    for key, value in (("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"),
                       ("ProtectHome", "yes"), ("PrivateDevices", "yes"), ("StateDirectory", "hallq"),
                       ("ReadWritePaths", "/var/lib/hallq")):
        assert hub[key] == [value], key
    assert "SupplementaryGroups" not in hub  # the hub touches no device


def test_device_services_get_only_their_groups():
    bridge, board = settings("hallq-bridge.service"), settings("hallq-board.service")
    assert bridge["SupplementaryGroups"] == ["dialout lp"]
    assert "hallq-hub.service" in bridge["After"][0] and "hallq-hub.service" in bridge["Wants"][0]
    assert board["SupplementaryGroups"] == ["video render audio input"]
    assert "hallq board --hub ${HALLQ_HUB_URL}" in board["ExecStart"][0]
    for unit in (bridge, board):
        assert unit["DevicePolicy"] == ["closed"] and unit["NoNewPrivileges"] == ["yes"]


def test_backup_timer_asks_often_and_the_hall_file_says_when():
    timer, service = settings("hallq-backup.timer"), settings("hallq-backup.service")
    assert timer["Persistent"] == ["true"] and timer["OnCalendar"] == ["*:00/15"]
    assert service["ExecStart"] == ["/opt/hallq/venv/bin/hallq backup --config /etc/hallq/hall.toml "
                                    "--db /var/lib/hallq/hallq.db --if-due"]
    assert "EnvironmentFile" not in service  # backup.env is gone: [backup] in the hall file
    assert service["User"] == ["hallq"] and service["ProtectSystem"] == ["strict"]
    assert service["ReadWritePaths"] == ["/var/lib/hallq -/var/backups -/media -/mnt -/srv"]
    assert service["LogLevelMax"] == ["notice"] and service["SyslogLevel"] == ["notice"]


# the Chromium screen wrapper ----------------------------------------------------

@pytest.fixture
def desktop(tmp_path):
    """A runtime dir with a Wayland socket and a `chromium` that prints its arguments."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    fake_bin = tmp_path / "fakebin"
    fake_bin.mkdir()
    chromium = fake_bin / "chromium"
    chromium.write_text('#!/bin/sh\necho "WAYLAND_DISPLAY=$WAYLAND_DISPLAY"\nfor a in "$@"; do echo "$a"; done\n')
    chromium.chmod(0o755)
    env = {"PATH": f"{fake_bin}:/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "XDG_RUNTIME_DIR": str(runtime), "HALLQ_WAIT_SECONDS": "0"}
    return runtime, env


def screen(page, env):
    return subprocess.run([str(SYSTEMD / "bin" / "hallq-screen"), page], env=env,
                          capture_output=True, text=True, timeout=30)


def test_screen_opens_the_page_in_kiosk_mode_on_wayland(desktop):
    runtime, env = desktop
    with socket.socket(socket.AF_UNIX) as compositor:
        compositor.bind(str(runtime / "wayland-1"))
        result = screen("board", dict(env, HALLQ_HUB_URL="http://192.168.1.20:8080",
                                      HALLQ_SCREEN_FLAGS="--window-position=1920,0"))
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert lines[0] == "WAYLAND_DISPLAY=wayland-1"
    assert "--kiosk" in lines and "http://192.168.1.20:8080/board" in lines
    assert "--ozone-platform=wayland" in lines and "--window-position=1920,0" in lines
    assert "--autoplay-policy=no-user-gesture-required" in lines  # the board speaks
    profile = [a for a in lines if a.startswith("--user-data-dir=")][0]
    assert profile.endswith("/hallq-screen/board")


def test_screen_without_a_desktop_waits_then_fails_clearly(desktop):
    _, env = desktop
    result = screen("kiosk", env)
    assert result.returncode == 1 and "no desktop session" in result.stderr
    assert screen("../etc", env).returncode == 2
