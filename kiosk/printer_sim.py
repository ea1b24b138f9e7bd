"""A ticket printer simulator: an Epson-compatible receipt printer that hallq
can print to with no hardware, over TCP (like a network printer on port 9100)
and/or a pty (like a serial or USB-serial printer).

It decodes what it receives with kiosk.escpos_decode (text back from GB18030
in Chinese mode, sizes, cuts, QR payloads) into `sim.slips`, answers the
real-time status requests DLE EOT 1/2/3/4 with the bytes a real printer sends,
and has a switch for each fault:

    sim = PrinterSim(paper_mm=80)
    port = sim.start_tcp(0)            # tcp://127.0.0.1:<port>
    path = sim.start_pty(link="/tmp/printer")   # serial:///tmp/printer
    sim.set_fault("paper_out")         # paper_out, cover_open, offline,
    sim.set_fault("paper_out", False)  # paper_near_end, unplugged
    sim.paper_left = 0                 # the roll ends during the next slip
    sim.wait_for_slips(1, timeout=5)
    print(sim.slips[0].text(48)); sim.stop()

While a fault stops printing, what arrives is decoded (so status requests
are answered) but not printed: a slip cut during a fault is counted in
`sim.lost`, as when the operator clears the buffer to reload paper. hallq's
spooler reprints such a job, so a slip may come out twice but is never lost.
"unplugged" closes every connection and refuses new ones (TCP) or removes
the pty (and its link) until it is switched off again.
"""
from __future__ import annotations

import os
import select
import socket
import threading
import tty
from collections import deque

from kiosk.escpos_decode import Decoder

FAULT_SWITCHES = ("paper_out", "cover_open", "offline", "unplugged", "paper_near_end")
STOPPING = ("paper_out", "cover_open", "offline")  # the printer does not print
SLIPS_KEPT = 100  # printed slips kept for tests and the console; a kiosk prints thousands a month


class PrinterSim:
    def __init__(self, paper_mm=80, on_slip=None):
        self.paper_mm = paper_mm
        self.on_slip = on_slip  # called with each printed slip (from a reader thread)
        self.slips = deque(maxlen=SLIPS_KEPT)  # the latest printed slips (escpos_decode.Slip), in order
        self.printed = 0  # slips printed in all
        self.lost = 0  # slips received while a fault stopped printing
        self.status_requests = 0
        self.paper_left = None  # slips left on the roll; None = endless
        self.faults = set()
        self._cond = threading.Condition()
        self._tcp = []  # [host, port, listening socket or None]
        self._pty = []  # _PtyLine
        self._conns = set()
        self._threads = []
        self._stopped = False

    # -- control API -------------------------------------------------------
    def set_fault(self, name, on=True):
        if name not in FAULT_SWITCHES:
            raise ValueError(f"未知的故障开关 {name!r}，可选: {', '.join(FAULT_SWITCHES)}")
        with self._cond:
            was_unplugged = "unplugged" in self.faults
            (self.faults.add if on else self.faults.discard)(name)
            if name == "paper_out" and not on and self.paper_left == 0:
                self.paper_left = None  # a new roll
        if name == "unplugged" and on and not was_unplugged:
            self._unplug()
        elif name == "unplugged" and not on and was_unplugged:
            self._plug_in()

    def clear_faults(self):
        for name in list(self.faults):
            self.set_fault(name, False)

    def drop_connections(self):
        """Close the open TCP connections, as a network printer does with idle ones."""
        with self._cond:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def wait_for_slips(self, count, timeout=5.0):
        """True once at least `count` slips have been printed."""
        with self._cond:
            return self._cond.wait_for(lambda: self.printed >= count, timeout)

    def status_reply(self, n):
        """The byte an Epson-compatible printer answers to DLE EOT n."""
        f = self.faults
        stopped = any(x in f for x in STOPPING)
        if n == 1:
            return 0x12 | (0x08 if stopped else 0)
        if n == 2:
            return (0x12 | (0x04 if "cover_open" in f else 0) | (0x20 if "paper_out" in f else 0)
                    | (0x40 if "offline" in f else 0))
        if n == 3:
            return 0x12 | (0x40 if "offline" in f else 0)  # auto-recoverable error
        if n == 4:
            near = "paper_near_end" in f or "paper_out" in f
            return 0x12 | (0x0C if near else 0) | (0x60 if "paper_out" in f else 0)
        return 0x12

    # -- transports --------------------------------------------------------
    def start_tcp(self, port=9100, host="127.0.0.1"):
        """Listen on host:port (0 = any free port); returns the port."""
        entry = [host, port, None]
        self._tcp.append(entry)
        self._listen(entry)
        return entry[1]

    def start_pty(self, link=None):
        """A pty whose other end is the printer; returns `link` (a symlink
        kept pointing at the current pty) or the pty's own path."""
        line = _PtyLine(self, link)
        self._pty.append(line)
        if "unplugged" not in self.faults:
            line.open()
        return link or line.path

    def stop(self):
        self._stopped = True
        self._unplug()
        for thread in self._threads:
            thread.join(timeout=2)

    # -- internals ---------------------------------------------------------
    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True, name="printer-sim")
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _listen(self, entry):
        host, port, _ = entry
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(8)
        entry[1], entry[2] = server.getsockname()[1], server
        self._spawn(self._accept, server)

    def _accept(self, server):
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return  # closed: unplugged or stopped
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                self._conns.add(conn)
            self._spawn(self._serve_tcp, conn)

    def _serve_tcp(self, conn):
        session = _Session(self, conn.sendall)
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                session.feed(data)
        except OSError:
            pass
        finally:
            session.close()
            with self._cond:
                self._conns.discard(conn)
            conn.close()

    def _unplug(self):
        for entry in self._tcp:
            if entry[2] is not None:
                try:  # wakes the thread blocked in accept(); close() alone would not
                    entry[2].shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                entry[2].close()
                entry[2] = None
        self.drop_connections()
        for line in self._pty:
            line.close()

    def _plug_in(self):
        if self._stopped:
            return
        for entry in self._tcp:
            self._listen(entry)
        for line in self._pty:
            line.open()

    def _printed(self, slip):
        with self._cond:
            stopped = any(x in self.faults for x in STOPPING)
            if not stopped and self.paper_left is not None:
                if self.paper_left <= 0:
                    self.faults.add("paper_out")  # the roll ended during this slip
                    stopped = True
                else:
                    self.paper_left -= 1
            if stopped:
                self.lost += 1
            else:
                self.slips.append(slip)
                self.printed += 1
            self._cond.notify_all()
        if not stopped and self.on_slip is not None:
            self.on_slip(slip)


