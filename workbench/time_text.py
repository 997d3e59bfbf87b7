"""Times as people read them, written one way on every page: day, month name, year, then the clock.

"02 Dec 2026 14:05" cannot be misread as the 12th of February (as "2026-02-12" and "12/02" can by half
the world), and one order everywhere lets a reader match a History row to a Monitor window at a glance.
Times are UTC as stored; the pages say so where a time is shown. Chart ticks use the same order in
``components/chart_axes.py`` (Plotly's d3 formats, which share these codes).
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

DAY = "%d %b %Y"
MINUTE = "%d %b %Y %H:%M"
SECOND = "%d %b %Y %H:%M:%S"
# Within one chart or list of windows the year is the same for all and only takes room.
SHORT_DAY = "%d %b"
SHORT_MINUTE = "%d %b %H:%M"
# The clock alone, where the day is plain (an "as of" time).
CLOCK_SECOND = "%H:%M:%S"


def when(value: datetime | date | pd.Timestamp | None, fmt: str = MINUTE) -> str:
    """``value`` in ``fmt`` (in UTC when it carries a zone); "" for none (a blank cell, not "NaT")."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return (stamp.tz_convert("UTC") if stamp.tzinfo else stamp).strftime(fmt)


def whens(values: pd.Series, fmt: str = MINUTE) -> pd.Series:
    """A column of times in ``fmt``, blanks for missing ones; timezone-aware values are shown in UTC."""
    times = pd.to_datetime(values, utc=True, errors="coerce")
    return times.dt.strftime(fmt).fillna("")
