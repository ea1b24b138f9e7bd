"""The serial codecs: hallq frames and the vendor-led example, bytes <-> messages."""
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from firmware_bridge import messages as m
from firmware_bridge.docs_examples import SEPARATOR, blocks
from firmware_bridge.frame import Frame, FrameDecoder, crc16_modbus, encode_frame
from firmware_bridge.protocols import ProtocolError, available, load_protocol
from firmware_bridge.protocols.hallq import HallqProtocol
from firmware_bridge.protocols.vendor_led import VendorLedProtocol

HALLQ = HallqProtocol()
VENDOR = VendorLedProtocol()
DOC = Path(__file__).resolve().parent.parent / "docs" / "protocols.md"

EVERY_HALLQ_MESSAGE = [
    m.Poll(1, 0), m.Poll(247, 255), m.Identify(9),
    m.ShowText(3, "A012 请到3号窗口", m.AUTO_SCROLL), m.ShowText(3, "暂停服务", m.STATIC),
    m.ShowText(3, "", m.SCROLL), m.Clear(3), m.Brightness(3, 0), m.Brightness(3, 100),
    m.Blink(3, 0, 1), m.Blink(3, 255, 255), m.DisplayLine(18, "已呼叫 A012"),
    m.Prompt(33, "请您评价", 120), m.Prompt(33, "", 65535), m.CancelPrompt(33),
    m.Ack(3), m.Nak(3, m.NAK_BAD_PAYLOAD), m.Identity(3, "pad", "2.1"),
    *[m.KeyEvent(18, 5, key) for key in m.KEYS],
    *[m.ScoreEvent(33, 200, score) for score in range(1, 6)], m.PromptTimeout(33, 1),
]


def decode_all(protocol, data, chunk=None):
    decoder = protocol.decoder()
    if chunk is None:
        return decoder.feed(data) + decoder.flush()
    out = []
    for i in range(0, len(data), chunk):
        out += decoder.feed(data[i:i + chunk])
    return out + decoder.flush()


def test_crc16_modbus_check_value():
    assert crc16_modbus(b"123456789") == 0x4B37


@pytest.mark.parametrize("message", EVERY_HALLQ_MESSAGE, ids=m.describe)
def test_every_hallq_command_round_trips(message):
    assert decode_all(HALLQ, HALLQ.encode(message)) == [message]


def test_frames_split_at_every_byte_decode_the_same():
    stream = b"".join(HALLQ.encode(msg) for msg in EVERY_HALLQ_MESSAGE)
    assert decode_all(HALLQ, stream, chunk=1) == EVERY_HALLQ_MESSAGE
    assert decode_all(HALLQ, stream, chunk=7) == EVERY_HALLQ_MESSAGE


def test_a_corrupted_frame_is_dropped_and_the_next_one_is_found():
    good = HALLQ.encode(m.ShowText(3, "A012 请到3号窗口"))
    nxt = HALLQ.encode(m.Poll(4, 0))
    for i in range(len(good)):
        bad = bytearray(good)
        bad[i] ^= 0x5A
        decoded = decode_all(HALLQ, bytes(bad) + nxt)
        assert decoded[-1] == m.Poll(4, 0)
        assert m.ShowText(3, "A012 请到3号窗口") not in decoded


def test_a_truncated_frame_does_not_swallow_the_next_one():
    torn = HALLQ.encode(m.ShowText(3, "A012 请到3号窗口"))[:9]
    nxt = HALLQ.encode(m.KeyEvent(18, 2, "recall"))
    assert decode_all(HALLQ, torn + nxt) == [m.KeyEvent(18, 2, "recall")]
    # the torn frame claims 17 payload bytes; only the quiet line (flush) ends it
    decoder = HALLQ.decoder()
    assert decoder.feed(torn) == []
    assert decoder.feed(HALLQ.encode(m.Poll(4, 0))) == []
    assert decoder.flush() == [m.Poll(4, 0)]


def test_garbage_between_frames_is_counted_and_skipped():
    stream = b"\x00\xff\x02\x02\x03" + HALLQ.encode(m.Ack(3)) + b"\x02\xf0\x99noise" + HALLQ.encode(m.Ack(4))
    decoder = HALLQ.decoder()
    assert decoder.feed(stream) + decoder.flush() == [m.Ack(3), m.Ack(4)]
    assert decoder.dropped == 5 + 8


def test_a_length_over_240_is_never_a_frame():
    decoder = FrameDecoder()
    assert decoder.feed(bytes([2, 1, 1, 241]) + encode_frame(Frame(1, 1, b"\x00"))) == [Frame(1, 1, b"\x00")]


def test_frames_with_unknown_commands_or_payloads_decode_as_unknown():
    odd = [Frame(3, 0x55, b"x"), Frame(3, 0x12, b"\xff"), Frame(3, 0xA0, b"\x01\x09"), Frame(3, 0xB0, b"\x00\x03")]
    decoded = decode_all(HALLQ, b"".join(encode_frame(f) for f in odd))
    assert decoded == [m.Unknown(f.address, f.command, f.payload) for f in odd]


