"""The voice clips committed in sounds/ and `hallq sounds build`."""
import json
import shutil
import subprocess
import sys

import pytest

from display.sounds import load_manifest, levels, read_pcm
from display.sounds_build import clip_texts, number_words


def test_window_numbers_are_said_the_chinese_way():
    assert [number_words(n) for n in (1, 10, 12, 20, 23, 99)] == ["一", "十", "十二", "二十", "二十三", "九十九"]
    with pytest.raises(ValueError):
        number_words(100)


def test_every_clip_is_committed_with_its_duration_and_even_loudness():
    manifest = load_manifest()
    assert set(manifest.clips) == set(clip_texts())
    assert {"digit-0", "letter-Z", "window-99", "qing", "hao-chuangkou-banli", "chuangkou", "chime"} <= set(manifest.clips)
    for clip in manifest.clips.values():
        rate, pcm = read_pcm(clip.path)
        assert rate == manifest.rate == 16000
        assert abs(len(pcm) / 2 / rate - clip.duration) < 0.002, clip.name
        assert 0.1 < clip.duration < 3.0, clip.name
        peak, rms = levels(pcm)
        assert peak <= -0.9, clip.name
        assert -24 <= rms <= -16, (clip.name, rms)


def test_clips_are_small_enough_for_a_hall_without_espeak():
    total = sum(c.path.stat().st_size for c in load_manifest().clips.values())
    assert total < 4_000_000


@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")), reason="espeak-ng/sox not installed")
def test_sounds_build_regenerates_clips_offline(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "sounds", "build", "--out", str(tmp_path), "--only", "digit-5,letter-G,chime"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    built = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["clips"]
    assert set(built) == {"digit-5", "letter-G", "chime"}
    assert built["letter-G"]["text"] == "ji4"
    committed = load_manifest().clips
    for name, entry in built.items():
        assert abs(entry["duration"] - committed[name].duration) < 0.05


def test_sounds_build_refuses_an_unknown_clip_in_chinese(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "sounds", "build", "--out", str(tmp_path), "--only", "digit-10"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1
    assert "未知的语音片段" in done.stderr and "Traceback" not in done.stderr
