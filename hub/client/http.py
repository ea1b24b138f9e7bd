"""JSON over HTTP to the hub, with the hub's error shape.

`request` answers (status, body) for callers that read the status
themselves (the bridge turns a 409 into a message on a keypad); `call`
answers the body and raises `HubError` for a refusal. Each thread gets its
own keep-alive connection, so the bridge's pool threads never share one.
http.client, not requests: a board or a bridge needs none of requests'
pools, retries and charset guessing, and they are ~10 MB of imports in each.
"""
from __future__ import annotations

import http.client
import json
import select
import threading
from urllib.parse import urlencode, urlsplit

TIMEOUT = (2.0, 5.0)  # connect, read (seconds)


class HubUnreachable(OSError):
    """No answer from the hub (refused, timed out, reset)."""


class HubError(Exception):
    """The hub refused: its HTTP status and the error shape's code and message."""

    def __init__(self, status, code, message):
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status, self.code, self.message = status, code, message


def error_of(status, body):
    """HubError from a refusal's status and parsed body (any shape)."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return HubError(status, str(error.get("code") or "error"), error["message"])
    return HubError(status, "http_error", f"HTTP {status}")


class HubHttp:
    def __init__(self, base_url, key=None, lang="zh-CN", timeout=TIMEOUT, headers=None):
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self._secure = parts.scheme == "https"
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port
        self._prefix = parts.path
        self.key, self.lang, self.timeout = key, lang, timeout
        self.headers = dict(headers or {})  # sent with every request (a kiosk's X-Device-Key)
        self._local = threading.local()

    def _connection(self):
        """This thread's connection: kept alive, opened again once the hub has closed it."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and (conn.sock is None or _closed_by_peer(conn.sock)):
            conn.close()
            conn = None
        if conn is None:
            connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout, self.timeout)
            kind = http.client.HTTPSConnection if self._secure else http.client.HTTPConnection
            conn = kind(self._host, self._port, timeout=connect)
            conn.connect()
            conn.sock.settimeout(read)
            self._local.conn = conn
        return conn

    def request(self, method, path, body=None, key=None, params=None):
        """(status, parsed JSON body or None); HubUnreachable when no answer came.
        `key` (a device key or staff token) overrides the client's own."""
        headers = {"Accept-Language": self.lang, **self.headers}
        key = key or self.key
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        target = self._prefix + path + ("?" + urlencode(query) if query else "")
        try:
            conn = self._connection()
            conn.request(method, target, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            if response.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise HubUnreachable(f"{self.base_url}: {exc or type(exc).__name__}") from exc
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    def call(self, method, path, body=None, key=None, params=None):
        """The parsed body of a 2xx answer; HubError for a refusal."""
        status, answer = self.request(method, path, body, key, params)
        if status >= 400:
            raise error_of(status, answer)
        return answer

    def get(self, path, key=None, params=None):
        return self.call("GET", path, key=key, params=params)

    def post(self, path, body=None, key=None):
        return self.call("POST", path, body if body is not None else {}, key)

    def login(self, user, pin, window=None):
        """Log in as staff; the token becomes this client's key and is returned."""
        body = {"user": user, "pin": pin}
        if window:
            body["window"] = window
        self.key = self.post("/api/login", body)["token"]
        return self.key

    def close(self):
        """Close the calling thread's connection (the next request opens another)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()


def _closed_by_peer(sock):
    """True when an idle kept-alive socket is readable: the hub closed it (EOF) or
    sent what no request asked for. Checked before reuse, so a request is never
    sent into a connection that is already gone (and never sent twice)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
