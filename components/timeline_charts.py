"""Charts of a model's traffic over time (drift, outliers, accuracy, health). Draws only; no network.

Every chart takes a `workbench.monitor.timeline.Timeline` (or frames from it) and the window
plan, and puts the time axis over the windows' whole span, so that all of them line up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.monitor.timeline import Timeline

from .chart_axes import NUMBER, P_FLOOR, mode_for, p_value_axis, shared_bins, style, threshold_line

RED, GREY, GREEN, BLUE, ORANGE = "#c62828", "#607d8b", "#2e7d32", "#1565c0", "#ef6c00"
TOP_FEATURES = 6


def _x_range(timeline: Timeline) -> tuple | None:
    plan = timeline.plan
    return None if plan is None else (plan.start, plan.end)


def _width(timeline: Timeline):  # type: ignore[no-untyped-def]
    return None if timeline.plan is None else timeline.plan.width


def _centres(timeline: Timeline, starts: pd.Series) -> pd.Series:
    # Points sit in the middle of their window, so that a bar and a point of one window line up.
    return pd.to_datetime(starts) + (timeline.plan.width / 2 if timeline.plan else pd.Timedelta(0))


def _beside(timeline: Timeline, x: pd.Series, vertical: str) -> list[str]:
    """Text positions that keep a point's label inside the chart: to the left of points in the right half."""
    if timeline.plan is None or len(x) == 0:
        return [f"{vertical} center"] * len(x)
    middle = pd.Timestamp(timeline.plan.start) + timeline.plan.width * timeline.plan.count / 2
    return [f"{vertical} left" if pd.Timestamp(v) > middle else f"{vertical} right" for v in x]


def drift_timeline_figure(timeline: Timeline, features: list[str]) -> go.Figure:
    """Per-feature p-value per window (the most drifted `features`), the threshold, drifted windows red."""
    figure = go.Figure()
    tested = timeline.p_values
    x = _centres(timeline, pd.Series(list(tested.columns)))
    for name in features[:TOP_FEATURES]:
        y = tested.loc[name].astype(float).clip(lower=P_FLOOR).to_numpy()
        figure.add_trace(go.Scatter(x=x, y=y, name=name, mode=mode_for(len(y)),
                                    text=[f"{v:.2g}" for v in y], textposition="top center",
                                    hovertemplate=f"{name}: p = %{{y:.3g}}<extra></extra>"))
    threshold_line(figure, timeline.threshold, f"threshold {timeline.threshold:.3g}", colour=RED)
    style(figure, title="p-value per feature and window (below the dashed line: drift)",
          width=_width(timeline), x_range=_x_range(timeline))
    p_value_axis(figure)
    return figure


def heatmap_figure(timeline: Timeline, features: list[str]) -> go.Figure:
    """Features x windows, coloured by -log10(p): dark where a feature drifted."""
    table = timeline.p_values.loc[features] if features else timeline.p_values
    z = -np.log10(table.astype(float).clip(lower=P_FLOOR).to_numpy())
    labels = [timeline.plan.label(pd.Timestamp(c)) if timeline.plan else str(c) for c in table.columns]
    limit = -np.log10(timeline.threshold)
    figure = go.Figure(go.Heatmap(
        z=z, x=labels, y=list(table.index), colorscale=[[0, "#eceff1"], [min(0.99, limit / 10), "#ffcc80"], [1, RED]],
        zmin=0, zmax=10, customdata=table.to_numpy(), colorbar={"title": "p-value", "tickvals": [0, limit, 10],
                                                            "ticktext": ["1 (alike)", "threshold", "1e-10"]},
        hovertemplate="%{y} in %{x}: p = %{customdata:.3g}<extra></extra>"))
    style(figure, title="Drift by feature and window (red: drifted)", width=None,
          height=max(300, 40 + 22 * len(table.index)))
    figure.update_xaxes(type="category", tickangle=-45)
    figure.update_yaxes(autorange="reversed", tickformat="")
    return figure


