"""Windows pausing: how often an open window pauses and for how long, as a hall's own history says.

A clerk's break (the window *paused* on the caller console) takes a window out of service at a
time nobody announces. The ETA's runs (eta.forecast_runs) draw such pauses at the rate and with
the lengths measured here. Pure: the windows' state changes and the hall's opening hours in,
figures out.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import timedelta

from hub.rules.clock import local


@dataclass(frozen=True)
class Pauses:
    rate: float = 0.0  # pauses a second that a window is open, within opening hours
    lengths: tuple = ()  # seconds each measured pause lasted (cut at the end of its opening period)


def measure(changes, spans):
    """Pauses from `changes`: (at, window id, state) in time order, state "open", "paused" or
    "closed", the state a window has from `at` on (a window's first change gives its state from
    then); `spans`: the (start, end) opening periods of the history, in time order, the last one
    ending at the history's end (now). Only what happens inside the spans counts: a pause begun
    there counts once; its length runs to the window's next change or the end of its period,
    and a pause still going at the history's end counts without a length."""
    if not spans:
        return Pauses()
    starts = [a for a, _ in spans]
    end = spans[-1][1]
    by_window = {}
    for at, window_id, state in changes:
        by_window.setdefault(window_id, []).append((at, state))
    open_seconds, count, lengths = 0.0, 0, []
    for moves in by_window.values():
        for k, (at, state) in enumerate(moves):
            until = moves[k + 1][0] if k + 1 < len(moves) else end
            if state == "open":
                open_seconds += _inside(spans, starts, at, until)
            elif state == "paused" and k > 0 and moves[k - 1][1] == "open":
                span = _span_of(spans, starts, at)
                if span is None:
                    continue
                count += 1
                if until < span[1] or span[1] < end:
                    lengths.append(min(until, span[1]) - at)
    return Pauses(count / open_seconds if open_seconds > 0 else 0.0, tuple(lengths))


def _span_of(spans, starts, at):
    i = bisect.bisect_right(starts, at) - 1
    return spans[i] if i >= 0 and at < spans[i][1] else None


def _inside(spans, starts, a, b):
    """Seconds of [a, b) inside the spans."""
    total = 0.0
    for s, e in spans[max(0, bisect.bisect_right(starts, a) - 1):]:
        if s >= b:
            break
        total += max(0.0, min(b, e) - max(a, s))
    return total


def opening_spans(since, now, tz, periods):
    """The hall's opening periods ("HH:MM", "HH:MM") of each day from `since` to `now`, as
    (start, end) times, the last cut at `now`."""
    spans = []
    day = local(since, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    while day.timestamp() <= now:
        for start, end in periods:
            a, b = (_at(day, hhmm) for hhmm in (start, end))
            if b > since and a < now:
                spans.append((max(a, since), min(b, now)))
        day = (day + timedelta(days=1)).replace(hour=0, minute=0)
    return spans


def _at(day, hhmm):
    h, m = (int(x) for x in hhmm.split(":"))
    return day.replace(hour=h, minute=m).timestamp()


BEFORE = {"pause": "open", "resume": "paused", "open": "closed", "close": "open"}  # a window's state before each
AFTER = {"pause": "paused", "resume": "open", "open": "open", "close": "closed"}  # and after it


def changes_of(actions, current, since):
    """`measure`'s changes from the windows' recorded actions `actions`: (at, window id, action) in
    time order, action "pause", "resume", "open" or "close", since `since`; `current`: {window id:
    its state now}. A window's state before its first action is what that action was taken from;
    a window without actions has had its current state all along."""
    out, seen = [], set()
    for at, window_id, action in actions:
        if window_id not in seen:
            seen.add(window_id)
            out.append((since, window_id, BEFORE[action]))
        out.append((at, window_id, AFTER[action]))
    out += [(since, window_id, state) for window_id, state in current.items() if window_id not in seen]
    out.sort(key=lambda c: c[0])
    return out
