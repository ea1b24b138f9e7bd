"""A ticket printer's faults in the words the hall reads (kiosk, manager console, CLI)."""
from __future__ import annotations

FAULT_NAMES = {
    "paper_out": "打印机缺纸",
    "cover_open": "打印机纸仓盖未关",
    "offline": "打印机脱机",
    "unplugged": "打印机未连接",
    "paper_near_end": "打印纸将尽",
}
