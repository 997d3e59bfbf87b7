"""One chart per Prometheus query (`promql.QUERIES`), its title, unit and caption from the query."""

from __future__ import annotations

import plotly.graph_objects as go

from workbench.monitor.prometheus_api import MetricSeries

from .chart_axes import mode_for, style


def series_figure(series: MetricSeries) -> go.Figure:
    figure = go.Figure()
    frame = series.rounded
    for name, part in frame.groupby("model"):
        figure.add_trace(go.Scatter(x=part["time"], y=part["value"], name=str(name) or series.query.title,
                                    mode=mode_for(len(part)), text=[f"{v:g}" for v in part["value"]],
                                    textposition="top center",
                                    hovertemplate=f"%{{y:.3g}} {series.query.unit}<extra></extra>"))
    span = (frame["time"].min(), frame["time"].max()) if len(frame) > 1 else None
    style(figure, title=series.query.title, width=series.step, height=300, x_range=span)
    figure.update_yaxes(title_text=series.query.unit, rangemode="tozero")
    return figure
