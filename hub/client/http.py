"""JSON over HTTP to the hub, with the hub's error shape.

`request` answers (status, body) for callers that read the status
themselves (the bridge turns a 409 into a message on a keypad); `call`
answers the body and raises `HubError` for a refusal. Each thread gets its
own keep-alive session, so the bridge's pool threads never share one.
"""
from __future__ import annotations

import threading

import requests

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
        self.key, self.lang, self.timeout = key, lang, timeout
        self.headers = dict(headers or {})  # sent with every request (a kiosk's X-Device-Key)
        self._local = threading.local()

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def request(self, method, path, body=None, key=None, params=None):
        """(status, parsed JSON body or None); HubUnreachable when no answer came.
        `key` (a device key or staff token) overrides the client's own."""
        headers = {"Accept-Language": self.lang, **self.headers}
        key = key or self.key
        if key:
            headers["Authorization"] = f"Bearer {key}"
        try:
            response = self._session().request(method, self.base_url + path, json=body, params=params,
                                               headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise HubUnreachable(f"{self.base_url}: {exc}") from exc
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

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
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
