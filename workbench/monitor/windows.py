"""Time windows that fit the data: hours for a day of traffic, days for a month.

The width comes from `range_steps.choose_step` (the same ladder of durations people read as the
Prometheus charts), so that the span gives about ``MAX_WINDOWS`` windows (a month of days is 31); windows start on a
whole multiple of their width (14:00, not 14:07) and the last one ends after the last call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workbench.time_text import SHORT_DAY, SHORT_MINUTE

from .range_steps import choose_step

MAX_WINDOWS = 30
SHORTEST = timedelta(minutes=5)


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
        seconds = int(self.width.total_seconds())
        for size, name in ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute")):
            if seconds % size == 0:
                n = seconds // size
                return name if n == 1 else f"{n} {name}s"
        return f"{seconds} seconds"

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
                 shortest: timedelta = SHORTEST) -> WindowPlan:
    """Windows covering ``[first, last]``: the smallest readable width giving at most ``max_windows``."""
    span = max(last - first, shortest)
    width = choose_step(span, max_points=max_windows + 1, minimum=shortest)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    start = epoch + ((first - epoch) // width) * width
    count = int((last - start) // width) + 1
    return WindowPlan(start, width, count)
