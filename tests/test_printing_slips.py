"""The printed slips, read back from the bytes the printer would receive.

Decoding uses kiosk.escpos_decode (written from the ESC/POS reference,
independent of python-escpos, which only encodes) and, for the two things that
matter most, plain byte searches in this file: Chinese text only ever inside
FS & ... FS . and in GB18030, and the QR code stored and printed by GS ( k.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.escpos_decode import Decoder, decode
from kiosk.printing import SlipError, render, text_width, wrap

STATUS_URL = "http://hall.example.cn/t/Zx8kQ2mN4pR7sT1vW3yA"
TICKET = {
    "hall": "清河镇便民服务中心", "number": "A012", "queue_name": "社保医保",
    "matter_name": "社会保障卡申领", "situation_name": "本人办理·首次申领",
    "ahead": 4, "eta_minutes": 9, "serve_kinds": ["comprehensive", "tidal"],
    "materials": ["居民身份证", "近期免冠照片（白底，符合制卡标准的数码照片回执）"],
    "issued_at": "2026-11-26T09:12:05+08:00", "status_url": STATUS_URL, "priority": "normal",
}

CHINESE_SPAN = re.compile(rb"\x1c&(.*?)\x1c\.", re.S)


def chinese_spans(data):
    """Every run of text sent in the printer's Chinese mode, decoded from GB18030."""
    return [m.group(1).decode("gb18030") for m in CHINESE_SPAN.finditer(data)]


def qr_commands(data):
    """(fn, payload) of every GS ( k QR-code command (cn = '1')."""
    found, i = [], 0
    while (i := data.find(b"\x1d(k", i)) >= 0:
        length = data[i + 3] + 256 * data[i + 4]
        body = data[i + 5:i + 5 + length]
        if body[:1] == b"1":
            found.append((body[1], body[2:]))
        i += 5 + length
    return found


def test_ticket_slip_chinese_lines_come_back_from_gb18030_inside_chinese_mode():
    data = render(TICKET, 80)
    spans = "\n".join(chinese_spans(data))
    for text in ("清河镇便民服务中心", "社保医保", "社会保障卡申领", "居民身份证", "综合受理窗口"):
        assert text in spans
    outside = CHINESE_SPAN.sub(b"", data)
    # no GB18030 lead byte outside Chinese mode, except inside the QR command
    outside = re.sub(rb"\x1d\(k..1P0.*?\x1d\(k", b"", outside, flags=re.S)
    assert "清河".encode("gb18030") not in outside


def test_ticket_slip_decodes_to_number_queue_materials_and_wait():
    slip, = decode(render(TICKET, 80))
    texts = slip.texts
    number = next(ln for ln in slip.lines if ln.text == "A012")
    assert (number.width, number.height, number.bold, number.align) == (2, 2, True, "center")
    assert "社保医保" in texts
    assert "办理事项：社会保障卡申领（本人办理·首次申领）" in texts
    assert "前面等候：4 人" in texts and "预计等候：约 9 分钟" in texts
    assert "办理窗口：综合受理窗口、潮汐窗口" in texts
    assert "1. 居民身份证" in texts
    assert "取号时间：2026-11-26 09:12" in texts
    chinese = [ln for ln in slip.lines if ln.kind == "text" and not ln.text.isascii()]
    assert chinese and all(ln.chinese for ln in chinese)
    assert slip.cut


def test_ticket_slip_qr_is_printed_natively_with_the_status_url():
    data = render(TICKET, 58)
    commands = qr_commands(data)
    assert (80, b"0" + STATUS_URL.encode()) in commands  # fn 80: store the data
    stored = [i for i, (fn, _) in enumerate(commands) if fn == 80]
    printed = [i for i, (fn, _) in enumerate(commands) if fn == 81]
    assert stored and printed and printed[0] > stored[0]
    slip, = decode(data)
    assert slip.qr_codes == [STATUS_URL]
    assert slip.images == 0  # never a raster image of a QR
    assert b"\x1dv0" not in data and b"\x1d(L" not in data


@pytest.mark.parametrize("paper_mm, columns", [(58, 32), (80, 48)])
@pytest.mark.parametrize("kind", ["ticket", "materials", "receipt", "correction"])
def test_every_slip_fits_the_paper(kind, paper_mm, columns):
    slip_data = dict(SLIPS[kind], kind=kind)
    slip, = decode(render(slip_data, paper_mm))
    for line in slip.lines:
        if line.kind == "text":
            assert text_width(line.text) * line.width <= columns, line.text


def test_narrow_paper_wraps_long_materials_under_their_number():
    slip, = decode(render(TICKET, 58))
    texts = slip.texts
    start = next(i for i, t in enumerate(texts) if t.startswith("2. 近期免冠照片"))
    assert texts[start + 1].startswith("   ") and texts[start + 1].strip()
    assert texts[start] + texts[start + 1].strip() == "2. 近期免冠照片（白底，符合制卡标准的数码照片回执）"


