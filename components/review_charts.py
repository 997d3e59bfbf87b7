"""Figures of the feedback review: accuracy over time, error distribution, confusion matrix. Draw only."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.time_text import SHORT_DAY, whens


def accuracy_figure(over: pd.DataFrame, model: str) -> go.Figure:
    """Accuracy per period (line) over the number of labelled predictions (bars)."""
    # Days as labels, not a time axis: one day of data must not read "00:00:00.0002" or fill the width.
    days = whens(over["period"], SHORT_DAY)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    # A narrow bar: one day of data must read as one day, not a block filling the chart.
    width = min(0.5, 0.15 * len(days))
    fig.add_trace(go.Bar(x=days, y=over["labelled"], name="Labelled predictions", opacity=0.35, width=width),
                  secondary_y=True)
    fig.add_trace(go.Scatter(x=days, y=over["accuracy"], name="Accuracy", mode="lines+markers+text",
                             text=[f"{a:.0%}" for a in over["accuracy"]], textposition="top center"))
    # The legend sits above the plot, so it covers neither the day ticks nor the axis title "Day".
    fig.update_layout(title=f"{model}: accuracy per day<br><sup>from feedback</sup>", height=380, margin={"t": 120},
                      legend={"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"})
    # Head room over 1 so the "100%" label over a point at the top is not cut by the plot's edge.
    fig.update_yaxes(title_text="Accuracy", range=[0, 1.18], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1],
                     tickformat=".0%", secondary_y=False)  # percent, as the point labels read
    fig.update_yaxes(title_text="Labelled predictions", secondary_y=True,
                     range=[0, max(1, float(over["labelled"].max())) * 1.18], **count_ticks(over["labelled"].max()))
    fig.update_xaxes(title_text="Day", type="category")
    return fig


def count_ticks(largest: float) -> dict:
    """Whole-number ticks for a count axis: "0, 1, 2", never "0, 0.5, 1" or the rounded "0, 1, 1"."""
    top = int(largest) if largest == largest else 0
    return {"tickformat": ",d", "dtick": 1} if top <= 10 else {"tickformat": ",d"}


def error_figure(errors: pd.DataFrame, model: str) -> go.Figure:
    fig = px.histogram(errors, x="error", nbins=30, title=f"{model}: predicted minus true<br><sup>from feedback</sup>")
    fig.update_layout(xaxis_title="Error (predicted - true)", yaxis_title="Predictions", height=340)
    return fig


def confusion_figure(matrix: pd.DataFrame, model: str) -> go.Figure:
    fig = px.imshow(matrix, text_auto=True, color_continuous_scale="Blues",
                    labels={"x": "Predicted class", "y": "True class", "color": "Predictions"},
                    title=f"{model}: true vs predicted class<br><sup>from feedback</sup>")
    fig.update_layout(height=340)
    values = matrix.to_numpy()
    if values.size and values.min() == values.max():
        fig.update_layout(coloraxis_showscale=False)  # one colour: a scale would only list made-up fractions
    else:
        fig.update_coloraxes(colorbar=count_ticks(values.max()))
    return fig
