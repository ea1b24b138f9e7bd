"""Figures of a simulated day: waits per policy and queue, ETA errors, and
the average of several runs with a 95 % confidence interval."""
from __future__ import annotations

import math
from collections import defaultdict

from hub.rules.stats import percentile

SMALL_WAIT_MINUTES = 5.0  # ETA error is relative to max(real wait, this): see docs/performance.md
WITHIN_MINUTES = 15.0
# Student's t, 97.5 % quantile, by degrees of freedom (1..30); beyond, the normal's 1.96
T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)


def wait_figures(waits_min, digits=2):
    """mean, p90, max wait and the share called within 15 minutes, of waits in minutes."""
    if not waits_min:
        return {"tickets": 0, "mean_wait_min": None, "p90_wait_min": None, "max_wait_min": None,
                "served_within_15_min": None}
    return {"tickets": len(waits_min), "mean_wait_min": _r(sum(waits_min) / len(waits_min), digits),
            "p90_wait_min": _r(percentile(waits_min, 90), digits), "max_wait_min": _r(max(waits_min), digits),
            "served_within_15_min": round(sum(w <= WITHIN_MINUTES for w in waits_min) / len(waits_min), 3)}


def policy_summary(outcomes, windows, window_hours, added_hours=None):
    outcomes = [o for o in outcomes if o.wait is not None]
    summary = {"windows": windows, "window_hours": _r(window_hours)}
    if added_hours is not None:
        summary["added_window_hours"] = _r(added_hours)
    figures = wait_figures([o.wait / 60 for o in outcomes])
    summary.update((k, v) for k, v in figures.items() if k != "tickets")
    by_queue = defaultdict(list)
    for o in outcomes:
        by_queue[o.visit.queue].append(o.wait / 60)
    summary["per_queue"] = {q: wait_figures(w) for q, w in sorted(by_queue.items())}
    return summary


def utilization(busy, kind_of, counts, periods, window_hours, step=3600):
    """Busy share of the windows: `busy` [(window, from, to)] of holding a ticket (call to finish or
    no-show); `counts` {kind: staffed windows}; `periods` [(from, to)] of the opening hours.
    {"all": busy ÷ window-hours, "by_kind": {kind: {"day", "peak", "peak_from"}}}: "day" over the
    opening hours (work done after closing, serving those still waiting, counts too), "peak" the
    busiest clock hour (bins of `step` seconds on the hour, at least half of it open; work in the
    opening hours only)."""
    total = sum(b - a for _, a, b in busy)
    out = {"all": _r(total / (window_hours * 3600) if window_hours else None, 3), "by_kind": {}}
    opening = sum(b - a for a, b in periods)
    first, last = min(a for a, _ in periods), max(b for _, b in periods)
    bins = range(int(first // step), int(math.ceil(last / step)))

    def overlap(a, b, lo, hi):
        return max(0.0, min(b, hi) - max(a, lo))
    for kind, n in sorted(counts.items()):
        mine = [(a, b) for w, a, b in busy if kind_of.get(w) == kind]
        day = sum(b - a for a, b in mine) / (n * opening)
        peak, peak_from = None, None
        for i in bins:
            lo, hi = i * step, (i + 1) * step
            open_s = sum(overlap(a, b, lo, hi) for a, b in periods)
            if open_s < step / 2:
                continue
            share = sum(overlap(a, b, max(lo, pa), min(hi, pb)) for a, b in mine for pa, pb in periods
                        if pa < hi and pb > lo) / (n * open_s)
            if peak is None or share > peak:
                peak, peak_from = share, lo
        out["by_kind"][kind] = {"day": _r(day, 3), "peak": _r(peak, 3), "peak_from": peak_from}
    return out


def eta_errors(outcomes, small=SMALL_WAIT_MINUTES):
    """Absolute error of each printed ETA against the real wait, in % of
    max(real wait, `small` minutes): a 1-minute miss on a 30-second wait is
    not a 200 % error to a citizen. `waits_over_small` gives the same figures
    for the tickets that really waited longer than `small` minutes alone, and
    `forecast_over_small` for those whose printed ETA was longer than `small`
    (chosen by the forecast, not by the outcome: the two differ in sign of their
    bias, `median_signed_error_pct`, printed − real).
    `interval_coverage`: the share of tickets whose real wait fell inside the
    printed range (its whole minutes, LOW ≤ wait ≤ HIGH)."""
    rows = [(o.printed_eta, o.wait / 60, o.printed_range) for o in outcomes
            if o.printed_eta is not None and o.wait is not None]

    def figures(rows):
        signed = [(eta - real) / max(real, small) * 100 for eta, real, _ in rows]
        errors = [abs(e) for e in signed]
        ranged = [(real, r) for _, real, r in rows if r is not None]
        inside = [r[0] <= real and (r[1] is None or real <= r[1]) for real, r in ranged]
        return {"median_abs_error_pct": _r(percentile(errors, 50)), "p90_abs_error_pct": _r(percentile(errors, 90)),
                "median_signed_error_pct": _r(percentile(signed, 50)),
                "tickets": len(errors), "interval_coverage": _r(sum(inside) / len(inside), 3) if inside else None,
                "interval_width_min": _r(percentile([r[1] - r[0] for _, r in ranged if r[1] is not None], 50))}
    out = figures(rows)
    out["small_wait_min"] = small
    out["waits_over_small"] = figures([row for row in rows if row[1] > small])
    out["forecast_over_small"] = figures([row for row in rows if row[0] > small])
    return out


def wait_series(outcomes, start, end, step=1800):
    """Mean wait (minutes) of the tickets issued in each `step` seconds of the day: [(t, mean or None)]."""
    bins = defaultdict(list)
    for o in outcomes:
        if o.wait is not None:
            bins[int((o.visit.at - start) // step)].append(o.wait / 60)
    out = []
    for i in range(int(math.ceil((end - start) / step))):
        values = bins.get(i)
        out.append((start + i * step, sum(values) / len(values) if values else None))
    return out


# several runs -------------------------------------------------------------------
def ci95(values):
    """Half-width of the 95 % confidence interval of the mean (Student's t)."""
    values = [v for v in values if v is not None]
    n = len(values)
    if n < 2:
        return 0.0
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    t = T975[n - 2] if n - 1 <= len(T975) else 1.96
    return t * sd / math.sqrt(n)


def average(docs, digits=2):
    """The mean of several runs' figures, key by key; numbers get a `ci95` sibling dict."""
    first = docs[0]
    if isinstance(first, dict):
        out, spread = {}, {}
        for key in dict.fromkeys(k for d in docs for k in d):
            values = [d.get(key) for d in docs]
            sample = next(v for v in values if v is not None) if any(v is not None for v in values) else None
            present = [v for v in values if _number(v)]
            if isinstance(sample, (dict, list)):
                out[key] = average([v for v in values if v is not None], digits)
            elif present and len(set(present)) == 1 and len(present) == len(values):
                out[key] = present[0]  # the same in every run (e.g. windows)
            elif present:
                out[key] = _r(sum(present) / len(present), digits)
                spread[key] = _r(ci95(present), digits)
            else:
                out[key] = sample
        if spread:
            out["ci95"] = spread
        return out
    if isinstance(first, list):
        return first
    return first


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _r(x, digits=2):
    return None if x is None else round(float(x), digits)
