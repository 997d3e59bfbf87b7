"""Figures of the feedback review: accuracy over time, error distribution, confusion matrix. Draw only."""

from __future__ import annotations

import math

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.time_text import SHORT_DAY, whens


def accuracy_figure(over: pd.DataFrame, model: str) -> go.Figure:
    """Accuracy per period (line, top row) over the number of labelled predictions (bars, a row of its own).

    Two rows, not two y axes on one plot: sharing one plot's gridlines, a bar of 1 prediction on a 0-2
    count axis sat on the 50% line and read as "50%"."""
    # Days as labels, not a time axis: one day of data must not read "00:00:00.0002" or fill the width.
    days = whens(over["period"], SHORT_DAY)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.68, 0.32])
    fig.add_trace(go.Scatter(x=days, y=over["accuracy"], name="Accuracy", mode="lines+markers+text",
                             text=[f"{a:.0%}" for a in over["accuracy"]], textposition=label_sides(over["accuracy"]),
                             showlegend=False), row=1, col=1)
    # A narrow bar: one day of data must read as one day, not a block filling the chart.
    width = min(0.5, 0.15 * len(days))
    # The bars pale, their counts not: a trace's opacity would fade its text labels too.
    fig.add_trace(go.Bar(x=days, y=over["labelled"], name="Labelled predictions", marker_opacity=0.5, width=width,
                         text=[f"{int(n):,}" for n in over["labelled"]], textposition="outside", cliponaxis=False,
                         showlegend=False), row=2, col=1)
    fig.update_layout(title=f"{model}: accuracy per day<br><sup>from feedback</sup>", height=420,
                      margin={"t": 80})
    # Head room over 1 so the "100%" label over a point at the top is not cut by the plot's edge.
    fig.update_yaxes(title_text="Accuracy", range=[-0.14, 1.18], tickvals=[0, 0.5, 1], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(title_text="Labelled", row=2, col=1,
                     range=[0, max(1, float(over["labelled"].max())) * 1.35], tickformat=",d",
                     dtick=max(1, math.ceil(float(over["labelled"].max()) / 2)))  # 3 ticks at most: a short row
    fig.update_xaxes(type="category", row=1, col=1)
    fig.update_xaxes(title_text="Day", type="category", row=2, col=1)
    return fig


def label_sides(values: pd.Series) -> list[str]:
    """Each point's label above it, except at a dip (lower than its neighbours), where the lines on both
    sides rise through the space above: there it goes below."""
    v = [float(x) for x in values]
    sides = []
    for i, x in enumerate(v):
        around = [v[j] for j in (i - 1, i + 1) if 0 <= j < len(v)]
        sides.append("bottom center" if around and all(x < y for y in around) else "top center")
    return sides


def count_ticks(largest: float) -> dict:
    """Whole-number ticks for a count axis: "0, 1, 2", never "0, 0.5, 1" or the rounded "0, 1, 1"."""
    top = int(largest) if largest == largest else 0
    return {"tickformat": ",d", "dtick": 1} if top <= 10 else {"tickformat": ",d"}


def error_figure(errors: pd.DataFrame, model: str) -> go.Figure:
    fig = px.histogram(errors, x="error", nbins=30, title=f"{model}: predicted minus true<br><sup>from feedback</sup>")
    fig.update_layout(xaxis_title="Error (predicted - true)", yaxis_title="Predictions", height=340)
    return fig


def confusion_figure(matrix: pd.DataFrame, model: str) -> go.Figure:
    # aspect "auto": a square matrix in a half-width column at 1024 px shrank to about 60 px.
    fig = px.imshow(matrix, text_auto=True, aspect="auto", color_continuous_scale="Blues",
                    labels={"x": "Predicted class", "y": "True class", "color": "Predictions"},
                    title=f"{model}: true vs predicted class<br><sup>from feedback</sup>")
    fig.update_layout(height=340)
    values = matrix.to_numpy()
    if values.size and values.min() == values.max():
        fig.update_layout(coloraxis_showscale=False)  # one colour: a scale would only list made-up fractions
    else:
        fig.update_coloraxes(colorbar=count_ticks(values.max()))
    return fig
