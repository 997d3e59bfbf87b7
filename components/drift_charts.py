"""Drift, outlier and health charts for the Monitor page. Draws only; no network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.monitor.drift import DriftReport

from .chart_axes import p_value_axis, shared_bins, threshold_line


def p_value_figure(report: DriftReport) -> go.Figure:
    table = report.table().sort_values("p_value")
    colours = ["#c62828" if d else "#607d8b" for d in table["drifted"]]
    figure = go.Figure(go.Bar(x=table["feature"], y=table["p_value"].clip(lower=1e-12), marker_color=colours,
                              hovertemplate="%{x}: p-value %{y:.3g}<extra></extra>"))
    threshold_line(figure, report.threshold, f"threshold {report.threshold:.3g}")
    figure.update_layout(title="Per-feature p-value (red: drifted)", xaxis_title="Feature",
                         height=360, margin={"l": 10, "r": 10, "t": 50, "b": 40})
    p_value_axis(figure)
    return figure


def outlier_figure(scores: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    bins = shared_bins(scores["score"].to_numpy(), count=30)  # normal and outlier bars of one width
    for flag, name, colour in ((False, "normal", "#607d8b"), (True, "outlier", "#c62828")):
        part = scores[scores["is_outlier"] == flag]
        figure.add_trace(go.Histogram(x=part["score"], name=name, marker_color=colour, opacity=0.8, xbins=bins))
    figure.update_layout(title="Distance of each input from the reference data", barmode="overlay",
                         xaxis_title="Distance (higher is stranger)", yaxis_title="Inputs", height=320,
                         margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def health_figure(health: pd.DataFrame) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=health["window"], y=health["calls"], name="calls", marker_color="#90a4ae"))
    figure.add_trace(go.Bar(x=health["window"], y=health["errors"], name="errors", marker_color="#c62828"))
    figure.add_trace(go.Scatter(x=health["window"], y=health["p50_ms"], name="p50 latency (ms)",
                                mode="lines+markers"), secondary_y=True)
    figure.add_trace(go.Scatter(x=health["window"], y=health["p95_ms"], name="p95 latency (ms)",
                                mode="lines+markers", line={"dash": "dot"}), secondary_y=True)
    figure.update_layout(title="Calls, errors and latency per day", barmode="overlay", height=360,
                         margin={"l": 10, "r": 10, "t": 50, "b": 40})
    figure.update_yaxes(title_text="Calls", secondary_y=False)
    figure.update_yaxes(title_text="Latency (ms)", secondary_y=True)
    return figure


def timeline_figure(timeline: pd.DataFrame, accuracy: pd.DataFrame | None) -> go.Figure:
    """Drift (smallest p-value per day) and feedback accuracy on one chart."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    if not timeline.empty:
        p = timeline["min_p_value"].astype(float).clip(lower=1e-12)
        figure.add_trace(go.Scatter(x=timeline["window"], y=p, name="smallest p-value", mode="lines+markers",
                                    marker_color=np.where(timeline["is_drift"] == True, "#c62828", "#607d8b")),  # noqa: E712
                         secondary_y=False)
    if accuracy is not None and not accuracy.empty:
        figure.add_trace(go.Scatter(x=accuracy["window"], y=accuracy["accuracy"], name="accuracy from feedback",
                                    mode="lines+markers", line={"color": "#2e7d32"}), secondary_y=True)
    figure.update_layout(title="Drift and feedback accuracy over time", height=360,
                         margin={"l": 10, "r": 10, "t": 50, "b": 40})
    figure.update_yaxes(title_text="Smallest p-value (log)", type="log", secondary_y=False)
    figure.update_yaxes(title_text="Accuracy (0-1)", range=[0, 1], secondary_y=True)
    return figure
