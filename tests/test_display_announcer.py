"""The hall's voice: which clips a call becomes, and how queued calls are played."""
import subprocess
import sys
import time
import wave

import pytest

from display.announcer import (
    CALL_PAUSE, REPEAT_PAUSE, AnnounceError, Announcer, Call, PygameSink, call_clips, call_program,
)
from display.sounds import levels, load_manifest


class FakeClock:
    """Time that moves only when the player sleeps."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class RecordingSink:
    """Records when each clip starts; optionally plays it on a real sink too."""

    def __init__(self, clock, inner=None):
        self.clock, self.inner, self.played = clock, inner, []

    def play(self, clip):
        self.played.append((self.clock(), clip))
        if self.inner:
            self.inner.play(clip)

    def busy(self):
        return False  # the fake clock has already waited the clip's length


def test_a_call_is_said_as_qing_number_digit_by_digit_dao_window_banli():
    assert call_clips("A012", 3) == [
        "qing", "letter-A", "digit-0", "digit-1", "digit-2", "hao", "dao", "window-3", "hao-chuangkou-banli"]
    assert call_clips("b100", 23)[-2:] == ["window-23", "hao-chuangkou-banli"]
    assert call_clips("C001", 12, style="short")[-4:] == ["dao", "window-12", "hao", "chuangkou"]
    assert call_clips("D7", 101)[-5:] == ["dao", "digit-1", "digit-0", "digit-1", "hao-chuangkou-banli"]


@pytest.mark.parametrize("number, window", [("012", 3), ("A-1", 3), ("", 3), ("A012", 0), ("A012", "三")])
def test_a_call_that_cannot_be_said_is_refused_in_chinese(number, window):
    with pytest.raises(AnnounceError, match="无效"):
        call_clips(number, window)


def test_the_program_repeats_the_sentence_after_one_chime():
    steps = call_program("A012", 3, repeat=2)
    clips = [s for s in steps if isinstance(s, str)]
    assert clips.count("chime") == 1 and clips[0] == "chime"
    assert clips[1:] == call_clips("A012", 3) * 2
    assert steps[-1] == CALL_PAUSE


@pytest.fixture
def mixer(monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    pygame = pytest.importorskip("pygame")
    pygame.mixer.init()
    yield pygame.mixer
    pygame.mixer.quit()


def test_a_burst_of_five_calls_is_said_in_order_twice_each_never_overlapping(mixer):
    manifest = load_manifest()
    clock = FakeClock()
    sink = RecordingSink(clock, inner=PygameSink(manifest))
    spoken = []
    announcer = Announcer(manifest, sink, repeat=2, clock=clock, sleep=clock.sleep, on_spoken=spoken.append)
    burst = [Call(i, f"A00{i}", i) for i in range(1, 5)] + [Call(5, "A001", 1, recall=True)]
    for call in burst:
        announcer.say(call)
    announcer.drain()

    assert [c.key for c in spoken] == [1, 2, 3, 4, 5]  # FIFO, the recall said again at its turn
    starts = [t for t, _ in sink.played]
    names = [n for _, n in sink.played]
    for (t0, n0), t1 in zip(sink.played, starts[1:]):
        assert t1 >= t0 + manifest.clip(n0).duration  # no clip starts before the previous ended
    assert names.count("chime") == 5
    per_call = [names[i:] for i, n in enumerate(names) if n == "chime"]
    for call, tail in zip(burst, per_call):
        sentence = call_clips(call.number, call.window_number)
        assert tail[1:1 + 2 * len(sentence)] == sentence * 2  # said twice, never interleaved
    # the two sayings of one call are apart by the repeat pause, calls by the call pause
    first = call_clips("A001", 1)
    second_qing = starts[1 + len(first)]
    last_word_end = starts[len(first)] + manifest.clip(first[-1]).duration
    assert second_qing - last_word_end == pytest.approx(REPEAT_PAUSE)
    assert mixer.Channel(0).get_busy()  # the real mixer took the clips (dummy driver)


def test_the_speaker_thread_plays_calls_queued_from_elsewhere(mixer):
    manifest = load_manifest()
    clock = FakeClock()
    sink = RecordingSink(clock)
    done = []
    announcer = Announcer(manifest, sink, repeat=1, chime=False, clock=clock, sleep=clock.sleep,
                          on_spoken=done.append).start()
    try:
        announcer.say(Call("e1", "G9", 15))
        for _ in range(200):
            if done:
                break
            time.sleep(0.01)
    finally:
        announcer.stop()
    assert [n for _, n in sink.played] == call_clips("G9", 15)


def test_a_pygame_sink_holds_its_channel_while_a_clip_sounds(mixer):
    sink = PygameSink(load_manifest())
    sink.play("hao-chuangkou-banli")
    assert sink.busy()


def test_a_pygame_sink_opens_the_mixer_at_the_clips_format_so_a_clip_keeps_its_size(monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    pygame = pytest.importorskip("pygame")
    from display.sounds import read_pcm

    pygame.mixer.quit()
    manifest = load_manifest()
    try:
        sink = PygameSink(manifest)
        assert pygame.mixer.get_init() == (manifest.rate, -16, 1)
        _, pcm = read_pcm(manifest.clip("chime").path)
        assert len(sink.sound("chime").get_raw()) == len(pcm)
        sink.play("chime")
        assert sink.busy()
    finally:
        pygame.mixer.quit()


def test_hallq_announce_renders_one_call_to_a_wav(tmp_path):
    out = tmp_path / "call.wav"
    done = subprocess.run([sys.executable, "-m", "hub.cli.main", "announce", "A012", "3", "--wav", str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        seconds = w.getnframes() / w.getframerate()
        pcm = w.readframes(w.getnframes())
    manifest = load_manifest()
    expected = sum(manifest.clip(c).duration for c in ["chime"] + call_clips("A012", 3))
    assert expected < seconds < expected + 1.5  # the words, with short gaps
    assert 4.0 < seconds < 9.0
    peak, rms = levels(pcm)
    assert -3 < peak < -0.5
    assert -24 < rms < -15


def test_hallq_announce_refuses_a_bad_number_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "hub.cli.main", "announce", "12A", "3", "--wav", str(tmp_path / "x.wav")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "号码" in done.stderr and "Traceback" not in done.stderr
