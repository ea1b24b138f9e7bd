"""The voice clips in sounds/: where they live and what the manifest says.

The manifest (sounds/manifest.json) maps a clip name to its file and duration,
so that the hall needs neither espeak-ng nor sox: only these files.
"""
from __future__ import annotations

import json
import wave
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"


class SoundsError(Exception):
    """A clip or the manifest is missing or unreadable (message in Chinese)."""


def sounds_dir():
    """The sounds/ directory beside the packages (the repository's top level)."""
    return Path(__file__).resolve().parent.parent / "sounds"


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path
    duration: float  # seconds
    text: str = ""


class Manifest:
    def __init__(self, directory, rate, clips):
        self.directory = Path(directory)
        self.rate = rate
        self.clips = dict(clips)  # name -> Clip

    def __contains__(self, name):
        return name in self.clips

    def clip(self, name):
        try:
            return self.clips[name]
        except KeyError:
            raise SoundsError(f"语音片段 {name!r} 不在 {self.directory / MANIFEST} 中 (请运行 hallq sounds build)") from None

    def duration(self, names):
        return sum(self.clip(n).duration for n in names)


def load_manifest(directory=None):
    directory = Path(directory) if directory else sounds_dir()
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        clips = {
            name: Clip(name, directory / entry["file"], float(entry["duration"]), entry.get("text", ""))
            for name, entry in data["clips"].items()
        }
        return Manifest(directory, int(data["rate"]), clips)
    except FileNotFoundError:
        raise SoundsError(f"找不到语音清单 {path} (请运行 hallq sounds build)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise SoundsError(f"语音清单 {path} 格式错误: {exc}") from None


def read_pcm(path):
    """(rate, 16-bit mono PCM bytes) of a clip file."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise SoundsError(f"语音片段 {path} 应为 16 位单声道 WAV")
            return w.getframerate(), w.readframes(w.getnframes())
    except (FileNotFoundError, wave.Error, EOFError) as exc:
        raise SoundsError(f"无法读取语音片段 {path}: {exc}") from None


def levels(pcm):
    """(peak dBFS, RMS dBFS) of 16-bit PCM; silence gives -inf."""
    import array
    import math

    samples = array.array("h", pcm)
    if not samples:
        return float("-inf"), float("-inf")
    peak = max(abs(min(samples)), max(samples)) / 32768
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    to_db = lambda v: 20 * math.log10(v) if v > 0 else float("-inf")  # noqa: E731
    return to_db(peak), to_db(rms)
