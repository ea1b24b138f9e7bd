"""The hallq serial protocol (docs/protocols.md): messages <-> frames."""
from __future__ import annotations

from firmware_bridge import messages as m
from firmware_bridge.frame import MAX_PAYLOAD, Frame, FrameDecoder, encode_frame
from firmware_bridge.protocols import ProtocolError, decode_text, encode_text

# command codes; device -> master codes have the high bit set
POLL, IDENTIFY = 0x01, 0x02
SHOW, CLEAR, BRIGHTNESS, BLINK = 0x10, 0x11, 0x12, 0x13
LINE = 0x20
PROMPT, CANCEL_PROMPT = 0x30, 0x31
ACK, NAK, IDENTITY = 0x80, 0x81, 0x82
KEY = 0xA0
SCORE, TIMEOUT = 0xB0, 0xB1

KIND_CODES = {"bar": 1, "keypad": 2, "pad": 3}
KINDS_BY_CODE = {v: k for k, v in KIND_CODES.items()}


def _byte(value, name, low=0, high=255):
    if not isinstance(value, int) or not low <= value <= high:
        raise ProtocolError(f"{name} 必须是 {low}..{high} 的整数: {value!r}")
    return bytes((value,))


def message_to_frame(msg):
    a = msg.address
    if isinstance(msg, m.Poll):
        return Frame(a, POLL, _byte(msg.ack_seq, "ack_seq"))
    if isinstance(msg, m.Identify):
        return Frame(a, IDENTIFY)
    if isinstance(msg, m.ShowText):
        return Frame(a, SHOW, _byte(msg.mode, "mode", 0, 2) + encode_text(msg.text, MAX_PAYLOAD - 1))
    if isinstance(msg, m.Clear):
        return Frame(a, CLEAR)
    if isinstance(msg, m.Brightness):
        return Frame(a, BRIGHTNESS, _byte(msg.level, "level", 0, 100))
    if isinstance(msg, m.Blink):
        return Frame(a, BLINK, _byte(msg.times, "times") + _byte(msg.period_ds, "period_ds", 1))
    if isinstance(msg, m.DisplayLine):
        return Frame(a, LINE, encode_text(msg.text, MAX_PAYLOAD))
    if isinstance(msg, m.Prompt):
        if not 0 <= msg.seconds <= 0xFFFF:
            raise ProtocolError(f"seconds 必须是 0..65535: {msg.seconds!r}")
        return Frame(a, PROMPT, msg.seconds.to_bytes(2, "big") + encode_text(msg.text, MAX_PAYLOAD - 2))
    if isinstance(msg, m.CancelPrompt):
        return Frame(a, CANCEL_PROMPT)
    if isinstance(msg, m.Ack):
        return Frame(a, ACK)
    if isinstance(msg, m.Nak):
        return Frame(a, NAK, _byte(msg.reason, "reason"))
    if isinstance(msg, m.Identity):
        if msg.kind not in KIND_CODES:
            raise ProtocolError(f"未知的设备种类: {msg.kind!r}")
        return Frame(a, IDENTITY, bytes((KIND_CODES[msg.kind],)) + msg.version.encode("ascii", "replace")[:32])
    if isinstance(msg, m.KeyEvent):
        if msg.key not in m.KEYS:
            raise ProtocolError(f"未知的按键: {msg.key!r}")
        return Frame(a, KEY, _byte(msg.seq, "seq", 1) + bytes((m.KEYS.index(msg.key) + 1,)))
    if isinstance(msg, m.ScoreEvent):
        return Frame(a, SCORE, _byte(msg.seq, "seq", 1) + _byte(msg.score, "score", 1, 5))
    if isinstance(msg, m.PromptTimeout):
        return Frame(a, TIMEOUT, _byte(msg.seq, "seq", 1))
    if isinstance(msg, m.Unknown):
        return Frame(a, msg.command, msg.payload)
    raise ProtocolError(f"hallq 协议无法表示 {type(msg).__name__}")


def frame_to_message(frame):
    """The message a frame carries, or m.Unknown when the command or payload is not understood."""
    a, cmd, p = frame.address, frame.command, frame.payload
    simple = {IDENTIFY: m.Identify, CLEAR: m.Clear, CANCEL_PROMPT: m.CancelPrompt, ACK: m.Ack}
    if cmd in simple and not p:
        return simple[cmd](a)
    if cmd == POLL and len(p) == 1:
        return m.Poll(a, p[0])
    if cmd == SHOW and p and p[0] <= 2:
        return m.ShowText(a, decode_text(p[1:]), p[0])
    if cmd == BRIGHTNESS and len(p) == 1 and p[0] <= 100:
        return m.Brightness(a, p[0])
    if cmd == BLINK and len(p) == 2 and p[1] >= 1:
        return m.Blink(a, p[0], p[1])
    if cmd == LINE:
        return m.DisplayLine(a, decode_text(p))
    if cmd == PROMPT and len(p) >= 2:
        return m.Prompt(a, decode_text(p[2:]), int.from_bytes(p[:2], "big"))
    if cmd == NAK and len(p) == 1:
        return m.Nak(a, p[0])
    if cmd == IDENTITY and p and p[0] in KINDS_BY_CODE:
        return m.Identity(a, KINDS_BY_CODE[p[0]], p[1:].decode("ascii", "replace"))
    if cmd == KEY and len(p) == 2 and p[0] >= 1 and 1 <= p[1] <= len(m.KEYS):
        return m.KeyEvent(a, p[0], m.KEYS[p[1] - 1])
    if cmd == SCORE and len(p) == 2 and p[0] >= 1 and 1 <= p[1] <= 5:
        return m.ScoreEvent(a, p[0], p[1])
    if cmd == TIMEOUT and len(p) == 1 and p[0] >= 1:
        return m.PromptTimeout(a, p[0])
    return m.Unknown(a, cmd, p)


class HallqDecoder:
    def __init__(self):
        self._frames = FrameDecoder()

    @property
    def dropped(self):
        return self._frames.dropped

    def feed(self, data):
        return [frame_to_message(f) for f in self._frames.feed(data)]

    def flush(self):
        return [frame_to_message(f) for f in self._frames.flush()]


class HallqProtocol:
    """The protocol hallq's own bars, keypads and pads (and their simulators) speak."""
    name = "hallq"
    kinds = frozenset({"bar", "keypad", "pad"})

    def encode(self, message):
        return encode_frame(message_to_frame(message))

    def decoder(self):
        return HallqDecoder()
