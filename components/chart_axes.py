"""Axes people read, for every Monitor chart: time ticks fitted to the window width, p-values on a log
axis with decimal ticks, numbers to three significant digits, margins that never cut a label.

Time ticks are placed here, not by Plotly: left to itself Plotly puts ticks 12 hours apart under a
day-only format ("30 Nov, 30 Nov, 01 Dec") or 30 s apart under "%H:%M" ("14:00, 14:00, 14:01").
`time_ticks` picks a spacing from a ladder of durations people read, never finer than the format
shows, so that no two ticks read the same.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

P_FLOOR = 1e-10
# Six ticks, two decades apart: more crammed "0.2 0.05 0.01 0.001" into one corner of a small chart.
P_TICKS = [1e-10, 1e-8, 1e-6, 1e-4, 0.01, 1.0]
P_TEXT = ["10⁻¹⁰", "10⁻⁸", "10⁻⁶", "10⁻⁴", "10⁻²", "1"]
"""One notation down the axis (it read "1e-6" under "0.0001" before); Plotly's own log ticks would say "1μ"."""
NUMBER = ".3~g"
LAYOUT = {"height": 360, "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
          "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
          "hoverlabel": {"namelength": -1}}


TWO_LINE_LEGEND_Y = -0.3  # LAYOUT's -0.18 sat on the second line of "%H:%M<br>%d %b" ticks at 1024 px
MAX_TICKS = 12
TICK_LADDER: tuple[timedelta, ...] = tuple(timedelta(seconds=s) for s in (
    1, 5, 10, 15, 30, 60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60, 3600, 2 * 3600, 3 * 3600, 6 * 3600,
    12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 364 * 86400,
))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def time_format(width: timedelta | None) -> tuple[str, str]:
    """(tick format, hover format) for windows (or tick spacing) of `width`."""
    if width is not None and width >= timedelta(days=1):
        return "%d %b", "%d %b %Y"
    if width is not None and width < timedelta(minutes=1):
        return "%H:%M:%S<br>%d %b", "%d %b %H:%M:%S"
    return "%H:%M<br>%d %b", "%d %b %H:%M"


def tick_step(span: timedelta, width: timedelta | None = None, *, max_ticks: int = MAX_TICKS) -> timedelta:
    """The tick spacing over `span`: a ladder step not finer than `width`, at most `max_ticks` ticks.

    Days go in whole days (a day format under 12-hour ticks repeats every label), minutes in whole
    minutes (the shortest thing "%H:%M" tells apart)."""
    floor = width or TICK_LADDER[0]
    if floor >= timedelta(days=1):
        floor = timedelta(days=-(-floor // timedelta(days=1)))
    elif floor >= timedelta(minutes=1):
        floor = timedelta(minutes=-(-floor // timedelta(minutes=1)))
    for step in TICK_LADDER:
        if step >= floor and span / step <= max_ticks:
            return step
    return max(TICK_LADDER[-1], floor)


def time_ticks(x_range: tuple, width: timedelta | None = None) -> dict:
    """Plotly x-axis settings placing unique ticks over `x_range` (two datetimes) for windows of `width`."""
    start, end = (_as_utc(v) for v in x_range)
    step = tick_step(max(end - start, timedelta(seconds=1)), width)
    tick0 = EPOCH + ((start - EPOCH) // step) * step  # whole hours, midnights: 14:00, not 14:07
    tick, _hover = time_format(step)
    return {"tickmode": "linear", "tick0": tick0.strftime("%Y-%m-%d %H:%M:%S"),
            "dtick": step.total_seconds() * 1000, "tickformat": tick}


def _as_utc(value: object) -> datetime:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def style(figure: go.Figure, *, title: str, width: timedelta | None, x_range: tuple | None = None,
          height: int = 360) -> go.Figure:
    """Title, legend below, time ticks for `width`; `x_range` (the windows' span) keeps one point from
    collapsing the axis to a millisecond (the "23:59:59.9996" ticks)."""
    tick, hover = time_format(width)
    figure.update_layout(**{**LAYOUT, "height": height}, title={"text": title, "x": 0, "xanchor": "left"})
    figure.update_xaxes(tickformat=tick, hoverformat=hover, automargin=True, nticks=MAX_TICKS)
    if x_range is not None:
        ticks = time_ticks(x_range, width)
        figure.update_xaxes(range=list(x_range), **ticks)
        tick = ticks["tickformat"]
    if "<br>" in tick:  # ticks of two lines ("00:00" over "05 Dec"): the legend below them, not over their dates
        figure.update_layout(legend_y=TWO_LINE_LEGEND_Y)
    figure.update_yaxes(automargin=True, tickformat=NUMBER)
    return figure


def p_value_axis(figure: go.Figure, **where: object) -> None:
    figure.update_yaxes(type="log", tickvals=P_TICKS, ticktext=P_TEXT, range=[-10.5, 0.1],
                        title_text="p-value (log scale)", **where)


def threshold_line(figure: go.Figure, y: float, text: str, *, colour: str = "#c62828") -> None:
    """A dashed line at ``y`` on a log axis with its label on it.

    Plotly places a shape's annotation in axis units, which on a log axis are decades: ``add_hline``'s own
    label for 0.00385 lands at 10**0.00385, at the top of the chart, far from its line.
    """
    figure.add_hline(y=y, line_dash="dash", line_color=colour)
    figure.add_annotation(x=0, xref="paper", xanchor="left", y=math.log10(y), yanchor="bottom", text=text,
                          showarrow=False, font={"color": colour})


def mode_for(n_points: int) -> str:
    """A single point drawn as a point with its value; more as a line with markers."""
    return "markers+text" if n_points == 1 else "lines+markers"


def shared_bins(*samples: np.ndarray, count: int = 40) -> dict | None:
    """Plotly ``xbins`` covering every sample with the same ``count`` bins (None when there are no numbers).

    Left to itself, Plotly bins each trace on its own range, so a reference and a window overlaid have
    bars of different widths, and their shares cannot be compared bar by bar."""
    values = [np.asarray(s, dtype=float).ravel() for s in samples]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        return {"start": low - 0.5, "end": high + 0.5, "size": 1.0}
    size = (high - low) / count
    return {"start": low, "end": high + size * 1e-6, "size": size}