def distribution_figure(reference: np.ndarray, current: np.ndarray, feature: str, window_label: str, *,
                        categories: list[str] | None = None) -> go.Figure:
    """Reference vs window: histograms of a number, or the share of each category named by its label."""
    figure = go.Figure()
    pairs = ((reference, "reference", GREY), (current, f"window {window_label}", BLUE))
    if categories:
        for values, name, colour in pairs:
            codes = np.asarray(values, dtype=float)
            codes = codes[np.isfinite(codes)].astype(int)
            shares = np.bincount(np.clip(codes, 0, len(categories) - 1), minlength=len(categories)) / max(1, len(codes))
            figure.add_trace(go.Bar(x=list(categories), y=shares, name=name, marker_color=colour, opacity=0.8,
                                    hovertemplate="%{x}: %{y:.1%}"))
        style(figure, title=f"{feature}: reference vs window {window_label}", width=None)
        figure.update_layout(barmode="group")
        figure.update_xaxes(title_text=feature, type="category", tickformat="")
        figure.update_yaxes(title_text="Share of rows", tickformat=".0%")
        return figure
    bins = shared_bins(reference, current)  # one set of bins: shares of rows are comparable bar by bar
    for values, name, colour in pairs:
        figure.add_trace(go.Histogram(x=values, name=name, histnorm="probability", marker_color=colour,
                                      opacity=0.85, xbins=bins))
    style(figure, title=f"{feature}: reference vs window {window_label}", width=None)
    # Side by side, not overlaid: two translucent colours over each other made a third the legend did not name.
    figure.update_layout(barmode="group", bargap=0.15)
    figure.update_xaxes(title_text=feature, tickformat=NUMBER)
    figure.update_yaxes(title_text="Share of rows")
    return figure


def outliers_over_time_figure(timeline: Timeline) -> go.Figure:
    scores = timeline.outliers
    figure = go.Figure()
    for flag, name, colour in ((False, "normal", GREY), (True, "outlier", RED)):
        part = scores[scores["is_outlier"] == flag]
        figure.add_trace(go.Scatter(x=part["time"], y=part["score"], name=name, mode="markers",
                                    marker={"color": colour, "size": 5, "opacity": 0.7},
                                    hovertemplate="score %{y:.3g}<extra></extra>"))
    style(figure, title="Outlier score of sampled requests (higher is stranger)", width=_width(timeline),
          x_range=_x_range(timeline))
    figure.update_yaxes(title_text="Outlier score")
    return figure


