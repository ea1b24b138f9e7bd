"""The hall's voice: a call becomes a sequence of clips, and a player says
queued calls one after the other.

`call_clips` and `call_program` are pure: the same words for the pygame
board, the web board (served as JSON) and `hallq announce`. The player owns
one FIFO queue and one audio channel; it waits for each clip to end before
the next, so calls never overlap or cut each other off. Its clock, sleep and
sink are injectable, so a test can read the exact schedule.
"""
from __future__ import annotations

import queue
import re
import threading
import time
from dataclasses import dataclass

from display.sounds import SoundsError, read_pcm

NUMBER_RE = re.compile(r"^([A-Z]+)(\d+)$")
WORD_GAP = 0.06  # between the clips of one sentence
CHIME_PAUSE = 0.35  # after the chime
REPEAT_PAUSE = 0.8  # between two sayings of the same call
CALL_PAUSE = 1.0  # after a call, before the next one
MAX_WAITING = 10  # calls waiting to be said (about a minute of speech); beyond, the oldest is skipped
WINDOW_CLIP_MAX = 99
STYLES = ("banli", "short")


class AnnounceError(ValueError):
    """A call that cannot be said (bad number or window); message in Chinese."""


def number_clips(number):
    """"A012" -> letter-A digit-0 digit-1 digit-2: digits read one by one."""
    match = NUMBER_RE.match(str(number).strip().upper())
    if not match:
        raise AnnounceError(f"号码 {number!r} 无效: 应为字母加数字, 如 A012")
    letters, digits = match.groups()
    return [f"letter-{c}" for c in letters] + [f"digit-{d}" for d in digits]


def window_clips(window_number):
    """3 -> window-3 (三), 23 -> window-23 (二十三); past 99 digit by digit."""
    try:
        n = int(window_number)
    except (TypeError, ValueError):
        raise AnnounceError(f"窗口号 {window_number!r} 无效: 应为正整数") from None
    if n < 1:
        raise AnnounceError(f"窗口号 {window_number!r} 无效: 应为正整数")
    if n <= WINDOW_CLIP_MAX:
        return [f"window-{n}"]
    return [f"digit-{d}" for d in str(n)]


def call_clips(number, window_number, style="banli"):
    """The sentence: 请 A 零 一 二 号 到 三 号窗口办理 (style "short": … 号 窗口)."""
    if style not in STYLES:
        raise AnnounceError(f"播报样式 {style!r} 无效: 可选 {', '.join(STYLES)}")
    ending = ["hao-chuangkou-banli"] if style == "banli" else ["hao", "chuangkou"]
    return ["qing", *number_clips(number), "hao", "dao", *window_clips(window_number), *ending]


def call_program(number, window_number, repeat=2, chime=True, style="banli"):
    """What the speaker plays for one call: clip names (str) and pauses in
    seconds (float), ending with the pause that separates it from the next call."""
    if repeat < 1:
        raise AnnounceError(f"重复次数 {repeat} 无效: 至少 1 次")
    words = call_clips(number, window_number, style)
    steps = ["chime", CHIME_PAUSE] if chime else []
    for i in range(repeat):
        if i:
            steps.append(REPEAT_PAUSE)
        for j, clip in enumerate(words):
            if j:
                steps.append(WORD_GAP)
            steps.append(clip)
    steps.append(CALL_PAUSE)
    return steps


def program_duration(steps, manifest):
    return sum(s if isinstance(s, float) else manifest.clip(s).duration for s in steps)


def render_pcm(steps, manifest):
    """The program as one 16-bit mono PCM buffer at the manifest's rate
    (the trailing pause is dropped: a file ends with the last word)."""
    while steps and isinstance(steps[-1], float):
        steps = steps[:-1]
    chunks = []
    for step in steps:
        if isinstance(step, float):
            chunks.append(b"\x00\x00" * int(step * manifest.rate))
            continue
        rate, pcm = read_pcm(manifest.clip(step).path)
        if rate != manifest.rate:
            raise SoundsError(f"语音片段 {step} 的采样率 {rate} 与清单 {manifest.rate} 不符")
        chunks.append(pcm)
    return b"".join(chunks)


