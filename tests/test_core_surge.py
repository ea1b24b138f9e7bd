"""Surge: a queue whose estimated wait passes its threshold raises one alert,
and where the hall allows it a tidal window opens for the loaded queue."""
from __future__ import annotations

from test_core_live import Listener


def test_a_surge_alerts_once_and_opens_a_tidal_window_for_the_loaded_queue(hub):
    token = hub.login("manager", "2222")
    for window in hub.get("/api/windows").json():  # only the professional windows 7 and 8 take queue D
        if window["id"] not in ("w7", "w8") and "D" in window["profile"]:
            profile = {q: w for q, w in window["profile"].items() if q != "D"}
            assert hub.post(f"/api/windows/{window['id']}/profile", {"profile": profile}, token=token).ok
    manager = Listener(hub.url, token=token)
    try:
        for _ in range(10):
            hub.issue("m08")  # 医疗费用手工报销, queue D: 15 min each, 40 min threshold
        alerts = manager.wait_for(lambda n, d: n == "alert" and d["kind"] == "surge")
        assert len(alerts) == 1 and alerts[0][1]["queue"] == "D"
        assert "D" in alerts[0][1]["message"] and alerts[0][1]["eta_minutes"] > 40
        windows = {w["id"]: w for w in hub.get("/api/windows").json()}
        assert windows["w14"]["state"] == "open" and "D" in windows["w14"]["queues"]
        assert alerts[0][1]["opened"] == "w14"
        hub.issue("m08")
        assert len([1 for n, d in manager.events if n == "alert" and d["kind"] == "surge"]) == 1
    finally:
        manager.close()


def test_a_device_that_goes_offline_raises_an_alert_for_the_manager(hub):
    from hub.hallfile.model import load_hall
    bridge_key = load_hall(None).device("bridge-1").key
    manager = Listener(hub.url, token=hub.login("manager", "2222"))
    try:
        assert hub.post("/api/devices/bar-3/status", {"online": True, "shows": "3号窗口 欢迎您"},
                        token=bridge_key).status_code == 200
        hub.post("/api/devices/bar-3/status", {"online": False}, token=bridge_key)
        alert = manager.wait_for(lambda n, d: n == "alert" and d.get("device") == "bar-3")[0][1]
        assert alert["kind"] == "device_offline" and "窗口屏" in alert["message"]
        health = hub.get("/api/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert "bar-3" in health.json()["checks"]["devices"]["offline"]
        devices = {d["id"]: d for d in hub.get("/api/devices", token=bridge_key).json()}
        assert devices["bar-3"]["online"] is False and devices["bar-3"]["shows"] == "3号窗口 欢迎您"
        assert hub.post("/api/devices/bar-3/status", {"online": True},
                        token=load_hall(None).device("pad-3").key).status_code == 403
    finally:
        manager.close()
