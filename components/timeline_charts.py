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

from .chart_axes import NUMBER, P_FLOOR, P_TEXT, mode_for, p_value_axis, shared_bins, style, threshold_line
from .numbers import p_value
from .text import chart_text

RED, GREY, GREEN, BLUE, ORANGE = "#c62828", "#607d8b", "#2e7d32", "#1565c0", "#ef6c00"
TOP_FEATURES = 6
NO_DRIFT = ("#f5f7f8", "#90a4ae")  # pale to mid grey: nearer the threshold is darker, never red
DRIFT = ("#ef5350", "#8e0000")  # red to dark red: further under the threshold is darker
HEAT_GAP = 0.15  # on the -log10(p) scale: keeps a cell next to the threshold on its own side of the colour step
MAX_NORMAL_POINTS = 4_000


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
        p = tested.loc[name].astype(float)
        y = p.clip(lower=P_FLOOR).to_numpy()
        shown = [p_value(v, timeline.threshold) for v in p]
        figure.add_trace(go.Scatter(x=x, y=y, name=name, mode=mode_for(len(y)), text=shown, customdata=shown,
                                    textposition="top center", cliponaxis=False,
                                    hovertemplate=f"{chart_text(name)}: p = %{{customdata}}<extra></extra>"))
    threshold_line(figure, timeline.threshold, f"threshold {timeline.threshold:.3g}", colour=RED)
    style(figure, title="p-value per feature and window (below the dashed line: drift)",
          width=_width(timeline), x_range=_x_range(timeline))
    p_value_axis(figure)
    return figure


def _relation(text: str) -> str:
    """ "< 0.001" stays as it is; a value gets "= ": "p < 0.001", "p = 0.0036"."""
    return text if text.startswith("<") else "= " + text


def heat_levels(p_values: np.ndarray, threshold: float) -> np.ndarray:
    """Each cell's place on the heat map's scale, 0..10 (-log10 p), kept on its side of the threshold: a cell
    under the threshold always reads drift, one at or above it never does, however close to the line."""
    p = np.asarray(p_values, dtype=float)
    z = -np.log10(np.clip(p, P_FLOOR, 1.0))
    limit = -np.log10(threshold)
    return np.where(p < threshold, np.clip(z, limit + HEAT_GAP, 10.0), np.clip(z, 0.0, limit - HEAT_GAP))


def heat_scale(threshold: float) -> list[list]:
    """Greys up to the threshold, reds past it, with a hard step at the threshold (no colour shared by
    drift and no drift)."""
    at = min(0.99, -np.log10(threshold) / 10.0)
    return [[0.0, NO_DRIFT[0]], [at, NO_DRIFT[1]], [at, DRIFT[0]], [1.0, DRIFT[1]]]


def heatmap_figure(timeline: Timeline, features: list[str]) -> go.Figure:
    """Features x windows: red where a feature's p-value is under the threshold (darker: further under),
    grey where it is not (darker: nearer the line)."""
    table = timeline.p_values.loc[features] if features else timeline.p_values
    p = table.astype(float).to_numpy()
    labels = [timeline.plan.label(pd.Timestamp(c)) if timeline.plan else str(c) for c in table.columns]
    limit = -np.log10(timeline.threshold)
    shown = [[("drift, p " if v < timeline.threshold else "no drift, p ") + _relation(p_value(v, timeline.threshold))
              for v in row] for row in p]
    figure = go.Figure(go.Heatmap(
        z=heat_levels(p, timeline.threshold), x=labels, y=[chart_text(n) for n in table.index],
        colorscale=heat_scale(timeline.threshold), zmin=0, zmax=10, customdata=shown, xgap=1, ygap=1,
        colorbar={"title": {"text": "p-value"}, "tickvals": [0, limit, 10],
                  "ticktext": ["1 (alike)", f"{timeline.threshold:.3g} (threshold)", P_TEXT[0]]},
        hovertemplate="%{y} in %{x}: %{customdata}<extra></extra>"))
    style(figure, title=f"Drift by feature and window (red: p-value under {timeline.threshold:.3g})", width=None,
          height=max(300, 60 + 22 * len(table.index)))
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


def outliers_over_time_figure(timeline: Timeline, *, max_normal: int = MAX_NORMAL_POINTS) -> go.Figure:
    """Every call's distance to the reference data over time, outliers red, the threshold dashed. Past
    ``max_normal`` normal calls an even share of them is drawn (the legend says how many); every outlier is."""
    scores = timeline.outliers
    figure = go.Figure()
    normal, odd = scores[~scores["is_outlier"].astype(bool)], scores[scores["is_outlier"].astype(bool)]
    step = max(1, -(-len(normal) // max_normal))
    parts = ((normal.iloc[::step], "normal" if step == 1 else f"normal (1 in {step} drawn)", GREY),
             (odd, "outlier", RED))
    for part, name, colour in parts:
        figure.add_trace(go.Scatter(x=part["time"], y=part["score"], name=name, mode="markers",
                                    marker={"color": colour, "size": 5, "opacity": 0.7},
                                    hovertemplate="distance %{y:.3g}<extra></extra>"))
    style(figure, title="Distance of each call from the reference data (higher is stranger)",
          width=_width(timeline), x_range=_x_range(timeline))
    if np.isfinite(timeline.outlier_threshold):
        figure.add_hline(y=timeline.outlier_threshold, line_dash="dash", line_color=RED,
                         annotation_text=f"outlier above {timeline.outlier_threshold:.3g}",
                         annotation_position="top left", annotation_font_color=RED)
    figure.update_yaxes(title_text="Distance", rangemode="tozero")
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
            # two standard errors, cut at 0% and 100%: an accuracy cannot run past either
            error_y={"type": "data", "symmetric": False, "visible": True,
                     "array": np.minimum(2 * est["estimated_se"], 1 - est["estimated_accuracy"]),
                     "arrayminus": np.minimum(2 * est["estimated_se"], est["estimated_accuracy"])},
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
    figure.update_yaxes(title_text="Calls", secondary_y=False, rangemode="tozero", tickformat=",d")  # 1,200: not 1.2e+3
    # An explicit range from 0: left to "tozero", Plotly's bottom tick read "-3.08e-15".
    top = float(lat["mean_latency_ms"].max()) * 1.15 if not lat.empty else 1.0
    # tickmode "auto": left to sync with the calls axis, its ticks read "18.9 37.7 56.6".
    figure.update_yaxes(title_text="Latency (ms)", secondary_y=True, range=[0, top or 1.0], showgrid=False,
                        tickmode="auto", nticks=6)
    return figure
