"""The project's one percentile: the simulator, the bench, the soak and the
latency tools all report with it, so their p50 and p99 mean the same thing."""
from __future__ import annotations

import math


def percentile(values, p):
    """The p-th percentile (0..100) of `values`, by linear interpolation
    between the closest ranks (numpy's default); None when there are none."""
    values = sorted(values)
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} outside 0..100")
    k = (len(values) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
