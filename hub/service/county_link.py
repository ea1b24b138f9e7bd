"""The county as the uplink talks to it: two HTTP calls with the hall's key
(docs/api.md "County"). Every failure — no route, a timeout, a refusal, an
answer that is not what the contract says — becomes one CountyError with a
reason in Chinese, for the log and the 运维 tab.

Under the hub's gevent (monkey-patched sockets) the calls yield, so they run
beside the hall's work in the uplink's own greenlet.
"""
from __future__ import annotations

import requests

from hub.service.uplink import CountyError

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 20.0  # a busy county storing a batch of 5,000 takes well under this


class CountyLink:
    def __init__(self, county, session=None):
        self.url, self.hall, self.key = county.url, county.hall, county.key
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {county.key}",
                                     "User-Agent": "hallq-uplink"})

    def state(self, hall):
        """GET /api/uplink/state: the county's acked_through for this hall."""
        return _acked(self._call("GET", "/api/uplink/state", params={"hall": hall}))

    def send(self, body):
        """POST /api/uplink/events with a ready JSON body; the county's acked_through."""
        return _acked(self._call("POST", "/api/uplink/events", data=body.encode("utf-8"),
                                 headers={"Content-Type": "application/json"}))

    def catalog(self):
        """GET /api/county/catalog: the published catalogue, or None when none is published yet."""
        answer = self._call("GET", "/api/county/catalog", missing_ok=True)
        if answer is not None and not isinstance(answer, dict):
            raise CountyError("县平台返回的事项目录不是 JSON 对象")
        return answer

    def _call(self, method, path, missing_ok=False, **kwargs):
        try:
            r = self.session.request(method, self.url + path, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), **kwargs)
        except requests.Timeout:
            raise CountyError(f"县平台 {self.url} 超时未应答") from None
        except requests.ConnectionError:
            raise CountyError(f"无法连接县平台 {self.url}") from None
        except requests.RequestException as exc:
            raise CountyError(f"与县平台通信失败: {exc}") from None
        if r.status_code == 404 and missing_ok:
            return None
        if r.status_code != 200:
            raise CountyError(f"县平台拒绝了请求 ({r.status_code} {_reason(r)})", status=r.status_code)
        try:
            return r.json()
        except ValueError:
            raise CountyError(f"县平台的应答不是 JSON ({path})") from None


def _acked(answer):
    value = answer.get("acked_through") if isinstance(answer, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CountyError(f"县平台的应答缺少有效的 acked_through: {str(answer)[:120]}")
    return value


def _reason(response):
    try:
        error = response.json().get("error", {})
        return f"{error.get('code')}: {error.get('message')}"
    except (ValueError, AttributeError):
        return response.text[:120].strip() or response.reason
