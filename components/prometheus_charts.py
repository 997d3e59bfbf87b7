"""One chart per Prometheus query (`promql.QUERIES`), its title, unit and caption from the query; the time axis
over the period the page shows, and the title says what each point averages over."""

from __future__ import annotations

import plotly.graph_objects as go

from workbench.monitor.prometheus_api import MetricSeries
from workbench.monitor.windows import duration_unit

from .chart_axes import mode_for, style


def series_figure(series: MetricSeries, *, x_range: tuple | None = None) -> go.Figure:
    """``x_range``: the period asked for (two datetimes), so the chart lines up with the page's other charts;
    without it, the span of the points."""
    figure = go.Figure()
    frame = series.rounded
    for name, part in frame.groupby("model"):
        figure.add_trace(go.Scatter(x=part["time"], y=part["value"], name=str(name) or series.query.title,
                                    mode=mode_for(len(part)), text=[f"{v:g}" for v in part["value"]],
                                    textposition="top center", cliponaxis=False,
                                    hovertemplate=f"%{{y:.3g}} {series.query.unit}<extra></extra>"))
    span = x_range or ((frame["time"].min(), frame["time"].max()) if len(frame) > 1 else None)
    unit = duration_unit(series.window)
    title = f"{series.query.title}, each point over the {unit} before it"
    style(figure, title=title, width=series.step, height=300, x_range=span)
    figure.update_yaxes(title_text=series.query.unit, rangemode="tozero")
    return figure
