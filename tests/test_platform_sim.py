"""The platform simulator as the hub meets it: a real process on loopback that checks every field."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from hub.rules.platform import message, problems
from hubproc import free_port

KEY = "test-platform-key-000"
RATING = {"rating_id": "330102-hallq-2026-12-08-17", "area_code": "330102", "hall": "清河镇便民服务中心",
          "ticket_number": "A017", "case_number": None, "matter_code": "m03", "matter_name": "社会保障卡申领",
          "department": "人社", "window": "3号窗口", "staff": "clerk3", "score": 2, "channel": "phone",
          "rated_at": "2026-12-08T10:12:00+08:00", "reasons": ["等候时间长"]}


@pytest.fixture(scope="module")
def platform():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "platform", "sim", "--port", str(port), "--key", KEY],
                            stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/api/ratings", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    yield url, proc
    proc.terminate()
    proc.wait(5)


def post(url, doc, key=KEY):
    return requests.post(url + "/api/ratings", json=doc, headers={"Authorization": f"Bearer {key}"}, timeout=5)


def test_a_valid_rating_is_accepted_once_and_a_repeat_is_harmless(platform):
    url, _ = platform
    doc = message(RATING)
    assert doc["level"] == "不满意" and problems(doc) == []
    assert post(url, doc).json() == {"ok": True, "duplicate": False}
    assert post(url, doc).json() == {"ok": True, "duplicate": True}
    listed = requests.get(url + "/api/ratings", timeout=5).json()["ratings"]
    assert [r["rating_id"] for r in listed].count(RATING["rating_id"]) == 1


def test_every_wrong_field_is_named(platform):
    url, _ = platform
    doc = dict(message(RATING), level="满意", area_code="33", rated_at="yesterday", reasons=[])
    doc.pop("window")
    reply = post(url, doc)
    assert reply.status_code == 422
    named = {p["field"] for p in reply.json()["problems"]}
    assert named == {"window"}  # a missing field first; then the values
    doc["window"] = "3号窗口"
    named = {p["field"] for p in post(url, doc).json()["problems"]}
    assert named == {"level", "area_code", "rated_at", "reasons"}


def test_a_wrong_key_is_refused_and_a_simulated_outage_answers_503(platform):
    url, _ = platform
    assert post(url, message(RATING), key="wrong").status_code == 401
    requests.post(url + "/control", json={"fail": 2}, timeout=5)
    assert [post(url, message(RATING)).status_code for _ in range(3)] == [503, 503, 200]