class _Session:
    """One connection's decoder; replies to status requests on `send`."""

    def __init__(self, sim, send):
        self.sim, self.send = sim, send
        self.decoder = Decoder(on_realtime=self._realtime)

    def _realtime(self, n):
        with self.sim._cond:
            self.sim.status_requests += 1
            reply = self.sim.status_reply(n)
            self.sim._cond.notify_all()
        try:
            self.send(bytes([reply]))
        except OSError:
            pass

    def feed(self, data):
        for slip in self.decoder.feed(data):
            self.sim._printed(slip)

    def close(self):
        # a real printer prints lines as they come: text without a cut still shows
        tail = self.decoder.pending()
        if tail is not None:
            self.sim._printed(tail)


class _PtyLine:
    """One pty of the simulator; the reader thread owns its file descriptors."""

    def __init__(self, sim, link):
        self.sim, self.link = sim, link
        self.path = None
        self._wake = None
        self._done = None

    def open(self):
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no newline translation: bytes as sent
        self.path = os.ttyname(slave)
        if self.link:
            tmp = f"{self.link}.{os.getpid()}.tmp"
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)
        self._wake = os.pipe()
        self._done = threading.Event()
        self.sim._spawn(self._serve, master, slave, self._wake, self._done)

    def close(self):
        if self._wake is None:
            return
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)
        os.write(self._wake[1], b"x")
        self._done.wait(2)
        self._wake = None

    def _serve(self, master, slave, wake, done):
        session = _Session(self.sim, lambda data: os.write(master, data))
        try:
            while True:
                ready, _, _ = select.select([master, wake[0]], [], [])
                if wake[0] in ready:
                    break
                try:
                    data = os.read(master, 4096)
                except OSError:
                    break
                session.feed(data)
        finally:
            session.close()
            for fd in (master, slave, *wake):
                os.close(fd)
            done.set()


FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def slip_png(slip, path, paper_mm=80):
    """Draw a decoded slip as the printer would put it on paper (203 dpi:
    576 dots on 80 mm, 384 on 58 mm; 12x24-dot half-width characters)."""
    import qrcode
    from PIL import Image, ImageDraw, ImageFont

    dots = 576 if paper_mm == 80 else 384
    font_path = next((p for p in FONT_PATHS if os.path.exists(p)), None)
    if font_path is None:
        raise FileNotFoundError("找不到中文字体 (fonts-wqy-microhei)")
    pieces = []  # (height, draw(img, y))
    for line in slip.lines:
        if line.kind == "qr":
            pieces.append(_qr_piece(line, dots, qrcode))
        elif line.kind == "image":
            pieces.append((48, lambda img, y: ImageDraw.Draw(img).rectangle((dots // 4, y, dots * 3 // 4, y + 40), fill=200)))
        else:
            font = ImageFont.truetype(font_path, 24 * line.height)
            pieces.append((30 * line.height, _text_drawer(line, dots, font)))
    height = sum(h for h, _ in pieces) + 40
    img = Image.new("L", (dots, height), 255)
    y = 16
    for h, draw in pieces:
        draw(img, y)
        y += h
    if slip.cut:
        ImageDraw.Draw(img).line((0, height - 4, dots, height - 4), fill=160, width=1)
    img.save(path)


def _text_drawer(line, dots, font):
    cells = [(ch, (12 if len(ch.encode("gb18030", "replace")) == 1 else 24) * line.width) for ch in line.text]
    total = sum(w for _, w in cells)
    start = {"center": (dots - total) // 2, "right": dots - total}.get(line.align, 0)

    def draw(img, y):
        from PIL import ImageDraw

        pen = ImageDraw.Draw(img)
        x = max(0, start)
        for ch, width in cells:
            box = pen.textbbox((0, 0), ch, font=font)
            pen.text((x + (width - (box[2] - box[0])) / 2 - box[0], y), ch, font=font, fill=0,
                     stroke_width=1 if line.bold else 0, stroke_fill=0)
            x += width
    return draw


def _qr_piece(line, dots, qrcode):
    levels = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
              "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
    code = qrcode.QRCode(border=0, box_size=max(1, line.module), error_correction=levels.get(line.ec or "L"))
    code.add_data(line.text)
    image = code.make_image().get_image().convert("L")
    x = {"center": (dots - image.width) // 2, "right": dots - image.width}.get(line.align, 0)
    return image.height + 12, lambda img, y: img.paste(image, (max(0, x), y + 6))
