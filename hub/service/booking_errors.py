"""Appointments' and ratings' refusals: a HallError with its own messages, so
the hub's error shape and language choice apply unchanged."""
from __future__ import annotations

from hub.rules.errors import HallError

MESSAGES = {
    # key: (中文, English)
    "not_bookable": ("「{matter}」不接受网上预约, 请直接到大厅取号", "{matter} cannot be booked: take a ticket in the hall"),
    "unknown_booking": ("未找到该预约, 请核对 8 位预约码", "No such booking: check the 8-digit code"),
    "booking_state": ("该预约当前为「{state_text}」, 不能再办理", "This booking is {state}"),
    "already_checked_in": ("该预约已签到取号, 请留意叫号", "This booking is already checked in: watch for your call"),
    "slot_full": ("该时段已约满, 请选择其他时段", "This slot is full: choose another"),
    "slot_past": ("该时段已过, 请选择以后的时段", "This slot has passed: choose a later one"),
    "slot_cut_off": ("时段开始前 {minutes} 分钟停止预约, 请选择其他时段",
                     "Booking closes {minutes} minutes before a slot starts: choose another"),
    "slot_too_far": ("最多只能预约 {days} 天以内的时段", "Slots can be booked at most {days} days ahead"),
    "not_a_slot": ("{start} 不是可预约的时段开始时间", "{start} is not the start of a slot"),
    "blackout": ("{date} 暂停预约", "Booking is closed on {date}"),
    "closed_day": ("{date} 不是工作日, 不能预约", "{date} is not a working day"),
    "booking_blocked": ("因多次预约未到 (爽约 {limit} 次), {until} 前暂停网上预约, 可直接到大厅取号",
                        "After {limit} missed appointments booking is blocked until {until}; take a ticket in the hall"),
    "too_many_bookings": ("同一手机号最多同时预约 {limit} 个时段", "One phone may hold at most {limit} bookings"),
    "bad_phone": ("请填写 11 位手机号码", "Enter an 11-digit mobile number"),
    "checkin_early": ("预约签到 {at} 开始, 请稍候再来签到", "Check-in opens at {at}: please come back then"),
    "checkin_late": ("已超过签到时间 (时段 {start} 开始), 请重新预约或取普通号",
                     "Check-in has closed (the slot began at {start}): book again or take a normal ticket"),
    "unknown_blackout": ("未找到暂停预约记录 {id}", "No blackout {id}"),
    "bad_reasons": ("差评原因须从列表中选择: {allowed}", "Choose the reasons from the list: {allowed}"),
    "appeal_not_yours": ("只能申诉对自己的评价", "You may appeal only ratings of your own service"),
    "appeal_state": ("该评价的申诉当前为「{state_text}」", "This rating's appeal is {state}"),
    "appeal_only_bad": ("只有差评可以申诉", "Only ratings of 1 or 2 can be appealed"),
    "unknown_rating": ("号票 {id} 没有评价", "Ticket {id} has no rating"),
}
TEXTS = {"state": {"booked": ("已预约", "booked"), "checked_in": ("已签到", "checked in"),
                   "late": ("迟到改普通号", "late, normal ticket"), "cancelled": ("已取消", "cancelled"),
                   "no_show": ("已爽约", "missed"), "pending": ("待审核", "pending"),
                   "upheld": ("申诉成立", "upheld"), "rejected": ("申诉不成立", "rejected")}}


class BookingError(HallError):
    MESSAGES = MESSAGES
    TEXTS = TEXTS
