"""ESC/POS decoder: the bytes a receipt printer receives -> the slips it prints.

Written from the ESC/POS command reference, independent of python-escpos (which
only encodes), so that what hallq sends can be checked by something other than
what produced it. Used by the printer simulator and by the tests.

`Decoder(on_realtime=None).feed(data)` is incremental: commands split across
reads are completed by the next feed. It returns the slips finished by a cut
(GS V). Each slip is a list of `Line`s: text lines with their alignment, size,
boldness and whether they were printed in Chinese mode (FS & ... FS .), QR
codes (kind "qr", the payload that GS ( k stored and then printed) and raster
images (kind "image"). In Chinese mode text is decoded from GB18030; outside it
bytes above 0x7F decode as code page 437, as a printer without Chinese mode
would print them, so Chinese sent the wrong way shows up as garbage.
Real-time status requests (DLE EOT n) call `on_realtime(n)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

# fixed parameter byte counts of the commands hallq (and most drivers) send
_ESC_ARGS = {b"@": 0, b"!": 1, b"E": 1, b"G": 1, b"-": 1, b"a": 1, b"d": 1, b"J": 1,
             b"t": 1, b"M": 1, b"2": 0, b"3": 1, b"V": 1, b"{": 1, b"R": 1, b"p": 3,
             b" ": 1, b"$": 2, b"\\": 2, b"B": 2, b"i": 0, b"m": 0, b"r": 1, b"U": 1,
             b"L": 0, b"S": 0, b"T": 1, b"W": 8, b"e": 1, b"c": 2, b"=": 1, b"%": 1}
_GS_ARGS = {b"!": 1, b"B": 1, b"b": 1, b"L": 2, b"W": 2, b"H": 1, b"h": 1, b"w": 1,
            b"f": 1, b"a": 1, b"r": 1, b"I": 1, b"P": 2, b"/": 1, b"$": 2, b"\\": 2}
_FS_ARGS = {b"&": 0, b".": 0, b"!": 1, b"C": 1, b"-": 1, b"S": 2, b"W": 1, b"p": 2}

NEED_MORE = -1  # a command is not complete yet


@dataclass
class Line:
    kind: str = "text"  # text | qr | image
    text: str = ""
    align: str = "left"  # left | center | right
    width: int = 1  # character width multiplier
    height: int = 1
    bold: bool = False
    chinese: bool = False  # printed (at least partly) in Chinese mode
    module: int = 0  # QR: dots per module (GS ( k fn 67)
    ec: str = ""  # QR: error correction level L/M/Q/H (GS ( k fn 69)


@dataclass
class Slip:
    lines: list = field(default_factory=list)
    cut: bool = False
    commands: list = field(default_factory=list)  # e.g. "FS &", "GS ( k 1 P", in order

    @property
    def texts(self):
        return [ln.text for ln in self.lines if ln.kind == "text"]

    @property
    def qr_codes(self):
        return [ln.text for ln in self.lines if ln.kind == "qr"]

    @property
    def images(self):
        return sum(1 for ln in self.lines if ln.kind == "image")

    def text(self, columns=48):
        """The slip as plain text laid out on `columns` columns, sizes kept."""
        out = []
        for ln in self.lines:
            if ln.kind == "text":
                shown = _widen(ln.text, ln.width).rstrip()
            elif ln.kind == "qr":
                shown = f"[QR] {ln.text}"
            else:
                shown = "[图像]"
            out.append(_place(shown, ln.align, columns).rstrip())
        if self.cut:
            out.append("✂" + "-" * (columns - 2))
        return "\n".join(out)


def _width(text):
    return sum(1 if len(ch.encode("gb18030", "replace")) == 1 else 2 for ch in text)


def _widen(text, factor):
    if factor == 1:
        return text
    wide = []
    for ch in text:
        if 0x21 <= ord(ch) <= 0x7E and factor == 2:
            wide.append(chr(ord(ch) + 0xFEE0))  # fullwidth form: two columns
        else:
            wide.append(ch + " " * (_width(ch) * (factor - 1)))
    return "".join(wide)


def _place(text, align, columns):
    room = max(0, columns - _width(text))
    if align == "center":
        return " " * (room // 2) + text
    if align == "right":
        return " " * room + text
    return text


class Decoder:
    def __init__(self, on_realtime=None):
        self.on_realtime = on_realtime
        self.buf = bytearray()
        self._finished = []  # slips cut since the last feed returned (a printer's decoder lives for months)
        self._reset_state()
        self.slip = Slip()
        self._line = []  # (char, chinese) of the line being built
        self._line_style = None
        self._qr_store = None
        self._qr_module, self._qr_ec = 3, "L"  # the printer's defaults

    def _reset_state(self):
        self.align, self.bold, self.chinese = "left", False, False
        self.width = self.height = 1

    # -- feeding ---------------------------------------------------------
    def feed(self, data):
        """Decode `data`; return the slips it finished (cut)."""
        self.buf += data
        while self.buf:
            used = self._step(self.buf)
            if used == NEED_MORE:
                break
            del self.buf[:used]
        finished, self._finished = self._finished, []
        return finished

    def pending(self):
        """The slip printed so far but not cut yet (None if nothing printed)."""
        self._end_line(force=False)
        return self.slip if self.slip.lines else None

    def _step(self, b):
        c = b[0]
        if c == ESC:
            if len(b) >= 2 and b[1:2] == b"*":
                return self._esc_image(b)
            return self._prefixed(b, _ESC_ARGS, self._esc)
        if c == GS:
            return self._gs(b)
        if c == FS:
            return self._prefixed(b, _FS_ARGS, self._fs)
        if c == DLE:
            return self._dle(b)
        if c == 0x0A:
            self._end_line(force=True)
            return 1
        if c == 0x09:
            self._put(" " * (8 - len(self._line) % 8))
            return 1
        if c < 0x20:
            return 1  # CR, BEL, NUL...: nothing on paper
        return self._text(b)

    def _text(self, b):
        if not self.chinese or b[0] < 0x81 or b[0] == 0xFF:
            self._put(bytes([b[0]]).decode("cp437"))
            return 1
        if len(b) < 2:
            return NEED_MORE
        size = 4 if 0x30 <= b[1] <= 0x39 else 2
        if len(b) < size:
            return NEED_MORE
        self._put(bytes(b[:size]).decode("gb18030", "replace"))
        return size

    def _put(self, text):
        if not self._line:
            self._line_style = (self.align,)
        for ch in text:
            self._line.append((ch, self.chinese, self.width, self.height, self.bold))

    def _end_line(self, force):
        if not self._line and not force:
            return
        chars = self._line
        line = Line(text="".join(c[0] for c in chars),
                    align=(self._line_style or (self.align,))[0],
                    width=max((c[2] for c in chars), default=self.width),
                    height=max((c[3] for c in chars), default=self.height),
                    bold=any(c[4] for c in chars) if chars else self.bold,
                    chinese=any(c[1] for c in chars))
        self.slip.lines.append(line)
        self._line, self._line_style = [], None

    def _cut(self):
        self._end_line(force=False)
        while self.slip.lines and self.slip.lines[-1].kind == "text" and not self.slip.lines[-1].text.strip():
            self.slip.lines.pop()  # the feed before the cutter
        self.slip.cut = True
        self._finished.append(self.slip)
        self.slip = Slip()

    # -- command families --------------------------------------------------
    def _prefixed(self, b, table, handler):
        if len(b) < 2:
            return NEED_MORE
        key = bytes(b[1:2])
        if key not in table:
            self.slip.commands.append("?%02X %02X" % (b[0], b[1]))
            return 2
        n = table[key]
        if len(b) < 2 + n:
            return NEED_MORE
        handler_args = bytes(b[2:2 + n])
        handler(key, handler_args)
        return 2 + n

    def _esc(self, key, args):
        name = "ESC " + key.decode("latin-1")
        self.slip.commands.append(name)
        if key == b"@":
            self._end_line(force=False)
            self._reset_state()
        elif key == b"!":
            self.bold = bool(args[0] & 0x08)
            self.width = 2 if args[0] & 0x20 else 1
            self.height = 2 if args[0] & 0x10 else 1
        elif key == b"E":
            self.bold = bool(args[0] & 1)
        elif key == b"a":
            self.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(args[0], "left")
        elif key == b"d":
            self._end_line(force=False)
            for _ in range(max(0, args[0] - 1)):
                self.slip.lines.append(Line())

    def _esc_image(self, b):
        """ESC * m nL nH d1..dk: a column bit image."""
        if len(b) < 5:
            return NEED_MORE
        dots = b[3] + 256 * b[4]
        size = 5 + (dots if b[2] in (0, 1) else 3 * dots)
        if len(b) < size:
            return NEED_MORE
        self._image("ESC *")
        return size

    def _fs(self, key, args):
        self.slip.commands.append("FS " + key.decode("latin-1"))
        if key == b"&":
            self.chinese = True
        elif key == b".":
            self.chinese = False

    def _gs(self, b):
        if len(b) < 2:
            return NEED_MORE
        key = bytes(b[1:2])
        if key in _GS_ARGS:
            n = _GS_ARGS[key]
            if len(b) < 2 + n:
                return NEED_MORE
            self.slip.commands.append("GS " + key.decode("latin-1"))
            if key == b"!":
                self.width, self.height = (b[2] >> 4) + 1, (b[2] & 0x0F) + 1
            return 2 + n
        if key == b"V":
            if len(b) < 3:
                return NEED_MORE
            size = 4 if b[2] in (65, 66, 97, 98, 103, 104) else 3
            if len(b) < size:
                return NEED_MORE
            self.slip.commands.append("GS V")
            self._cut()
            return size
        if key == b"(":
            return self._gs_paren(b)
        if key == b"v":  # GS v 0 m xL xH yL yH data: raster image
            if len(b) < 8:
                return NEED_MORE
            size = 8 + (b[4] + 256 * b[5]) * (b[6] + 256 * b[7])
            if len(b) < size:
                return NEED_MORE
            self._image("GS v 0")
            return size
        if key == b"k":
            return self._barcode(b)
        self.slip.commands.append("GS ?%02X" % b[1])
        return 2

    def _gs_paren(self, b):
        if len(b) < 5:
            return NEED_MORE
        size = 5 + b[3] + 256 * b[4]
        if len(b) < size:
            return NEED_MORE
        fn_class = chr(b[2])
        body = bytes(b[5:size])
        if fn_class == "k" and len(body) >= 2:
            self.slip.commands.append(f"GS ( k {chr(body[0])} {chr(body[1])}")
            if body[0] == 0x31:
                self._qr(body[1], body[2:])
        elif fn_class == "L":
            self.slip.commands.append("GS ( L")
            if len(body) >= 2 and body[1] in (50, 112):  # print / store raster graphics
                self._image("GS ( L")
        else:
            self.slip.commands.append(f"GS ( {fn_class}")
        return size

    def _qr(self, fn, args):
        if fn == 67 and args:  # module size
            self._qr_module = args[0]
        elif fn == 69 and args:  # error correction 48..51
            self._qr_ec = "LMQH"[(args[0] - 48) % 4]
        elif fn == 80:  # store the data (after m = '0')
            self._qr_store = args[1:].decode("utf-8", "replace")
        elif fn == 81 and self._qr_store is not None:  # print what was stored
            self._end_line(force=False)
            self.slip.lines.append(Line(kind="qr", text=self._qr_store, align=self.align,
                                        module=self._qr_module, ec=self._qr_ec))

    def _barcode(self, b):
        if len(b) < 3:
            return NEED_MORE
        if b[2] <= 6:  # NUL-terminated data
            end = b.find(b"\x00", 3)
            if end < 0:
                return NEED_MORE
            size = end + 1
        else:
            if len(b) < 4 or len(b) < 4 + b[3]:
                return NEED_MORE
            size = 4 + b[3]
        self._image("GS k")
        return size

    def _image(self, command):
        self.slip.commands.append(command)
        self._end_line(force=False)
        self.slip.lines.append(Line(kind="image", align=self.align))

    def _dle(self, b):
        if len(b) < 3:
            return NEED_MORE
        if b[1] == 0x04:  # DLE EOT n: transmit real-time status
            if self.on_realtime is not None:
                self.on_realtime(b[2])
            return 3
        if b[1] == 0x14:  # DLE DC4 fn m t
            return 5 if len(b) >= 5 else NEED_MORE
        return 3  # DLE ENQ n and the like


def decode(data):
    """All slips in `data`; an unfinished (uncut) tail counts as a slip too."""
    decoder = Decoder()
    slips = list(decoder.feed(data))
    tail = decoder.pending()
    if tail is not None:
        slips.append(tail)
    return slips
