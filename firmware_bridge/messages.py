"""What the hall says to a serial device and what a device says back.

These are protocol-neutral: the hallq protocol and every vendor protocol
translate their own bytes to and from these values, so the bridge, the
domain (bars, keypads, pads) and the simulators never see a byte.

`address` is the device's bus address on its line (1..247). Events that a
device raises (a key, a score, a prompt that ran out) carry a sequence number
`seq` (1..255) so that a repeated reply is recognised and not acted on twice.
"""
from __future__ import annotations

from dataclasses import dataclass

# keys of a keypad (呼叫器), in the order of their codes 1..6
KEYS = ("call", "recall", "no_show", "start", "finish", "pause")
DEVICE_KINDS = ("bar", "keypad", "pad")

# SHOW modes of an LED bar
STATIC, AUTO_SCROLL, SCROLL = 0, 1, 2

# NAK reasons
NAK_UNKNOWN_COMMAND, NAK_BAD_PAYLOAD, NAK_BUSY = 1, 2, 3


# master -> device -------------------------------------------------------
@dataclass(frozen=True)
class Poll:
    """Are you there, and have you something to report? `ack_seq` confirms the
    last event the master received (0: none)."""
    address: int
    ack_seq: int = 0


@dataclass(frozen=True)
class Identify:
    address: int


@dataclass(frozen=True)
class ShowText:
    """LED bar: show this text; mode AUTO_SCROLL scrolls it when it is wider than the bar."""
    address: int
    text: str
    mode: int = AUTO_SCROLL


@dataclass(frozen=True)
class Clear:
    address: int


@dataclass(frozen=True)
class Brightness:
    address: int
    level: int  # 0..100 percent


@dataclass(frozen=True)
class Blink:
    """Blink `times` times (0 stops), one on-off cycle every `period_ds` tenths of a second."""
    address: int
    times: int = 3
    period_ds: int = 5


@dataclass(frozen=True)
class DisplayLine:
    """Keypad or rating pad: the text of its one-line display."""
    address: int
    text: str


@dataclass(frozen=True)
class Prompt:
    """Rating pad: ask for a score, lighting the keys for `seconds`."""
    address: int
    text: str
    seconds: int


@dataclass(frozen=True)
class CancelPrompt:
    address: int


# device -> master -------------------------------------------------------
@dataclass(frozen=True)
class Ack:
    address: int


@dataclass(frozen=True)
class Nak:
    address: int
    reason: int = NAK_UNKNOWN_COMMAND


@dataclass(frozen=True)
class Identity:
    address: int
    kind: str  # one of DEVICE_KINDS
    version: str = ""


@dataclass(frozen=True)
class KeyEvent:
    address: int
    seq: int
    key: str  # one of KEYS


@dataclass(frozen=True)
class ScoreEvent:
    address: int
    seq: int
    score: int  # 1..5


@dataclass(frozen=True)
class PromptTimeout:
    """Rating pad: the prompt ran out with no press."""
    address: int
    seq: int


@dataclass(frozen=True)
class Unknown:
    """A well-formed frame whose command or payload this side does not understand."""
    address: int
    command: int
    payload: bytes = b""


REQUESTS = (Poll, Identify, ShowText, Clear, Brightness, Blink, DisplayLine, Prompt, CancelPrompt)
REPLIES = (Ack, Nak, Identity, KeyEvent, ScoreEvent, PromptTimeout)
EVENTS = (KeyEvent, ScoreEvent, PromptTimeout)


def describe(message):
    """A short human line for logs: `ShowText@3 'A012 请到3号窗口' mode=1`."""
    name = type(message).__name__
    fields = {k: v for k, v in vars(message).items() if k != "address"}
    parts = [repr(v) if isinstance(v, str) else f"{k}={v.hex(' ') if isinstance(v, bytes) else v}"
             for k, v in fields.items()]
    return f"{name}@{message.address}" + (" " + " ".join(parts) if parts else "")
