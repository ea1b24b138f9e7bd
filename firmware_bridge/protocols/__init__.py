"""Device protocols: how messages (firmware_bridge.messages) become bytes.

A protocol is found by name in the `hallq.devices` entry point group, so a
hall can add its LED supplier's framing as a separate package:

    [options.entry_points]
    hallq.devices =
        acme-led = acme_hallq:AcmeLedProtocol

The entry point names a class (or factory) taking no arguments. The object has
`name`, `kinds` (the device kinds it can drive), `encode(message) -> bytes`
(raising ProtocolError for a message it cannot express) and `decoder()`
returning an object with `feed(bytes) -> [message]`, `flush() -> [message]`
and an int `dropped` (garbage bytes skipped). Decoders never raise on input.
"""
from __future__ import annotations

from importlib.metadata import entry_points

GROUP = "hallq.devices"
TEXT_ENCODING = "gb18030"


class ProtocolError(ValueError):
    """A message a protocol cannot express, or a protocol that is not installed."""


def available():
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def load_protocol(name):
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        names = "、".join(available()) or "无"
        raise ProtocolError(f"未知的设备协议 '{name}' (已安装: {names})")
    try:
        return found[0].load()()
    except Exception as exc:  # a broken plug-in must name itself, not crash the bridge
        raise ProtocolError(f"设备协议 '{name}' 无法加载: {exc}") from exc


def clean_text(text):
    """What a one-line display can show: no control characters, one line."""
    return "".join(" " if ch in "\r\n\t" else ch for ch in str(text) if ch >= " " or ch in "\r\n\t")


def encode_text(text, limit):
    """GB18030 bytes of `text`, cut at a character boundary to at most `limit` bytes;
    characters GB18030 cannot hold (none in practice) become '?'."""
    out = bytearray()
    for ch in clean_text(text):
        piece = ch.encode(TEXT_ENCODING, errors="replace")
        if len(out) + len(piece) > limit:
            break
        out += piece
    return bytes(out)


def decode_text(data):
    return data.decode(TEXT_ENCODING, errors="replace")
