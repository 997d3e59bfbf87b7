"""Answers of several models to one input, side by side: a table and a grouped probability chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.numbers import confidence
from components.prediction_view import label_text
from components.table_view import render_table
from components.text import chart_text, md, md_escape
from workbench.predict.results import Outcome, Result


def answer_text(r: Result) -> str:
    """The answer as its headline shows it: a value rounded, with its unit (3.71 $), else the class."""
    if r.task == "regression" and r.value is not None:
        return f"{r.value:.2f}{' ' + r.unit if r.unit else ''}"
    return label_text(r.label)


def comparison_table(outcomes: list[Outcome]) -> pd.DataFrame:
    rows = []
    for o in outcomes:
        r = o.result
        rows.append({
            "model": o.model,
            "answer": answer_text(r) if r else "",  # as the headline above says it, not 3.709 under 3.71 $
            "confidence": confidence(r.confidence) if r and r.confidence is not None else "",
            "latency (ms)": round(r.latency_ms or 0, 1) if r else None,
            "request id": r.request_id if r else "",
            "problem": o.error or "",
        })
    return pd.DataFrame(rows, columns=["model", "answer", "confidence", "latency (ms)", "request id", "problem"])


def comparison_figure(outcomes: list[Outcome]) -> go.Figure | None:
    with_probs = [o for o in outcomes if o.result and o.result.probabilities]
    if not with_probs:
        return None
    fig = go.Figure()
    for o in with_probs:
        probs = o.result.probabilities  # type: ignore[union-attr]
        # the model's name travels as data (fullData.name), never as part of the template
        fig.add_bar(name=chart_text(o.model), x=[chart_text(c) for c in probs], y=list(probs.values()),
                    hovertemplate="%{fullData.name} · %{x}: probability %{y:.3f}<extra></extra>")
    # The legend names the model of each colour, also when one model has probabilities (Plotly hides a lone
    # trace's legend: the bars then belonged to no model on screen); below the axis, where long names fit.
    fig.update_layout(title="Class probabilities per model", xaxis_title="Class", yaxis_title="Probability",
                      yaxis_range=[0, 1.05], barmode="group", height=380, showlegend=True,
                      legend={"orientation": "h", "yanchor": "top", "y": -0.28, "x": 0, "title": {"text": "Model"}},
                      margin={"l": 40, "r": 10, "t": 50, "b": 90})
    fig.update_xaxes(type="category")
    return fig


STALE_NOTE = "Out of date: the inputs or the models changed after these answers. Press Send to compare again."


def render_comparison(outcomes: list[Outcome], *, key: str, stale: bool = False) -> None:
    """Each model's answer in a box of its own, the probabilities side by side, and the table. ``stale``: the inputs
    on screen changed since these answers were given; they are marked so, each headline as an earlier answer."""
    table = comparison_table(outcomes)
    if stale:
        st.warning(STALE_NOTE, icon=":material/history:")
    cols = st.columns(len(outcomes))
    for col, o in zip(cols, outcomes, strict=True):
        with col.container(border=True):
            if o.result is None:
                st.markdown(md("**{}**", o.model))
                st.error(md_escape(o.error or "No answer."))
                continue
            r = o.result
            answer = answer_text(r)
            st.metric(md("{} (earlier answer)" if stale else "{}", o.model), md_escape(answer),
                      help="The model's answer to the inputs sent before" if stale else "The model's answer")
            if r.confidence is not None:
                st.caption(md("confidence {} · {:.0f} ms", confidence(r.confidence), r.latency_ms or 0))
            else:
                st.caption(f"{r.latency_ms or 0:.0f} ms")
    fig = comparison_figure(outcomes)
    if fig is not None:
        st.plotly_chart(fig, key=f"{key}.chart", config={"displayModeBar": False})
    render_table(table, key=f"{key}.table")
    st.download_button("Download (CSV)", table.to_csv(index=False), "comparison.csv", "text/csv", key=f"{key}.dl")
