"""The county's refusals: HallError with the county's own messages."""
from __future__ import annotations

from hub.rules.errors import HallError

COUNTY_MESSAGES = {
    "bad_key": ("缺少或未知的大厅上报密钥", "Missing or unknown hall key"),
    "wrong_hall": ("此密钥属于大厅 {mine}, 不能为大厅 {other} 上报", "This key belongs to hall {mine}, not {other}"),
    "unknown_hall": ("未知的大厅 {id}", "Unknown hall {id}"),
    "duplicate_hall": ("大厅 {id} 已存在", "Hall {id} already exists"),
    "no_catalog": ("县级尚未发布事项目录", "The county has not published a catalogue yet"),
    "bad_catalog": ("事项目录文件有误: {why}", "The catalogue file is wrong: {why}"),
    "too_many_events": ("一批最多 {limit} 条事件", "At most {limit} events a batch"),
    "database_unavailable": ("县级数据库暂时不可用, 请稍后重试 (各镇的事件保存在本地, 会自动补报)",
                             "The county database is unavailable; retry later (halls keep their events and resend)"),
    "bad_range": ("日期范围无效: {why}", "Invalid date range: {why}"),
}


class CountyError(HallError):
    MESSAGES = {**HallError.MESSAGES, **COUNTY_MESSAGES}
