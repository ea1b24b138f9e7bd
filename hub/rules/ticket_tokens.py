"""Ticket tokens (the secret in a ticket's QR code and status URL) without keeping them.

A token is derived from the hub's secret key (a file beside the database, see
hub/store/token_key.py), the ticket's id and a random per-ticket nonce kept in
its row; the row keeps only the token's SHA-256. A lookup hashes what the
citizen presents; a reprint derives the token again and checks it against the
stored hash (a ticket from before hashed tokens, or a key that is not the one it
was made with, cannot be rebuilt: `rebuild` says None)."""
from __future__ import annotations

import base64
import hashlib
import hmac

TOKEN_CHARS = 24  # 144 bits, url-safe


def derive(key, ticket_id, nonce):
    mac = hmac.new(key, f"ticket:{ticket_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:TOKEN_CHARS]


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token, token_hash):
    """Whether `token` (anything a client sent) is the one `token_hash` was made from; constant time."""
    return isinstance(token, str) and bool(token_hash) and hmac.compare_digest(digest(token), token_hash)


def rebuild(key, ticket_id, nonce, token_hash):
    """The ticket's token again, or None when it cannot be rebuilt (no nonce, no key, another key)."""
    if key is None or not nonce:
        return None
    token = derive(key, ticket_id, nonce)
    return token if matches(token, token_hash) else None