def accuracy_figure(timeline: Timeline, feedback: pd.DataFrame | None,
                    reward: pd.DataFrame | None = None) -> go.Figure:
    """Accuracy from feedback and estimated from confidence per window; with Seldon's `reward` per window
    (columns window, reward, rewarded), a second row under them sharing their time axis."""
    with_reward = reward is not None and not reward.empty
    figure = make_subplots(rows=2 if with_reward else 1, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           row_heights=[0.62, 0.38] if with_reward else None)
    w = timeline.windows
    est = w[w["estimated_accuracy"].notna()] if not w.empty else w
    if not est.empty:
        figure.add_trace(go.Scatter(
            x=_centres(timeline, est["window"]), y=est["estimated_accuracy"], name="estimated from confidence",
            mode=mode_for(len(est)), line={"color": BLUE, "dash": "dot"},
            text=[f"{v:.0%}" for v in est["estimated_accuracy"]], cliponaxis=False,
            textposition=_beside(timeline, _centres(timeline, est["window"]), "top"),
            error_y={"array": 2 * est["estimated_se"], "visible": True},
            hovertemplate="estimated %{y:.1%}<extra></extra>"), row=1, col=1)
    if feedback is not None and not feedback.empty:
        figure.add_trace(go.Scatter(
            x=_centres(timeline, feedback["window"]), y=feedback["accuracy"], name="from analyst feedback",
            mode=mode_for(len(feedback)), line={"color": GREEN}, marker={"size": 8},
            text=[f"{v:.0%} of {n:,} verdicts" for v, n in zip(feedback["accuracy"], feedback["labelled"], strict=True)],
            textposition=_beside(timeline, _centres(timeline, feedback["window"]), "bottom"), cliponaxis=False,
            hovertemplate="%{text}<extra></extra>"), row=1, col=1)
    if with_reward:
        x = _centres(timeline, reward["window"])
        figure.add_trace(go.Bar(
            x=x, y=reward["reward"], name="Seldon feedback reward", marker_color=ORANGE,
            # one bar alone on a time axis is drawn a hair wide: give every bar most of its window
            width=[_width(timeline).total_seconds() * 1000 * 0.8] * len(reward) if timeline.plan else None,
            text=[f"{v:.3g}" for v in reward["reward"]], textposition="outside", cliponaxis=False,
            textfont={"size": 12}, constraintext="none",
            customdata=reward["rewarded"], hovertemplate="reward %{y:.3g} from %{customdata:.3g} feedback<extra></extra>"),
            row=2, col=1)
    height = 520 if with_reward else 360
    title = ("Accuracy, from feedback and estimated without labels, and Seldon's reward" if with_reward
             else "Accuracy: from feedback and estimated without labels")
    style(figure, title=title, width=_width(timeline), x_range=_x_range(timeline), height=height)
    figure.update_yaxes(title_text="Accuracy", range=[0, 1.08], tickformat=".0%", row=1, col=1)
    if with_reward:
        figure.update_layout(legend={"y": -0.12}, bargap=0.15)
        top = float(reward["reward"].max()) * 1.3 or 1.0
        figure.update_yaxes(title_text="Reward per window", range=[0, top], rangemode="tozero", row=2, col=1)
        figure.update_xaxes(showticklabels=False, row=1, col=1)
        figure.update_xaxes(showticklabels=True, row=2, col=1)
    return figure


def health_figure(timeline: Timeline) -> go.Figure:
    """Calls (bars, errors red) and mean latency per window."""
    w = timeline.windows
    x = _centres(timeline, w["window"])
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=x, y=w["calls"] - w["errors"], name="answered", marker_color="#90a4ae",
                            hovertemplate="%{y} answered<extra></extra>"))
    figure.add_trace(go.Bar(x=x, y=w["errors"], name="errors", marker_color=RED,
                            hovertemplate="%{y} errors<extra></extra>"))
    lat = w[w["mean_latency_ms"].notna()]
    if not lat.empty:
        figure.add_trace(go.Scatter(x=_centres(timeline, lat["window"]), y=lat["mean_latency_ms"],
                                    name="mean latency (ms)", mode=mode_for(len(lat)), line={"color": "#ef6c00"},
                                    text=[f"{v:.3g} ms" for v in lat["mean_latency_ms"]], textposition="top center",
                                    hovertemplate="%{y:.3g} ms<extra></extra>"), secondary_y=True)
    unit = timeline.plan.unit if timeline.plan else "window"
    style(figure, title=f"Calls, errors and latency per {unit}", width=_width(timeline), x_range=_x_range(timeline))
    figure.update_layout(barmode="stack", bargap=0.15)
    figure.update_yaxes(title_text="Calls", secondary_y=False, rangemode="tozero")
    # An explicit range from 0: left to "tozero", Plotly's bottom tick read "-3.08e-15".
    top = float(lat["mean_latency_ms"].max()) * 1.15 if not lat.empty else 1.0
    # tickmode "auto": left to sync with the calls axis, its ticks read "18.9 37.7 56.6".
    figure.update_yaxes(title_text="Latency (ms)", secondary_y=True, range=[0, top or 1.0], showgrid=False,
                        tickmode="auto", nticks=6)
    return figure