@dataclass(frozen=True)
class Call:
    """One thing to say: the key (the call's event id) lets the owner ack it."""
    key: object
    number: str
    window_number: int
    recall: bool = False


class Announcer:
    """Says queued calls in order on one sink, each `repeat` times.

    sink: play(clip) starts a clip; busy() tells whether it still sounds.
    on_spoken(call) runs after a call has been said in full.
    """

    def __init__(self, manifest, sink, repeat=2, chime=True, clock=time.monotonic, sleep=time.sleep,
                 on_spoken=None, max_waiting=MAX_WAITING):
        self.manifest = manifest
        self.sink = sink
        self.repeat = repeat
        self.chime = chime
        self.clock = clock
        self.sleep = sleep
        self.on_spoken = on_spoken
        self.max_waiting = max_waiting
        self.skipped = 0  # calls never said because newer ones were waiting behind them
        self._queue = queue.Queue()
        self._thread = None
        self._stopping = threading.Event()

    def say(self, call):
        """Queue a call (a recall is just another call); returns its program.
        Calls come faster than they can be said only in a flood: then the
        oldest waiting one is skipped (its ack never says spoken, so the hub
        knows), and the queue never grows past `max_waiting`."""
        steps = call_program(call.number, call.window_number, self.repeat, self.chime)
        for step in steps:  # refuse now, not later on the speaker thread
            if isinstance(step, str):
                self.manifest.clip(step)
        while self._queue.qsize() >= self.max_waiting:
            try:
                self._queue.get_nowait()
                self.skipped += 1
            except queue.Empty:
                break
        self._queue.put((call, steps))
        return steps

    def pending(self):
        return self._queue.qsize()

    def play_next(self, timeout=None):
        """Play the oldest queued call to its end; False when none came."""
        try:
            call, steps = self._queue.get(timeout=timeout)
        except queue.Empty:
            return False
        if call is None:
            return False
        for step in steps:
            if isinstance(step, float):
                self._wait(step)
            else:
                self._play(step)
        if self.on_spoken:
            self.on_spoken(call)
        return True

    def drain(self):
        """Play everything queued, in this thread (tests, `hallq announce`)."""
        while self._queue.qsize():
            self.play_next(timeout=0)

    def _play(self, clip):
        ends = self.clock() + self.manifest.clip(clip).duration
        self.sink.play(clip)
        self._wait(max(0.0, ends - self.clock()))
        while self.sink.busy():  # a slow device: never cut a word off
            self.sleep(0.01)

    def _wait(self, seconds):
        if seconds > 0:
            self.sleep(seconds)

    # the speaker thread ------------------------------------------------
    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hallq-announcer", daemon=True)
            self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self._queue.put((None, []))
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def _run(self):
        while not self._stopping.is_set():
            self.play_next(timeout=0.5)


class PygameSink:
    """Plays clips on one reserved pygame.mixer channel, so nothing else
    (and no second call) can take it over. The mixer it opens runs at the
    clips' own format (16-bit mono at the manifest's rate; SDL converts for
    the device): a loaded clip then holds its own bytes, not 44.1 kHz stereo
    (5.5 times as many at 16 kHz; all the clips would be 16 MB instead of 3)."""

    def __init__(self, manifest):
        import pygame

        self.pygame = pygame
        self.manifest = manifest
        if not pygame.mixer.get_init():
            pygame.mixer.init(frequency=manifest.rate, size=-16, channels=1, allowedchanges=0)
        pygame.mixer.set_reserved(1)
        self.channel = pygame.mixer.Channel(0)
        self._sounds = {}

    def sound(self, clip):
        if clip not in self._sounds:
            self._sounds[clip] = self.pygame.mixer.Sound(str(self.manifest.clip(clip).path))
        return self._sounds[clip]

    def play(self, clip):
        self.channel.play(self.sound(clip))

    def busy(self):
        return bool(self.channel.get_busy())
