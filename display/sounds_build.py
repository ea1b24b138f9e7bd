"""`hallq sounds build`: the voice clips, generated offline with espeak-ng.

espeak-ng's `cmn-latn-pinyin` voice reads Chinese characters through its
Mandarin dictionary and Latin text as pinyin with tone digits ("ji4"); a lone
capital letter is read with the Chinese letter name (A -> "ei", B -> "bi").
So digits and phrases are given as characters, letters as themselves, and a
few letters whose espeak name a Chinese reader would not use as pinyin.

Each clip is trimmed of silence, resampled to 16 kHz mono and brought to the
same loudness with sox, so that a call stitched from many clips sounds even.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import struct
import subprocess
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from display.sounds import MANIFEST, SoundsError, sounds_dir

VOICE = "cmn-latn-pinyin"
SPEED = 150  # words per minute: calm enough for a hall
RATE = 16000
TARGET_RMS_DB = -18.0  # speech loudness (RMS of the trimmed clip)
PEAK_LIMIT_DB = -1.0
DIGITS = "零一二三四五六七八九"
# letters espeak names in a way Chinese readers do not: spelled as pinyin instead
LETTER_PINYIN = {"G": "ji4"}
PHRASES = {
    "qing": "请",
    "hao": "号",
    "dao": "到",
    "hao-chuangkou-banli": "号窗口办理",
    "chuangkou": "窗口",
}
WINDOW_MAX = 99


def number_words(n):
    """A window number as said in Chinese: 1 -> 一, 12 -> 十二, 23 -> 二十三."""
    if not 1 <= n <= WINDOW_MAX:
        raise ValueError(f"窗口号 {n} 超出 1..{WINDOW_MAX}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens] + "十")
    return head + (DIGITS[ones] if ones else "")


def clip_texts():
    """Every clip: name -> the text given to espeak-ng ("chime" is synthesized)."""
    texts = {f"digit-{d}": DIGITS[d] for d in range(10)}
    for code in range(ord("A"), ord("Z") + 1):
        letter = chr(code)
        texts[f"letter-{letter}"] = LETTER_PINYIN.get(letter, letter)
    texts.update({f"window-{n}": number_words(n) for n in range(1, WINDOW_MAX + 1)})
    texts.update(PHRASES)
    texts["chime"] = ""
    return texts


def chime_samples(rate=RATE):
    """A two-note "ding-dong" (E5 then C5) with soft harmonics and decay."""
    notes = ((0.0, 659.25), (0.45, 523.25))
    length = int(rate * 1.3)
    out = [0.0] * length
    for start, freq in notes:
        first = int(start * rate)
        for i in range(length - first):
            t = i / rate
            env = math.exp(-3.2 * t) * min(1.0, t / 0.005)
            tone = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            out[first + i] += 0.35 * env * tone
    return out


def write_samples(path, samples, rate=RATE):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))


def _run(cmd):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SoundsError(f"未找到程序 {cmd[0]}: 请先安装 espeak-ng 和 sox (apt-get install espeak-ng sox)") from None
    if done.returncode != 0:
        raise SoundsError(f"{cmd[0]} 失败: {done.stderr.strip()[:300]}")
    return done


def _levels(path):
    """(peak dB, RMS dB) of a WAV, from `sox FILE -n stats`."""
    stats = _run(["sox", str(path), "-n", "stats"]).stderr
    peak = float(re.search(r"Pk lev dB\s+(-?[\d.inf]+)", stats).group(1))
    rms = float(re.search(r"RMS lev dB\s+(-?[\d.inf]+)", stats).group(1))
    return peak, rms


def normalize(raw, out, trim=True, target=TARGET_RMS_DB):
    """Trim, resample to RATE mono, then gain to the target RMS without
    letting the peak pass PEAK_LIMIT_DB."""
    shaped = out.with_suffix(".shaped.wav")
    effects = ["rate", str(RATE)]
    if trim:
        effects += ["silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse"]
    _run(["sox", str(raw), "-b", "16", "-c", "1", str(shaped), *effects])
    peak, rms = _levels(shaped)
    gain = min(target - rms, PEAK_LIMIT_DB - peak)
    _run(["sox", str(shaped), "-b", "16", str(out), "gain", f"{gain:.2f}", "fade", "t", "0.005", "-0", "0.01"])
    shaped.unlink()


def build_clip(name, text, out_dir, work):
    out = out_dir / f"{name}.wav"
    raw = work / f"{name}.raw.wav"
    if name == "chime":
        write_samples(raw, chime_samples())
        normalize(raw, out, trim=False, target=TARGET_RMS_DB - 3)
    else:
        _run(["espeak-ng", "-v", VOICE, "-s", str(SPEED), "-a", "60", "-w", str(raw), text])
        normalize(raw, out)
    with wave.open(str(out), "rb") as w:
        duration = w.getnframes() / w.getframerate()
    return name, {"file": out.name, "duration": round(duration, 3), "text": text}


def build(out_dir=None, only=None, jobs=2):
    """Generate the clips (all, or the names in `only`) into out_dir and
    write/merge its manifest. Returns the manifest dict."""
    out_dir = Path(out_dir) if out_dir else sounds_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = clip_texts()
    names = list(texts) if not only else list(only)
    unknown = [n for n in names if n not in texts]
    if unknown:
        raise SoundsError(f"未知的语音片段: {', '.join(unknown)}")
    manifest_path = out_dir / MANIFEST
    clips = {}
    if only and manifest_path.exists():
        clips = json.loads(manifest_path.read_text(encoding="utf-8")).get("clips", {})
    with tempfile.TemporaryDirectory(prefix="hallq-sounds-") as work:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = pool.map(lambda n: build_clip(n, texts[n], out_dir, Path(work)), names)
            clips.update(dict(results))
    manifest = {
        "format": "wav",
        "rate": RATE,
        "voice": VOICE,
        "speed": SPEED,
        "clips": {n: clips[n] for n in sorted(clips)},
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def tools_missing():
    return [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
