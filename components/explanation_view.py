"""Explanations on screen: the anchor rule, SHAP bars, feature-effect curves. Draws only; no network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.numbers import count
from components.prediction_view import class_colours
from components.table_view import render_table
from components.text import chart_text, md, md_escape
from workbench.explain.explanation import Explanation

POSITIVE, NEGATIVE = "#2e7d32", "#c62828"


SHAP_BARS = 30  # more bars than this no longer read at any width; the rest are named in a caption


def shap_figure(explanation: Explanation, *, top: int = SHAP_BARS) -> go.Figure:
    """Every input's contribution, largest at the top (up to ``top``: ``shap_left_out`` names the rest)."""
    items = sorted(explanation.attributions.items(), key=lambda kv: abs(kv[1]))[-top:]
    labels = [chart_text(f"{name} = {explanation.feature_values.get(name, '')}") for name, _ in items]
    values = [v for _, v in items]
    figure = go.Figure(go.Bar(x=values, y=labels, orientation="h",
                              marker_color=[POSITIVE if v >= 0 else NEGATIVE for v in values],
                              hovertemplate="%{y}: %{x:+.3f}<extra></extra>"))
    # a short title: the answer's column is ~190 px wide at 1024 px; the sentence goes in a caption that wraps
    figure.update_layout(title={"text": "Contribution per input", "font": {"size": 14}},
                         xaxis_title="Contribution", yaxis_title=None,
                         height=max(260, 28 * len(items) + 90), margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def shap_caption(explanation: Explanation, *, top: int = SHAP_BARS) -> str:
    """The chart's sentence (what was explained, which way is which) and the inputs it leaves out, if any."""
    what = f"probability of {explanation.target}" if explanation.target != "value" else "predicted value"
    text = f"What pushed the {what} up (green) or down (red), largest first."
    left_out = sorted(explanation.attributions.items(), key=lambda kv: abs(kv[1]))[:-top]
    if left_out:
        names = ", ".join(name for name, _ in left_out)
        text += f" Not drawn, each smaller than every bar shown ({len(left_out)}): {names}."
    return text


def effect_figure(feature: str, frame: pd.DataFrame, class_names: list[str]) -> go.Figure:
    figure = go.Figure()
    colours = class_colours(class_names) if class_names else {}
    categorical = frame["value"].dtype == object
    for column in [c for c in frame.columns if c != "value"]:
        trace = go.Bar if categorical else go.Scatter
        kwargs = {"marker_color": colours.get(column)} if categorical else {"line": {"color": colours.get(column)}}
        x = frame["value"].map(chart_text) if categorical else frame["value"]
        figure.add_trace(trace(x=x, y=frame[column], name=chart_text(column), **kwargs))
    is_regression = list(frame.columns) == ["value", "prediction"]
    figure.update_layout(title=f"Average prediction as {chart_text(feature)} changes", xaxis_title=chart_text(feature),
                         yaxis_title="Predicted value" if is_regression else "Average probability",
                         barmode="group", height=320, margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def image_figure(explanation: Explanation) -> go.Figure:
    """The image in grey with the occlusion heat map over it (red: hiding it lowers the answer).

    Rows and columns count from 1, as the drawing grid and the summary's "strongest at row 2 col 5" do; the axes
    end at the image's edges (a square image must not make the other axis run past them)."""
    heat = np.asarray(explanation.heatmap, dtype=float)
    bound = float(np.abs(heat).max()) or 1.0
    rows, cols = heat.shape if heat.ndim == 2 else (len(explanation.image), len(explanation.image[0]))
    x, y = list(range(1, cols + 1)), list(range(1, rows + 1))
    figure = go.Figure(go.Heatmap(z=explanation.image, x=x, y=y, colorscale="gray_r", showscale=False,
                                  hoverinfo="skip"))
    figure.add_trace(go.Heatmap(z=heat, x=x, y=y, colorscale=[[0, "rgba(21,101,192,0.75)"],
                                                               [0.5, "rgba(255,255,255,0)"], [1, "rgba(198,40,40,0.8)"]],
                                # under the image, not beside it: beside, it took half of the answer's column at 1024 px
                                zmin=-bound, zmax=bound, colorbar={"title": {"text": "Drop in probability",
                                                                              "side": "top"},
                                                                    "orientation": "h", "y": -0.42, "yanchor": "top",
                                                                    "thickness": 12},
                                hovertemplate="row %{y}, col %{x}: %{z:+.3f}<extra></extra>"))
    tick = 1 if max(rows, cols) <= 16 else None
    figure.update_layout(title={"text": "Where the model looks", "font": {"size": 14}}, height=420,
                         yaxis={"range": [rows + 0.5, 0.5], "scaleanchor": "x", "constrain": "domain", "title": "row",
                                "dtick": tick, "showgrid": False, "zeroline": False},
                         xaxis={"range": [0.5, cols + 0.5], "constrain": "domain", "title": "column", "dtick": tick,
                                "showgrid": False, "zeroline": False},
                         margin={"l": 10, "r": 10, "t": 50, "b": 110})  # room for the colour bar under the axis
    return figure


def render_explanation(explanation: Explanation, *, key: str) -> None:
    names = {"anchor": "Anchor rule", "shap": "SHAP values", "occlusion": "Occlusion heat map"}
    # the source is a phrase ("explainer server", "computed in the workbench"): a sentence around each
    where = f"from the {explanation.source}" if explanation.source.startswith("explainer server") else explanation.source
    how = f"{names.get(explanation.kind, explanation.kind)} {where}"
    if explanation.from_cache:
        how += " (saved earlier: no call to the model)"
    elif explanation.calls:
        how += f" ({count(explanation.calls, 'call')} to the model, {explanation.seconds:.1f} s)"
    elif explanation.seconds:
        how += f" ({explanation.seconds:.1f} s)"
    st.caption(md("{}.", how))
    if explanation.summary:
        st.markdown(md_escape(explanation.summary))
    if explanation.kind == "anchor":
        _anchor(explanation, key=key)
    elif explanation.kind == "occlusion":
        st.plotly_chart(image_figure(explanation), key=f"{key}.image", width="stretch",
                        config={"displayModeBar": False})
    else:
        st.caption(md_escape(shap_caption(explanation)))
        st.plotly_chart(shap_figure(explanation), key=f"{key}.shap", width="stretch")
        if explanation.base_value is not None:
            st.caption(f"Starting point (average over the reference data): {explanation.base_value:.3f}")


def _anchor(explanation: Explanation, *, key: str) -> None:
    if explanation.anchor:
        st.code(explanation.rule, language=None, wrap_lines=True)
    cols = st.columns(2)
    if explanation.precision is not None:
        cols[0].metric("Precision", f"{explanation.precision:.2f}",
                       help="Share of cases meeting the rule where the model gives the same answer.")
    if explanation.coverage is not None:
        cols[1].metric("Coverage", f"{explanation.coverage:.0%}", help="Share of all cases the rule applies to.")
    for title, rows in (("Cases that meet the rule and keep the answer", explanation.keeps),
                        ("Cases that meet the rule but get another answer", explanation.breaks)):
        if rows:
            with st.expander(md("{} ({})", title, len(rows))):
                render_table(pd.DataFrame(rows), key=f"{key}.{title[:20]}", drop_empty=False,
                             own_headers=False)


def render_effects(effects: dict[str, pd.DataFrame], class_names: list[str], *, key: str) -> None:
    for feature, frame in effects.items():
        st.plotly_chart(effect_figure(feature, frame, class_names), key=f"{key}.{feature}", width="stretch")
        st.download_button(md("Download {} effect (CSV)", feature), frame.to_csv(index=False), f"effect-{feature}.csv",
                           "text/csv", key=f"{key}.{feature}.csv")
