"""The hallq frame: pure bytes in, frames out (docs/protocols.md).

    STX | ADDR | CMD | LEN | PAYLOAD (LEN bytes) | CRC lo | CRC hi | ETX
    02                                                               03

CRC-16/MODBUS over ADDR..PAYLOAD, low byte first. There is no byte stuffing:
a receiver finds frames by STX, the length byte and the CRC, and after any
bad candidate it drops one byte and looks for the next STX, so a frame that
follows garbage or a torn frame is still found.
"""
from __future__ import annotations

from dataclasses import dataclass

STX, ETX = 0x02, 0x03
MAX_PAYLOAD = 240
HEADER = 4  # STX ADDR CMD LEN
TRAILER = 3  # CRC lo, CRC hi, ETX
BROADCAST = 0


class FrameError(ValueError):
    pass


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    payload: bytes = b""


def crc16_modbus(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def encode_frame(frame: Frame) -> bytes:
    if not 0 <= frame.address <= 255 or not 0 <= frame.command <= 255:
        raise FrameError(f"地址或命令超出范围: {frame.address}, {frame.command}")
    if len(frame.payload) > MAX_PAYLOAD:
        raise FrameError(f"数据过长: {len(frame.payload)} 字节 (最多 {MAX_PAYLOAD})")
    body = bytes((frame.address, frame.command, len(frame.payload))) + frame.payload
    crc = crc16_modbus(body)
    return bytes((STX,)) + body + bytes((crc & 0xFF, crc >> 8, ETX))


class FrameDecoder:
    """Incremental: feed() any chunks, get whole frames; never raises on input.

    `dropped` counts the bytes thrown away as garbage so far.
    """

    def __init__(self):
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames = []
        while True:
            frame, complete = self._take()
            if frame is not None:
                frames.append(frame)
            elif not complete:
                return frames

    def flush(self) -> list[Frame]:
        """The line went quiet: a partial frame will never be completed, so
        give up on it and rescan what follows its STX."""
        frames = []
        while self._buf:
            frames += self.feed(b"")
            if self._buf:
                self._drop(1)
        return frames

    @property
    def pending(self) -> int:
        return len(self._buf)

    def _drop(self, n):
        del self._buf[:n]
        self.dropped += n

    def _take(self):
        """(frame or None, whether to keep scanning)."""
        buf = self._buf
        start = buf.find(STX)
        if start < 0:
            self._drop(len(buf))
            return None, False
        if start:
            self._drop(start)
        if len(buf) < HEADER:
            return None, False
        length = buf[3]
        if length > MAX_PAYLOAD:
            self._drop(1)
            return None, True
        total = HEADER + length + TRAILER
        if len(buf) < total:
            return None, False
        body = bytes(buf[1:HEADER + length])
        crc = buf[HEADER + length] | buf[HEADER + length + 1] << 8
        if buf[total - 1] != ETX or crc != crc16_modbus(body):
            self._drop(1)
            return None, True
        del buf[:total]
        return Frame(body[0], body[1], body[3:]), True
