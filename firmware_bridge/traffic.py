"""Per-device traffic log for a technician: every frame in hex and decoded.

Switched on per device in the hall file:

    [[devices]]
    id = "bar-3"
    options = { traffic_log = true, traffic_log_path = "/var/log/hallq/bar-3.log" }

Optional `traffic_log_max_kb` (default 1024) and `traffic_log_backups` (3).
The files rotate (logging.handlers.RotatingFileHandler), so a log left on
for weeks never fills the SD card.
"""
from __future__ import annotations

import logging
import logging.handlers
import os

from firmware_bridge.messages import describe

DEFAULT_MAX_KB = 1024
DEFAULT_BACKUPS = 3


class TrafficLog:
    def __init__(self, device_id, path, max_bytes=DEFAULT_MAX_KB * 1024, backups=DEFAULT_BACKUPS):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._logger = logging.Logger(f"hallq.traffic.{device_id}")  # not registered: no global state
        self._handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self._handler.setFormatter(logging.Formatter("%(asctime)s.%(msecs)03d %(message)s", "%Y-%m-%d %H:%M:%S"))
        self._logger.addHandler(self._handler)

    def sent(self, data, message):
        self._logger.info("TX %s | %s", data.hex(" "), describe(message))

    def received(self, data):
        if data:
            self._logger.info("RX %s", data.hex(" "))

    def decoded(self, message):
        self._logger.info("RX = %s", describe(message))

    def garbage(self, count):
        self._logger.info("RX !! %d byte(s) of garbage skipped", count)

    def note(self, text):
        self._logger.info("-- %s", text)

    def close(self):
        self._handler.close()


def traffic_log_for(device, default_dir):
    """The device's TrafficLog when its options switch one on, else None."""
    options = device.options or {}
    if not _truthy(options.get("traffic_log")):
        return None
    path = options.get("traffic_log_path") or os.path.join(default_dir, f"{device.id}.log")
    max_kb = int(options.get("traffic_log_max_kb", DEFAULT_MAX_KB))
    backups = int(options.get("traffic_log_backups", DEFAULT_BACKUPS))
    return TrafficLog(device.id, path, max_bytes=max_kb * 1024, backups=backups)


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
