"""Ticket tokens kept only as hashes (issue 15 point 3), against a real hub and its file:
the QR code and phone page work by token, reprints rebuild the same status URL from the
key beside the database, a restart keeps tokens valid, and an older database's tickets
stay readable by token after the migration."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import stat


from hubproc import KIOSK_KEY, HubProcess
from hub.store.database import MIGRATIONS, _Conn

PRINTER = {"X-Device-Key": "demo-printer-1-key-0000"}  # the demo hall's printer reads slips


def other(token):
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def file_bytes(db):
    return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def test_the_database_holds_no_token_yet_every_use_of_a_token_works(hub_factory):
    hub = hub_factory("tokens").start()
    first, second = hub.issue("m03"), hub.issue("m03")
    key = {"Idempotency-Key": "press-1", "X-Device-Key": KIOSK_KEY}
    kept = hub.post("/api/tickets", {"matter": "m03"}, headers=key).json()
    replayed = hub.post("/api/tickets", {"matter": "m03"}, headers=key)
    assert replayed.headers.get("Idempotent-Replay") == "true"
    assert (replayed.json()["token"], replayed.json()["status_url"]) == (kept["token"], kept["status_url"])

    assert first["status_url"].endswith("/t/" + first["token"]) and len(first["token"]) == 24
    assert hub.get(f"/api/t/{first['token']}").json()["number"] == first["number"]
    assert hub.get(f"/t/{first['token']}").status_code == 200
    assert hub.get(f"/api/t/{other(first['token'])}").status_code == 404
    assert hub.get(f"/api/tickets/{first['id']}/slip", headers=PRINTER).json()["status_url"] == first["status_url"]

    # cancelling needs the ticket's own token (another ticket's is refused)
    assert hub.post(f"/api/tickets/{second['id']}/cancel", {"token": first["token"]}).status_code == 403
    assert hub.post(f"/api/tickets/{second['id']}/cancel", {"token": second["token"]}).json()["status"] == "cancelled"

    # the phone's rating, by token
    clerk = hub.login("clerk1", "1111", window="w1")
    assert hub.post("/api/windows/w1/call-next", token=clerk).json()["ticket"]["id"] == first["id"]
    assert hub.post("/api/windows/w1/finish", token=clerk).status_code == 200
    rate = f"/api/tickets/{first['id']}/rating"
    assert hub.post(rate, {"score": 5, "token": second["token"]}).status_code == 403
    assert hub.post(rate, {"score": 5, "token": first["token"]}).status_code == 200

    hub.stop()
    everything = file_bytes(hub.db)
    for t in (first, second, kept):
        assert t["token"].encode() not in everything
    with sqlite3.connect(hub.db) as conn:
        rows = dict(conn.execute("SELECT id, token_hash FROM tickets"))
    assert rows[first["id"]] == hashlib.sha256(first["token"].encode()).hexdigest()
    key_file = hub.db.with_name(hub.db.name + ".token-key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    hub.start()  # the same key after a restart: the same tokens, the same reprint
    assert hub.get(f"/api/t/{kept['token']}").json()["id"] == kept["id"]
    assert hub.get(f"/api/tickets/{kept['id']}/slip", headers=PRINTER).json()["status_url"] == kept["status_url"]


OLD_PRESS = "press-before-the-upgrade"


def old_database(path):
    """A database at the schema before hashed tokens, with a ticket of clear token."""
    conn = sqlite3.connect(path, isolation_level=None, factory=_Conn)
    conn.execute("PRAGMA journal_mode=WAL")
    for number, step in enumerate(MIGRATIONS[:5], start=1):
        conn.execute("BEGIN")
        step(conn)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(number),))
        conn.execute("COMMIT")
    token = "oldToken-kept-in-clear-42"
    conn.execute("INSERT INTO tickets (day, queue, first_queue, seq, number, matter, priority, status, token, "
                 "issued_at, first_issued_at) VALUES ('2026-11-26', 'A', 'A', 1, 'A001', 'm03', 'normal', "
                 "'waiting', ?, 1795654800, 1795654800)", (token,))
    conn.execute("INSERT INTO counters (day, queue, last) VALUES ('2026-11-26', 'A', 1)")
    # the answer kept for a repeated press then held the token in clear too
    body = json.dumps({"id": 1, "number": "A001", "token": token, "status_url": f"http://hall/t/{token}"})
    conn.execute("INSERT INTO idempotency (key, at, status, body, request) VALUES (?, 1795654800, 201, ?, NULL)",
                 (f"127.0.0.1|/api/tickets|{OLD_PRESS}", body))
    conn.close()
    return token


def test_an_older_database_keeps_its_tickets_readable_by_token(tmp_path):
    hub = HubProcess(tmp_path)
    token = old_database(hub.db)
    hub.start()
    try:
        assert hub.get(f"/api/t/{token}").json()["number"] == "A001"
        slip = hub.get("/api/tickets/1/slip", headers={"Accept-Language": "en", **PRINTER})
        assert slip.status_code == 409 and slip.json()["error"]["code"] == "token_not_kept"
        assert "A001" in slip.json()["error"]["message"] and "reprint" in slip.json()["error"]["message"]
        new = hub.issue("m03")  # a new ticket in the migrated file: reprintable
        assert hub.get(f"/api/tickets/{new['id']}/slip", headers=PRINTER).json()["status_url"] == new["status_url"]
        replay = hub.post("/api/tickets", {"matter": "m03"}, headers={"Idempotency-Key": OLD_PRESS})
        assert replay.status_code == 409 and replay.json()["error"]["code"] == "token_not_kept", replay.text
        assert hub.post("/api/tickets/1/cancel", {"token": token}).json()["status"] == "cancelled"
    finally:
        hub.stop()
    assert token.encode() not in file_bytes(hub.db)
    with sqlite3.connect(hub.db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(len(MIGRATIONS))
        assert conn.execute("SELECT token_nonce FROM tickets WHERE id=1").fetchone()[0] is None


def test_print_ticket_refuses_an_old_ticket_by_name_and_reprints_a_new_one(tmp_path):
    import subprocess
    import sys
    from hubproc import ROOT
    from kiosk.escpos_decode import decode
    hub = HubProcess(tmp_path)
    old_database(hub.db)
    hub.start()
    try:
        new = hub.issue("m03")
    finally:
        hub.stop()
    out = tmp_path / "slips.bin"

    def reprint(ref):
        return subprocess.run([sys.executable, "-m", "hub.cli.main", "print-ticket", str(ref), "--db", str(hub.db),
                               "--clock-file", str(hub.clock_file), "--printer", f"file://{out}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    refused = reprint(1)
    assert refused.returncode == 1 and "A001" in refused.stderr and "不能补打" in refused.stderr
    assert "Traceback" not in refused.stderr and not out.exists()
    assert reprint(new["id"]).returncode == 0
    slip, = decode(out.read_bytes())
    assert slip.qr_codes == [new["status_url"]]
