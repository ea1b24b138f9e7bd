"""JSON over HTTP to the hub, with the hub's error shape.

`request` answers (status, body) for callers that read the status
themselves (the bridge turns a 409 into a message on a keypad); `call`
answers the body and raises `HubError` for a refusal. Each thread gets its
own keep-alive connection, so the bridge's pool threads never share one.
HTTP/1.1 on a socket here, not requests (~10 MB of imports: pools, retries,
charset guessing) nor http.client (which imports ssl and email, ~5 MB):
a board and a bridge talk JSON to one hub, and ssl is loaded only for an
https hub.
"""
from __future__ import annotations

import json
import select
import socket
import threading
from urllib.parse import urlencode, urlsplit

TIMEOUT = (2.0, 5.0)  # connect, read (seconds)
MAX_LINE = 65536  # bytes of a status or header line
MAX_BODY = 64 * 1024 * 1024  # bytes of an answer


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
        if conn is not None and _closed_by_peer(conn.sock):
            conn.close()
            conn = None
        if conn is None:
            timeout = self.timeout if isinstance(self.timeout, tuple) else (self.timeout, self.timeout)
            conn = self._local.conn = Connection(self._host, self._port, self._secure, timeout)
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
            status, raw, keep = self._connection().exchange(method, target, headers, data)
        except (OSError, ValueError) as exc:
            self.close()
            raise HubUnreachable(f"{self.base_url}: {exc or type(exc).__name__}") from exc
        if not keep:
            self.close()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None

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


def open_socket(host, port, secure, timeout):
    """A TCP connection to the hub with TCP_NODELAY (small writes go at once), TLS for an https hub."""
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if secure:
        import ssl  # only for an https hub: ssl alone is ~5 MB

        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
    return sock


class Connection:
    """One HTTP/1.1 connection: a request out, its answer in (Content-Length,
    chunked, or up to the close), kept alive unless the hub says otherwise."""

    def __init__(self, host, port, secure, timeout):
        connect, read = timeout
        self.hostport = f"{host}:{port}" if port else host
        sock = open_socket(host, port or (443 if secure else 80), secure, connect)
        sock.settimeout(read)
        self.sock, self.reader = sock, sock.makefile("rb")

    def exchange(self, method, target, headers, body):
        """(status, body bytes, keep alive?); OSError or ValueError when the answer is broken."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.hostport}", "Accept: application/json",
                 "Accept-Encoding: identity"] + [f"{k}: {v}" for k, v in headers.items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        version, status = self._status()
        fields = self._headers()
        length = fields.get("content-length")
        if method == "HEAD" or status in (204, 304):
            raw = b""
        elif "chunked" in fields.get("transfer-encoding", ""):
            raw = self._chunked()
        elif length is not None:
            raw = self._exactly(int(length))
        else:  # delimited by the close
            return status, self.reader.read(MAX_BODY), False
        keep = version == "HTTP/1.1" and fields.get("connection", "").lower() != "close"
        return status, raw, keep

    def _status(self):
        while True:
            line = self._line()
            parts = line.split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
                raise ValueError(f"not an HTTP answer: {line[:60]!r}")
            status = int(parts[1])
            if status >= 200 or status == 101:
                return parts[0], status
            self._headers()  # 1xx: its headers, then the real answer

    def _headers(self):
        fields = {}
        while line := self._line():
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        return fields

    def _line(self):
        line = self.reader.readline(MAX_LINE + 1)
        if not line:
            raise ConnectionError("the hub closed the connection")
        if len(line) > MAX_LINE:
            raise ValueError("an HTTP line too long")
        return line.decode("latin-1").rstrip("\r\n")

    def _exactly(self, n):
        if n < 0 or n > MAX_BODY:
            raise ValueError(f"an answer of {n} bytes")
        data = self.reader.read(n)
        if len(data) < n:
            raise ConnectionError("the hub closed the connection mid-answer")
        return data

    def _chunked(self):
        parts, size = [], 0
        while (n := int(self._line().split(";", 1)[0].strip() or "0", 16)) > 0:
            size += n
            if size > MAX_BODY:
                raise ValueError(f"an answer over {MAX_BODY} bytes")
            parts.append(self._exactly(n))
            self._exactly(2)  # the chunk's CRLF
        self._headers()  # trailers
        return b"".join(parts)

    def close(self):
        try:
            self.reader.close()
        finally:
            self.sock.close()
