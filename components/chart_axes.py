"""Axes people read, for every Monitor chart: time ticks fitted to the window width, p-values on a log
axis with decimal ticks, numbers to three significant digits, margins that never cut a label."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go

P_FLOOR = 1e-10
P_TICKS = [1e-10, 1e-8, 1e-6, 1e-4, 0.001, 0.01, 0.05, 0.2, 1.0]
P_TEXT = ["1e-10", "1e-8", "1e-6", "0.0001", "0.001", "0.01", "0.05", "0.2", "1"]
NUMBER = ".3~g"
LAYOUT = {"height": 360, "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
          "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
          "hoverlabel": {"namelength": -1}}


def time_format(width: timedelta | None) -> tuple[str, str]:
    """(tick format, hover format) for windows of `width`."""
    if width is not None and width >= timedelta(days=1):
        return "%d %b", "%d %b %Y"
    return "%H:%M<br>%d %b", "%d %b %H:%M"


def style(figure: go.Figure, *, title: str, width: timedelta | None, x_range: tuple | None = None,
          height: int = 360) -> go.Figure:
    """Title, legend below, time ticks for `width`; `x_range` (the windows' span) keeps one point from
    collapsing the axis to a millisecond (the "23:59:59.9996" ticks)."""
    tick, hover = time_format(width)
    figure.update_layout(**{**LAYOUT, "height": height}, title={"text": title, "x": 0, "xanchor": "left"})
    figure.update_xaxes(tickformat=tick, hoverformat=hover, automargin=True, nticks=12)
    if x_range is not None:
        figure.update_xaxes(range=list(x_range))
    figure.update_yaxes(automargin=True, tickformat=NUMBER)
    return figure


def p_value_axis(figure: go.Figure, **where: object) -> None:
    figure.update_yaxes(type="log", tickvals=P_TICKS, ticktext=P_TEXT, range=[-10.5, 0.1],
                        title_text="p-value (log scale)", **where)


def mode_for(n_points: int) -> str:
    """A single point drawn as a point with its value; more as a line with markers."""
    return "markers+text" if n_points == 1 else "lines+markers"