@pytest.mark.parametrize("message", [
    m.Brightness(3, 101), m.Blink(3, 1, 0), m.Poll(3, 256), m.ScoreEvent(3, 1, 6),
    m.KeyEvent(3, 1, "self-destruct"), m.Prompt(3, "x", 70000), m.Poll(300, 0),
])
def test_values_out_of_range_are_refused_with_a_clear_error(message):
    with pytest.raises((ProtocolError, ValueError)) as err:
        HALLQ.encode(message)
    assert str(err.value)


def test_long_text_is_cut_at_a_character_boundary():
    frame = HALLQ.encode(m.DisplayLine(5, "窗" * 300))
    (decoded,) = decode_all(HALLQ, frame)
    assert decoded.text == "窗" * 120


def test_the_document_examples_are_what_the_codecs_produce():
    text = DOC.read_text(encoding="utf-8")
    for name, lines in blocks().items():
        block = re.search(rf"```{re.escape(name)}-examples\n(.*?)```", text, re.S)
        assert block, f"docs/protocols.md lacks the {name} examples"
        assert block.group(1).strip().splitlines() == lines
        protocol = load_protocol(name)
        for line in lines:
            expr, hexbytes = line.split(SEPARATOR)
            assert decode_all(protocol, bytes.fromhex(hexbytes)) == [eval(expr, vars(m))]


def test_both_protocols_are_found_through_the_entry_point_group():
    assert {"hallq", "vendor-led"} <= set(available())
    assert isinstance(load_protocol("vendor-led"), VendorLedProtocol)
    with pytest.raises(ProtocolError, match="未知的设备协议 'acme'"):
        load_protocol("acme")


def test_vendor_led_speaks_bar_messages_in_ascii_frames():
    frame = VENDOR.encode(m.ShowText(3, "A012 请到3号窗口", m.AUTO_SCROLL))
    assert frame.startswith(b"!03AA012 ") and frame.endswith(b"*19\r")
    bar = [m.ShowText(7, "3号窗口 欢迎您", m.STATIC), m.ShowText(7, "x", m.SCROLL), m.Clear(7),
           m.Brightness(7, 55), m.Blink(7, 3, 5), m.Poll(7, 0), m.Ack(7), m.Nak(7, 2)]
    stream = b"junk!!*\r" + b"".join(VENDOR.encode(msg) + b"\x00" for msg in bar)
    assert decode_all(VENDOR, stream, chunk=3) == bar
    with pytest.raises(ProtocolError, match="只支持窗口屏"):
        VENDOR.encode(m.Prompt(7, "请您评价", 60))


# fuzzing ---------------------------------------------------------------
texts = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), max_size=40)
seqs = st.integers(1, 255)
addresses = st.integers(0, 255)
hallq_messages = st.one_of(
    st.builds(m.Poll, addresses, st.integers(0, 255)), st.builds(m.Identify, addresses),
    st.builds(m.ShowText, addresses, texts, st.integers(0, 2)), st.builds(m.Clear, addresses),
    st.builds(m.Brightness, addresses, st.integers(0, 100)),
    st.builds(m.Blink, addresses, st.integers(0, 255), st.integers(1, 255)),
    st.builds(m.DisplayLine, addresses, texts), st.builds(m.Prompt, addresses, texts, st.integers(0, 65535)),
    st.builds(m.CancelPrompt, addresses), st.builds(m.Ack, addresses), st.builds(m.Nak, addresses, st.integers(0, 255)),
    st.builds(m.KeyEvent, addresses, seqs, st.sampled_from(m.KEYS)),
    st.builds(m.ScoreEvent, addresses, seqs, st.integers(1, 5)), st.builds(m.PromptTimeout, addresses, seqs),
)


@settings(max_examples=300)
@given(st.lists(hallq_messages, max_size=6), st.integers(1, 40))
def test_fuzz_hallq_round_trip_in_any_chunking(messages, chunk):
    stream = b"".join(HALLQ.encode(msg) for msg in messages)
    assert decode_all(HALLQ, stream, chunk=chunk) == messages


@settings(max_examples=300)
@given(st.binary(max_size=600), st.integers(1, 64))
def test_fuzz_no_exception_escapes_either_decoder(data, chunk):
    for protocol in (HALLQ, VENDOR):
        decoded = decode_all(protocol, data, chunk=chunk)
        assert all(type(msg) in m.REQUESTS + m.REPLIES + (m.Unknown,) for msg in decoded)


@settings(max_examples=300)
@given(st.binary(max_size=80), hallq_messages, st.binary(max_size=80))
def test_fuzz_a_frame_survives_garbage_around_it(before, message, after):
    decoded = decode_all(HALLQ, before + HALLQ.encode(message) + after)
    assert message in decoded
