"""The byte-exact examples of docs/protocols.md, produced by the codecs.

`python -m firmware_bridge.docs_examples` prints the example blocks;
tests/test_bridge_codec.py checks that the document still says the same.
"""
from __future__ import annotations

from firmware_bridge import messages as m
from firmware_bridge.protocols.hallq import HallqProtocol
from firmware_bridge.protocols.vendor_led import VendorLedProtocol

HALLQ_EXAMPLES = (
    m.Poll(address=3, ack_seq=0),
    m.Ack(address=3),
    m.ShowText(address=3, text="A012 请到3号窗口", mode=1),
    m.ShowText(address=3, text="3号窗口 欢迎您", mode=1),
    m.Blink(address=3, times=3, period_ds=5),
    m.Brightness(address=3, level=80),
    m.Clear(address=3),
    m.DisplayLine(address=18, text="已呼叫 A012"),
    m.Poll(address=18, ack_seq=0),
    m.KeyEvent(address=18, seq=1, key="call"),
    m.Poll(address=18, ack_seq=1),
    m.Prompt(address=33, text="请您评价", seconds=120),
    m.ScoreEvent(address=33, seq=7, score=5),
    m.PromptTimeout(address=33, seq=8),
    m.DisplayLine(address=33, text="暂无评价业务"),
    m.Identify(address=3),
    m.Identity(address=3, kind="bar", version="1.0"),
    m.Nak(address=3, reason=1),
)

VENDOR_LED_EXAMPLES = (
    m.ShowText(address=3, text="A012 请到3号窗口", mode=1),
    m.Clear(address=3),
    m.Brightness(address=3, level=80),
    m.Blink(address=3, times=3, period_ds=5),
    m.Poll(address=3, ack_seq=0),
    m.Ack(address=3),
)

SEPARATOR = "  =>  "


def example_lines(protocol, examples):
    return [f"{msg!r}{SEPARATOR}{protocol.encode(msg).hex(' ')}" for msg in examples]


def blocks():
    return {
        "hallq": example_lines(HallqProtocol(), HALLQ_EXAMPLES),
        "vendor-led": example_lines(VendorLedProtocol(), VENDOR_LED_EXAMPLES),
    }


if __name__ == "__main__":
    for name, lines in blocks().items():
        print(f"```{name}-examples")
        print("\n".join(lines))
        print("```\n")
