"""`hallq serve --workers N`: several web workers behind one port, one writer,
the live stream shared through a real Redis (redis-server started here)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from hubproc import KIOSK_KEY, HubProcess, free_port
from test_core_live import Listener
from test_live_fanout import every_call_once_in_order

WORKERS = 3


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.RedisError:
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(5)


def table(hub):
    path = hub.db.with_name(hub.db.name + ".workers.json")
    return json.loads(path.read_text()) if path.exists() else {"workers": []}


def wait_for_workers(hub, count=WORKERS, timeout=90, not_pid=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = table(hub)["workers"]
        if len(rows) == count and all(r["pid"] != not_pid for r in rows):
            ports = [f"http://127.0.0.1:{r['port']}" for r in rows]
            try:
                if all(requests.get(p + "/api/health", timeout=2).ok for p in ports):
                    return rows
            except requests.RequestException:
                pass
        time.sleep(0.2)
    raise AssertionError(f"workers not up: {table(hub)}")


@pytest.fixture
def hub(tmp_path, redis_url, template_db):
    hub = HubProcess(tmp_path, template_db=template_db, extra=["--workers", str(WORKERS), "--redis", redis_url]).start(timeout=90)
    hub.rows = wait_for_workers(hub)
    yield hub
    hub.stop()
    assert not table(hub)["workers"], "the parent removes its workers' table when it stops"


def direct(row):
    return f"http://127.0.0.1:{row['port']}"


def take(url):
    r = requests.post(url + "/api/tickets", json={"matter": "m03"}, headers={"X-Device-Key": KIOSK_KEY},
                      timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def test_tickets_taken_at_once_through_every_worker_never_share_a_number(hub):
    urls = [hub.url] * 30 + [direct(r) for r in hub.rows] * 10  # the shared port and each worker's own
    with ThreadPoolExecutor(12) as pool:
        tickets = list(pool.map(take, urls))
    numbers = [t["number"] for t in tickets]
    assert len(set(numbers)) == len(numbers) == 60
    per_queue = defaultdict(list)
    for t in tickets:
        per_queue[t["queue"]].append(int(t["number"][len(t["queue"]):]))
    for queue, seq in per_queue.items():
        assert sorted(seq) == list(range(1, len(seq) + 1)), queue
    listed = requests.get(direct(hub.rows[2]) + "/api/queues", timeout=10)
    assert listed.ok, listed.text  # a reader's own read sees the writer's tickets
    assert sum(q["waiting"] for q in listed.json()) == 60


def test_a_call_through_one_worker_reaches_boards_on_every_worker(hub):
    hub.issue("m03")
    boards = [Listener(direct(row)) for row in hub.rows for _ in range(2)] + [Listener(hub.url) for _ in range(2)]
    try:
        for board in boards:
            board.snapshot(timeout=10)
        login = requests.post(direct(hub.rows[1]) + "/api/login",
                              json={"user": "clerk3", "pin": "1111", "window": "w3"}, timeout=10)
        assert login.status_code == 200, login.text
        r = requests.post(direct(hub.rows[2]) + "/api/windows/w3/call-next",
                          headers={"Authorization": f"Bearer {login.json()['token']}"}, json={}, timeout=10)
        assert r.status_code == 200, r.text
        for board in boards:
            _, called = board.wait_for(lambda n, d: n == "ticket.called", timeout=10)[0]
            assert called["ticket"]["number"] == "A001" and called["window"]["number"] == 3
    finally:
        for board in boards:
            board.close()


def test_every_board_on_every_worker_gets_every_call_once_in_order_also_while_some_stop_reading(hub):
    every_call_once_in_order(hub, ("websocket",))  # each worker writes Redis' events by the fan-out


def test_a_reader_refuses_a_forged_worker_header_and_long_polling(hub):
    r = requests.post(direct(hub.rows[0]) + "/api/tickets", json={"matter": "m03"},
                      headers={"X-Device-Key": KIOSK_KEY, "X-Hallq-Peer": "10.0.0.9",
                               "X-Hallq-Worker-Secret": "guess", "Accept-Language": "en"}, timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_worker"
    polled = requests.get(hub.url + "/socket.io/?EIO=4&transport=polling", timeout=10)
    assert polled.status_code == 400  # sessions live in one worker: WebSocket only


def test_killing_a_reader_loses_no_acknowledged_ticket(hub):
    before = [take(direct(hub.rows[1]))["number"] for _ in range(5)]
    victim = hub.rows[1]["pid"]
    os.kill(victim, signal.SIGKILL)
    after = [take(hub.url)["number"] for _ in range(10)]  # the shared port: the others take the load
    rows = wait_for_workers(hub, not_pid=victim)  # the parent started it again
    assert rows[1]["pid"] != victim
    again = take(direct(rows[1]))["number"]
    numbers = before + after + [again]
    assert len(set(numbers)) == 16 and sorted(int(n[1:]) for n in numbers) == list(range(1, 17))
    waiting = requests.get(direct(rows[2]) + "/api/queues", timeout=10).json()
    assert sum(q["waiting"] for q in waiting) == 16


def test_without_redis_url_the_hub_runs_its_own_redis_server_and_stops_it(tmp_path, template_db):
    hub = HubProcess(tmp_path, template_db=template_db, extra=["--workers", "2"]).start(timeout=90)
    try:
        rows = wait_for_workers(hub, count=2)
        url = table(hub)["redis"]
        assert redis.Redis.from_url(url).ping()
        assert take(direct(rows[1]))["number"] == "A001"
    finally:
        hub.stop()
    with pytest.raises(redis.RedisError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    assert (tmp_path / "redis.log").exists()  # its files beside the database


def test_a_reader_answers_503_in_the_clients_language_while_the_writer_is_away():
    import io
    from hub.web.workers import Forwarder
    local = []
    front = Forwarder(lambda environ, start: local.append(environ["REQUEST_METHOD"]) or [b"local"],
                      free_port(), "s3cret", max_body=1000)  # nothing listens on the writer's port
    answers = {}

    def start(status, headers):
        answers["status"] = status

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/tickets", "CONTENT_LENGTH": "2",
               "CONTENT_TYPE": "application/json", "wsgi.input": io.BytesIO(b"{}"), "REMOTE_ADDR": "10.0.0.5",
               "HTTP_ACCEPT_LANGUAGE": "en"}
    body = json.loads(b"".join(front(environ, start)))
    assert answers["status"].startswith("503") and body["error"]["code"] == "writer_unavailable"
    assert "unavailable" in body["error"]["message"]
    assert front(dict(environ, REQUEST_METHOD="GET"), start) == [b"local"] and local == ["GET"]


def test_a_boards_snapshot_is_written_by_its_worker_and_only_broadcasts_go_through_redis(hub, redis_url):
    """Per-client answers (the snapshot, a resume's replay) never go through Redis: boards connecting
    by the hundred would each publish one, run a worker out of Redis connections (redis-py's pool
    holds 100) and cost it its subscription for a second, and the calls of that second."""
    watch = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    watch.psubscribe("*")
    hub.issue("m03")
    boards = [Listener(hub.url) for _ in range(6)]
    try:
        for board in boards:
            board.snapshot(timeout=10)
        clerk = hub.login("clerk3", "1111", window="w3")
        assert hub.post("/api/windows/w3/call-next", token=clerk).status_code == 200
        for board in boards:
            board.wait_for(lambda n, d: n == "ticket.called", timeout=10)
        published, until = [], time.monotonic() + 1.0
        while time.monotonic() < until:  # get_message gives None for the subscription's own reply, too
            message = watch.get_message(timeout=0.1)
            if message is not None:
                published.append(message["data"])
    finally:
        for board in boards:
            board.close()
        watch.close()
    assert any(b"ticket.called" in m for m in published)  # the broadcast went through Redis
    assert not any(b'"snapshot"' in m for m in published)
