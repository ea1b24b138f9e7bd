"""What Linux says about a process: its memory, for the bench, the soak and the county bench."""
from __future__ import annotations


def rss_mb(pid, field="VmRSS"):
    """The process's resident memory in MB (`field` "VmHWM" for its peak), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
