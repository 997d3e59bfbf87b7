"""Figures of the feedback review: accuracy over time, error distribution, confusion matrix. Draw only."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots


def accuracy_figure(over: pd.DataFrame, model: str) -> go.Figure:
    """Accuracy per period (line) over the number of labelled predictions (bars)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=over["period"], y=over["labelled"], name="Labelled predictions", opacity=0.35),
                  secondary_y=True)
    fig.add_trace(go.Scatter(x=over["period"], y=over["accuracy"], name="Accuracy", mode="lines+markers"))
    fig.update_layout(title=f"{model}: accuracy from feedback per day", height=340, legend_orientation="h")
    fig.update_yaxes(title_text="Accuracy (0 to 1)", range=[0, 1.05], secondary_y=False)
    fig.update_yaxes(title_text="Labelled predictions", secondary_y=True)
    fig.update_xaxes(title_text="Day")
    return fig


def error_figure(errors: pd.DataFrame, model: str) -> go.Figure:
    fig = px.histogram(errors, x="error", nbins=30, title=f"{model}: predicted minus true value")
    fig.update_layout(xaxis_title="Error (predicted - true)", yaxis_title="Predictions", height=340)
    return fig


def confusion_figure(matrix: pd.DataFrame, model: str) -> go.Figure:
    fig = px.imshow(matrix, text_auto=True, color_continuous_scale="Blues",
                    labels={"x": "Predicted class", "y": "True class", "color": "Predictions"},
                    title=f"{model}: true vs predicted class (from feedback)")
    fig.update_layout(height=340)
    return fig
