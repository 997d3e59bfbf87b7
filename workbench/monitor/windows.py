"""Time windows over the period a reader asks for: hours for a day, days for a month.

The reader picks a period (`PERIODS`: the last hour, day or week, or the whole history); the
width comes from that period alone (`range_steps.choose_step`, the ladder of durations people read
as the Prometheus charts), so that it gives about ``MAX_WINDOWS`` windows. Windows start on a whole
multiple of their width (14:00, not 14:07) and the last one ends after the period's end.

Sparse traffic gets wider windows (`fit_windows`) so that a window holds enough calls to be tested,
judged by the *median* window that has calls: a burst of minutes at 10 calls/s fills one window and
moves no median, so it cannot turn three days of half-day windows into three-hour ones; and a handful
of stray calls beside a burst, which no width could make testable, does not widen anything.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workbench.time_text import SHORT_DAY, SHORT_MINUTE

from .range_steps import STEP_LADDER, choose_step

MAX_WINDOWS = 30
MIN_WINDOWS = 4  # widening stops before fewer windows than this, once one of them can be tested
SHORTEST = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    """What the control shows: "Last hour"."""
    words: str
    """How a sentence says it: "in the last hour"."""
    length: timedelta | None
    """None: the whole history, from the first call to the last."""


PERIODS: dict[str, Period] = {p.key: p for p in (
    Period("hour", "Last hour", "in the last hour", timedelta(hours=1)),
    Period("day", "Last day", "in the last 24 hours", timedelta(days=1)),
    Period("week", "Last week", "in the last 7 days", timedelta(days=7)),
    Period("all", "All history", "in the whole history", None),
)}
DEFAULT_PERIOD = "all"


def duration_unit(width: timedelta) -> str:
    """A duration as a unit people say: "hour", "day", "5 minutes", "90 seconds"."""
    seconds = int(width.total_seconds())
    for size, name in ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds and seconds % size == 0:
            n = seconds // size
            return name if n == 1 else f"{n} {name}s"
    return "second" if seconds == 1 else f"{seconds} seconds"


def period_of(value: object) -> Period | None:
    """The `Period` named ``value``, None for anything else (a hand-edited link, say)."""
    return PERIODS.get(value) if isinstance(value, str) else None


def unknown_period_text(value: object) -> str:
    """Why a link's period was not used, in words (the value cut short: a link can hold anything)."""
    shown = " ".join(str(value).split())[:40]
    return (f"The link asks for the period '{shown}', which Monitor does not know: it shows "
            f"{PERIODS[DEFAULT_PERIOD].label.lower()} instead (the choices are "
            f"{', '.join(p.label.lower() for p in PERIODS.values())}).")


def period_span(period: Period, first: datetime, last: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The times a period covers: ``[now - length, now]``, or ``[first call, last call]`` for the whole history."""
    if period.length is None:
        return first, last
    return now - period.length, now


@dataclass(frozen=True)
class WindowPlan:
    start: datetime
    width: timedelta
    count: int

    def bounds(self, k: int) -> tuple[datetime, datetime]:
        return self.start + k * self.width, self.start + (k + 1) * self.width

    @property
    def end(self) -> datetime:
        return self.start + self.count * self.width

    @property
    def unit(self) -> str:
        """How a person names one window: "hour", "day", "5 minutes"..."""
        return duration_unit(self.width)

    @property
    def width_words(self) -> str:
        """The width after "windows of": "a day", "an hour", "2 hours", "5 minutes"."""
        unit = self.unit
        return unit if " " in unit else ("an " if unit == "hour" else "a ") + unit

    @property
    def window_name(self) -> str:
        """The width as it reads before "window": "5-minute", "hour", "day", "2-hour"."""
        n, _, name = self.unit.partition(" ")
        return f"{n}-{name.removesuffix('s')}" if name else self.unit

    def label(self, when: datetime) -> str:
        """A window's start as people read it: a date for days, a date and time for shorter windows."""
        if self.width >= timedelta(days=1):
            return when.strftime(SHORT_DAY)
        return when.strftime(SHORT_MINUTE)


def plan_windows(first: datetime, last: datetime, *, max_windows: int = MAX_WINDOWS,
                 shortest: timedelta = SHORTEST, width: timedelta | None = None) -> WindowPlan:
    """Windows covering ``[first, last]``: of ``width``, or the smallest readable width giving at most
    ``max_windows``."""
    span = max(last - first, shortest)
    width = width or choose_step(span, max_points=max_windows + 1, minimum=shortest)
    start = EPOCH + ((first - EPOCH) // width) * width
    count = int((last - start) // width) + 1
    return WindowPlan(start, width, count)


def typical_calls(calls: Sequence[int]) -> float:
    """The median of the windows that have calls (0 when none has): what one window usually holds,
    whatever a burst puts in one of them."""
    busy = [c for c in calls if c > 0]
    return float(statistics.median(busy)) if busy else 0.0


def quiet_calls(calls: Sequence[int], at_least: int) -> int:
    """Calls in windows too quiet to test (fewer than ``at_least``): what wider windows could still make testable."""
    return sum(c for c in calls if 0 < c < at_least)


def fit_windows(first: datetime, last: datetime, calls_in: Callable[[WindowPlan], Sequence[int]], *,
                wanted: int, at_least: int, max_windows: int = MAX_WINDOWS,
                min_windows: int = MIN_WINDOWS) -> tuple[WindowPlan, bool]:
    """The period's windows, widened along the ladder while the typical window holds fewer than ``wanted``
    calls; (plan, widened). ``calls_in(plan)`` counts the calls per window.

    Nothing is widened when the period's own windows too quiet to test hold fewer than ``at_least`` calls
    between them: no width could make those testable, and wider windows would only blur the busy ones (four
    stray calls before a burst must not turn the last hour's 5-minute windows into one hour). Judged once, at
    the period's width, so that a burst filling one window decides nothing. Nor into fewer than ``min_windows``
    windows once one of them can be tested (the last day stays a line of 6-hour windows, not three
    half-days), and never past one window: once one window of a width can hold the whole span, it is that
    window, started at the first call (rounded down to 5 minutes).
    """
    plan = plan_windows(first, last, max_windows=max_windows)
    calls = calls_in(plan)
    base = plan.width
    if quiet_calls(calls, at_least) < at_least:
        return plan, False
    for width in (w for w in STEP_LADDER if w > base):
        if typical_calls(calls) >= wanted or plan.count == 1:
            break
        if max(calls) >= at_least and plan_windows(first, last, width=width).count < min_windows:
            break
        if width > last - _floor(first, SHORTEST):
            # one window of this width holds every call: start it at the first call's 5 minutes, not at a whole
            # multiple of the width, or calls either side of midnight take a window of a week for 15 minutes
            plan = WindowPlan(_floor(first, SHORTEST), width, 1)
            calls_in(plan)  # the caller reads its counts by plan: this one is counted too
            break
        plan = plan_windows(first, last, width=width)
        calls = calls_in(plan)
    return plan, plan.width > base


def _floor(when: datetime, width: timedelta) -> datetime:
    return EPOCH + ((when - EPOCH) // width) * width
