"""Inputs and answers of the kiosk's routes (/api/kiosk/…)."""
from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from hub.rules.errors import HallError
from hub.web.models.common import Answer, Body, Id, Query, Text

CODE_SHAPE = re.compile(r"^[0-9 -]{8,12}$")  # a booking code: 8 digits, maybe spaced as printed
GREEN_REASONS = (  # value, 中文, English
    ("elderly", "老年人", "Senior citizen"), ("disabled", "残疾人", "Person with a disability"),
    ("pregnant", "孕妇", "Pregnant woman"), ("military", "军人及优抚对象", "Service member or veteran"),
    ("ill", "重病或行动不便", "Seriously ill or limited mobility"), ("child", "怀抱婴儿", "Carrying an infant"),
    ("other", "其他特殊情况", "Other special need"),
)
MESSAGES = {  # key: (中文, English)
    "qr_data": ("二维码内容须为 1 到 {limit} 个字符", "The QR content must be 1 to {limit} characters"),
    "bad_reason": ("绿色通道须选择原因: {choices}", "A green-channel ticket needs a reason: {choices}"),
    "bad_priority": ("工作人员取号类型须为 green (绿色通道) 或 help (帮办代办)",
                     "A staff ticket is either green (green channel) or help (assisted)"),
    "bad_code": ("预约码须为 8 位数字", "An appointment code is 8 digits"),
    "no_printer": ("本机未连接打印机, 请拍照保存屏幕上的材料清单或扫码查看",
                   "No printer here: photograph the list or scan the QR code"),
    "printer_fault": ("打印机暂时故障, 请拍照保存二维码", "The printer is out of order: please photograph the QR code"),
}


class KioskError(HallError):
    """A refusal of a kiosk route, with its message from this module."""

    MESSAGES = MESSAGES


class PrinterQuery(Query):
    printer: Optional[Id] = None


class SearchQuery(Query):
    q: str = ""
    limit: int = 20

    @field_validator("limit", mode="before")
    @classmethod
    def _any_limit(cls, value):  # whatever the pad sends, a search answers (at most 100)
        text = value if isinstance(value, str) else ""
        return int(text) if text.isdigit() and 0 < int(text) <= 100 else 20


class MatterBody(Body):
    matter: Id
    situation: Optional[Id] = None
    printer: Optional[Id] = None


class StaffTicketBody(MatterBody):
    priority: Optional[str] = Field(None, max_length=16)
    reason: Optional[Text] = None

    @model_validator(mode="after")
    def _reason(self):
        if self.priority not in ("green", "help"):
            raise KioskError(422, "bad_priority")
        if self.priority == "green" and self.reason not in {v for v, _, _ in GREEN_REASONS}:
            raise KioskError(422, "bad_reason", choices="/".join(v for v, _, _ in GREEN_REASONS))
        return self

    def note(self):
        if self.priority == "green":
            return f"{self.reason} {next(zh for v, zh, _ in GREEN_REASONS if v == self.reason)}"
        return self.reason or "帮办代办"


class CheckinBody(Body):
    """The guide desk's check-in: the booking's code names the matter."""
    code: Optional[str] = Field(None, max_length=64)
    printer: Optional[Id] = None

    @field_validator("code")
    @classmethod
    def _shape(cls, value):
        if value is None or not CODE_SHAPE.match(value):
            raise KioskError(422, "bad_code")
        return value

    @model_validator(mode="before")
    @classmethod
    def _code_required(cls, data):
        if isinstance(data, dict) and not isinstance(data.get("code"), str):
            raise KioskError(422, "bad_code")
        return data


class PrinterState(Answer):
    state: Literal["ok", "fault", "none"]
    ok: bool
    printer: Optional[str]
    message: str
    message_en: str


class KioskConfig(Answer):
    hall: dict
    idle_seconds: int
    green_reasons: list[dict]
    queues: list[dict]
    rating_reasons: list[str]
    printer: PrinterState


class SearchAnswer(Answer):
    query: str
    matters: list[dict]


class MaterialsPrinted(Answer):
    printed: bool
    printer: PrinterState
    materials: list[str]
    matter: str
    situation: Optional[str]
    guide_url: str
