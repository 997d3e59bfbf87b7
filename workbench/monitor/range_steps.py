"""Steps and windows for range queries, and numbers rounded for people.

A chart of one day drawn at Prometheus's scrape interval is 43,200 jittery points; drawn per
day it is one bar. `choose_step` picks a step from a ladder of durations people read (1 min,
5 min, 1 h, 1 day...) so that a span gives at most about `MAX_POINTS` points: one hour per point
for a day, a few minutes for an hour, a day for a month. `rate_window` is the ``rate()`` range
for a step: the step itself, so that consecutive points cover the whole span without overlap, but
never under four scrapes (``rate`` needs two samples in its window). `round_for_people` keeps three
significant digits (13.607 -> 13.6, 0.0012345 -> 0.00123).
"""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd

MAX_POINTS = 30
STEP_LADDER: tuple[timedelta, ...] = tuple(timedelta(seconds=s) for s in (
    5, 10, 15, 30, 60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60,
    3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400,
))
SCRAPES_PER_WINDOW = 4


def choose_step(span: timedelta, *, max_points: int = MAX_POINTS,
                minimum: timedelta = STEP_LADDER[0]) -> timedelta:
    """The smallest ladder step, not below `minimum`, giving at most `max_points` points over `span`."""
    if span <= timedelta(0):
        raise ValueError(f"the time span must be positive, got {span}")
    for step in STEP_LADDER:
        if step >= minimum and span / step <= max_points:
            return step
    return STEP_LADDER[-1]


def rate_window(step: timedelta, scrape_interval: timedelta) -> timedelta:
    """The ``rate()`` / ``increase()`` range for points `step` apart."""
    return max(step, SCRAPES_PER_WINDOW * scrape_interval)


def promql_duration(duration: timedelta) -> str:
    """A PromQL duration in the largest whole unit: ``1h``, ``90s``, ``1d``."""
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        raise ValueError(f"a PromQL duration must be at least one second, got {duration}")
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def round_for_people(values: pd.Series, digits: int = 3) -> pd.Series:
    """`values` to `digits` significant digits (NaN stays NaN)."""
    def one(value: float) -> float:
        if not math.isfinite(value) or value == 0:
            return value
        return round(value, digits - 1 - math.floor(math.log10(abs(value))))

    return values.astype(float).map(one)
