"""A time chart's legend sits below its ticks: under two-line ticks ("00:00" over "05 Dec") it went over the dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go

from components.chart_axes import LAYOUT, TWO_LINE_LEGEND_Y, style


def _styled(width: timedelta) -> go.Figure:
    start = datetime(2026, 12, 5, tzinfo=UTC)
    figure = go.Figure(go.Scatter(x=[start, start + 6 * width], y=[1, 2], name="alcohol"))
    return style(figure, title="t", width=width, x_range=(start, start + 7 * width))


def test_two_line_time_ticks_push_the_legend_below_them():
    twelve_hours = _styled(timedelta(hours=12))
    assert "<br>" in twelve_hours.layout.xaxis.tickformat
    assert twelve_hours.layout.legend.y == TWO_LINE_LEGEND_Y < LAYOUT["legend"]["y"]


def test_one_line_ticks_keep_the_legend_where_it_was():
    days = _styled(timedelta(days=1))
    assert "<br>" not in days.layout.xaxis.tickformat and days.layout.legend.y == LAYOUT["legend"]["y"]