SLIPS = {
    "ticket": TICKET,
    "materials": {
        "hall": "清河镇便民服务中心", "matter_name": "城乡居民养老保险待遇申领", "situation_name": "他人代办",
        "department": "人社", "mode": "promised", "promised_days": 5,
        "conditions": "年满60周岁、累计缴费满15年，且未领取其他基本养老保险待遇的城乡居民。",
        "materials": ["居民身份证", "户口簿", "代办人居民身份证", "授权委托书"],
        "printed_at": "2026-11-26T10:00:00+08:00",
    },
    "receipt": {
        "hall": "清河镇便民服务中心", "case_number": "SJ202611260007", "matter_name": "城乡居民养老保险待遇申领",
        "department": "人社", "accepted_at": "2026-11-26T10:20:00+08:00", "deadline": "2026-12-03",
        "pickup_code": "482913", "case_url": "http://hall.example.cn/c/Q2mN4pR7sT1vW3yAZx8k",
    },
    "correction": {
        "hall": "清河镇便民服务中心", "case_number": "SJ202611260007", "matter_name": "城乡居民养老保险待遇申领",
        "missing": ["户口簿（原件）", "银行卡或社会保障卡"], "note": "已收材料无需重复提交。",
        "deadline": "2026-12-10",
    },
}


def test_materials_slip_lists_conditions_and_materials_without_a_ticket():
    slip, = decode(render(dict(SLIPS["materials"], kind="materials"), 80))
    text = slip.text(48)
    assert "一次性告知单" in slip.texts
    assert "办件类型：承诺件，5 个工作日内办结" in slip.texts
    assert "年满60周岁" in text and "4. 授权委托书" in slip.texts
    assert slip.qr_codes == []


def test_case_receipt_shows_deadline_pickup_code_and_case_qr():
    slip, = decode(render(dict(SLIPS["receipt"], kind="receipt"), 58))
    assert "受理回执" in slip.texts and "办件编号：SJ202611260007" in slip.texts
    assert any(t.startswith("承诺办结：2026年12月03日") for t in slip.texts)
    code = next(ln for ln in slip.lines if ln.text == "482913")
    assert code.width == 2
    assert slip.qr_codes == [SLIPS["receipt"]["case_url"]]


def test_correction_slip_lists_every_missing_material():
    slip, = decode(render(dict(SLIPS["correction"], kind="correction"), 80))
    assert "1. 户口簿（原件）" in slip.texts and "2. 银行卡或社会保障卡" in slip.texts
    assert "补正期限：2026年12月10日 前" in slip.texts


def test_reprint_of_a_called_ticket_shows_its_state_instead_of_a_wait():
    data = dict(TICKET, ahead=None, eta_minutes=None, status_note="已叫号（3 号窗口）", reprint=True)
    slip, = decode(render(data, 80))
    assert "当前状态：已叫号（3 号窗口）" in slip.texts and "（补打）" in slip.texts
    assert not any(t.startswith("前面等候") for t in slip.texts)


@pytest.mark.parametrize("slip, paper, message", [
    ({"hall": "x", "number": "A1"}, 80, "缺少字段"),
    (dict(TICKET, kind="poster"), 80, "未知的票据类型"),
    (TICKET, 76, "纸宽"),
    (dict(TICKET, issued_at="yesterday"), 80, "时间格式"),
    ("A012", 80, "字典"),
])
def test_bad_slips_are_refused_with_a_chinese_message(slip, paper, message):
    with pytest.raises(SlipError, match=message):
        render(slip, paper)


def test_decoder_reads_a_slip_fed_one_byte_at_a_time():
    data = render(TICKET, 80)
    decoder = Decoder()
    slips = []
    for i in range(len(data)):
        slips += decoder.feed(data[i:i + 1])
    assert [s.text() for s in slips] == [decode(data)[0].text()]


def test_chinese_sent_without_chinese_mode_decodes_as_garbage():
    # what a printer does with GB18030 bytes outside FS & (the bug this guards against)
    slip, = decode("社保".encode("gb18030") + b"\n")
    assert slip.texts[0] != "社保" and not slip.lines[0].chinese


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("社会保障卡申领，。（）abcdefXYZ0123 ")), max_size=120),
       width=st.sampled_from([16, 24, 32, 48]), indent=st.sampled_from([0, 3, 10]))
def test_wrap_keeps_every_character_within_the_width(text, width, indent):
    lines = wrap(text, width, indent)
    assert all(text_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(line.startswith(" " * indent) for line in lines[1:] if line)


def test_wrap_never_starts_a_line_with_closing_punctuation():
    assert wrap("一二三四五六七，八", 14) == ["一二三四五六", "七，八"]
    assert wrap("Social security card", 10) == ["Social", "security", "card"]


@pytest.mark.parametrize("paper_mm, dots", [(58, 384), (80, 576)])
def test_a_decoded_slip_draws_as_a_png_as_wide_as_the_paper(tmp_path, paper_mm, dots):
    from PIL import Image

    from kiosk.printer_sim import slip_png

    slip, = decode(render(TICKET, paper_mm))
    slip_png(slip, tmp_path / "slip.png", paper_mm)
    image = Image.open(tmp_path / "slip.png")
    assert image.width == dots and image.height > 600
    assert image.convert("L").getextrema()[0] == 0  # something black was drawn


def test_the_slip_shows_the_calibrated_range_when_the_ticket_has_one():
    slip, = decode(render(dict(TICKET, eta_range_minutes=[6, 14]), 80))
    assert "预计等候：约 6–14 分钟" in slip.texts
    slip, = decode(render(dict(TICKET, eta_minutes=0, eta_range_minutes=[0, 0]), 80))
    assert "预计等候：即将叫号" in slip.texts
