"""The client's address behind a reverse proxy, believed only from proxies
the hall file trusts (`[limits] trusted_proxies`).

A WSGI middleware in front of the whole hub (Socket.IO included), so that
`request.remote_addr` — in limits, the audit log, login throttling — is the
client's address everywhere. Without trusted proxies `X-Forwarded-For` is
ignored: anyone can write that header, so believing it would let one phone
pose as a hundred."""
from __future__ import annotations

import ipaddress


def networks(trusted):
    return tuple(ipaddress.ip_network(text, strict=False) for text in trusted)


def _trusted(address, nets):
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(peer, forwarded, nets):
    """The first address, from the right, in `peer` + X-Forwarded-For that is
    not a trusted proxy: each trusted proxy appends the address it saw, so the
    entries left of the last untrusted one may be forged."""
    if not (nets and forwarded and _trusted(peer, nets)):
        return peer
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, nets):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled header from a trusted proxy: the proxy is the client we know
    return hops[0] if hops else peer


class TrustedProxies:
    def __init__(self, app, trusted):
        self.app = app
        self.nets = networks(trusted)

    def __call__(self, environ, start_response):
        if self.nets:
            peer = environ.get("REMOTE_ADDR", "")
            environ["hallq.peer"] = peer
            environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR", ""), self.nets)
        return self.app(environ, start_response)
