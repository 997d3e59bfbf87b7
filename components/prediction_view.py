"""The answer, first and big: label and confidence (or the value), latency, request id, and a chart."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from plotly.colors import qualitative

from components.numbers import confidence
from components.text import chart_text, md, md_escape
from workbench.predict.results import Result

PALETTE = qualitative.Plotly
MIN_LABEL_PX = 10


def class_colours(class_names: list[str]) -> dict[str, str]:
    """One colour per class, by its position in the model's class list: the same on every page."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(class_names)}


def probability_figure(probabilities: dict[str, float], *, title: str = "Probability per class") -> go.Figure:
    names = list(probabilities)
    colours = class_colours(names)
    fig = go.Figure(
        go.Bar(
            x=[chart_text(n) for n in names],
            y=[probabilities[n] for n in names],
            marker_color=[colours[n] for n in names],
            text=[f"{probabilities[n]:.2f}" for n in names],
            textposition="outside",
            hovertemplate="%{x}: probability %{y:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title, xaxis_title="Class", yaxis_title="Probability", yaxis_range=[0, 1.1],
        height=320, margin={"l": 40, "r": 10, "t": 50, "b": 40}, showlegend=False,
        # A label that fits its bar only when shrunk is hidden (its value is in the hover): ten classes at 1024 px
        # drew each at ~5 px, unreadable.
        uniformtext={"minsize": MIN_LABEL_PX, "mode": "hide"},
    )
    # every class named under its bar (Plotly skips every other label when the column is narrow)
    fig.update_xaxes(type="category", tickmode="array", tickvals=[chart_text(n) for n in names])
    return fig


@lru_cache(maxsize=512)
def _shared_figure(items: tuple[tuple[str, float], ...]) -> go.Figure:
    # Building a Plotly figure validates every property (~0.1 CPU s); an answer's chart is the same on every
    # rerun of the page (each widget change, each tab), so it is built once and shared. Read-only:
    # st.plotly_chart serialises a copy (to_dict) and never changes it.
    return probability_figure(dict(items))


def label_text(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


STALE_NOTE = "Out of date: the inputs changed after this answer. Press Predict to ask about them."
STALE_ERROR = "This was the answer to the earlier inputs; they changed since. Press Predict to try these."


def render_result(result: Result, *, key: str, stale: bool = False) -> None:
    """Headline numbers, then the probability chart (classifiers). ``stale``: the inputs on screen changed since
    this answer was given; it is marked so, and its headline says it is the earlier answer."""
    if stale:
        st.warning(STALE_NOTE, icon=":material/history:")
    with st.container(border=True, key=f"{key}.headline"):
        # The answer, how sure and how fast, each on a row of its own: side by side in the answer's column they
        # were cut to "cultiva…", "Confi…" and "Late…" at 1400 px, and at 1024 px even two were.
        if result.task == "regression" and result.value is not None:
            st.metric("Earlier predicted value" if stale else "Predicted value",
                      md("{:.2f}{}", result.value, f" {result.unit}" if result.unit else ""))
        else:
            st.metric("Earlier prediction" if stale else "Prediction", md_escape(label_text(result.label)))
        if result.task != "regression" or result.value is None:
            st.metric("Confidence", md_escape(confidence(result.confidence) or "n/a"),
                      help="Probability the model gives to its answer.")
        st.metric("Latency", f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "n/a",
                  help="Time from sending the request to reading the answer.")
        st.caption(md("Request id: {} · model {}", result.request_id or "none", result.model)
                   + (md(" version {}", result.version) if result.version else ""))
        if result.via:  # Seldon Core v2: an experiment splits calls, a pipeline chains models
            st.caption(md("Through {}; answered by ", result.via)
                       + (md("**{}**", result.served_by) if result.served_by else "a model the server did not name"),
                       help="The mesh's x-seldon-route header (or the answer's model_name) names the model that answered.")
    if result.probabilities:
        st.plotly_chart(_shared_figure(tuple(result.probabilities.items())), key=f"{key}.chart", config={"displayModeBar": False})
