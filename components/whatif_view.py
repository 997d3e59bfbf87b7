"""What-if on screen: the answer as one feature sweeps (curves or bars), or a heat map for two.

Draws only. The current value is marked with a dashed line and the points where the answer
flips with dotted ones, so "how far from changing its mind" reads at a glance.
"""

from __future__ import annotations

import itertools

import plotly.graph_objects as go
import streamlit as st

from components.numbers import count
from components.prediction_view import class_colours
from components.table_view import render_table
from components.text import md, md_escape
from workbench.explain.whatif import WhatIf, WhatIf2D

CURRENT, FLIP = "#424242", "#ef6c00"


def whatif_figure(w: WhatIf) -> go.Figure:
    columns = w.classes or ["prediction"]
    colours = class_colours(w.classes) if w.classes else {"prediction": "#1565c0"}
    figure = go.Figure()
    x_broken = broken_at_gaps(list(w.points["value"])) if w.numeric else []
    for column in columns:
        if w.numeric:
            y = [None if x is None else v for x, v in zip(x_broken, _spread(x_broken, list(w.points[column])),
                                                           strict=True)]
            # a marker on each value tested, and no line across a stretch where none was (14.8 to this case's 50)
            figure.add_trace(go.Scatter(x=x_broken, y=y, name=str(column), mode="lines+markers",
                                        marker={"size": 4}, line={"color": colours[column], "width": 2.5},
                                        hovertemplate=f"{w.feature} = %{{x:.4g}}<br>{column}: %{{y:.3f}}<extra></extra>"))
        else:
            figure.add_trace(go.Bar(x=[str(v) for v in w.points["value"]], y=w.points[column], name=str(column),
                                    marker_color=colours[column]))
    if w.numeric:
        figure.add_vline(x=float(w.current), line={"color": CURRENT, "dash": "dash", "width": 2},
                         annotation_text=f"this case: {float(w.current):.4g}", annotation_position="top")
        for flip in w.flips[:6]:
            middle = (float(flip["after"]) + float(flip["before"])) / 2
            figure.add_vline(x=middle, line={"color": FLIP, "dash": "dot", "width": 2},
                             annotation_text=f"flips to {flip['to']}", annotation_position="top right",
                             annotation_font_color=FLIP)
    else:
        figure.add_annotation(x=str(w.current), y=1.0, yref="paper", text="this case", showarrow=True,
                              arrowhead=2, ay=-24)
    regression = not w.classes
    figure.update_layout(
        title=f"What if {w.feature} were different?<br><sup>"
              + ("The predicted value" if regression else "Probability of each class") + "</sup>",
        xaxis_title=w.feature, yaxis_title="Predicted value" if regression else "Probability",
        yaxis={"range": [0, 1.02]} if not regression else {}, barmode="group", height=380,
        legend={"orientation": "h", "y": -0.22}, margin={"l": 10, "r": 10, "t": 90, "b": 40})
    return figure


GAP = 3.0  # a step this many times the sweep's usual step is a stretch nobody tested: the line breaks there


def broken_at_gaps(xs: list[float]) -> list[float | None]:
    """The swept values with a None wherever the next value lies much farther than the usual step (Plotly draws
    no line across a None): the sweep over the data's range and a far-off value of this case stay apart."""
    if len(xs) < 3:
        return list(xs)
    steps = [b - a for a, b in itertools.pairwise(xs)]
    usual = sorted(abs(d) for d in steps)[len(steps) // 2] or max(abs(d) for d in steps) or 1.0
    out: list[float | None] = [xs[0]]
    for step, x in zip(steps, xs[1:], strict=True):
        if abs(step) > GAP * usual:
            out.append(None)
        out.append(x)
    return out


def _spread(broken: list[float | None], values: list[float]) -> list[float | None]:
    """``values`` laid out beside ``broken`` (a None where it has one)."""
    it = iter(values)
    return [None if x is None else next(it) for x in broken]


def whatif_2d_figure(w: WhatIf2D) -> go.Figure:
    fx, fy = w.features
    what = "Predicted value" if w.target == "value" else f"Probability of {w.target}"
    figure = go.Figure(go.Heatmap(
        x=[str(v) if isinstance(v, str) else v for v in w.x_values],
        y=[str(v) if isinstance(v, str) else v for v in w.y_values], z=w.z, customdata=w.answers,
        colorscale="Viridis", colorbar={"title": {"text": what, "side": "right"}},
        zmin=None if w.target == "value" else 0, zmax=None if w.target == "value" else 1,
        hovertemplate=f"{fx} = %{{x}}<br>{fy} = %{{y}}<br>{what}: %{{z:.3f}}<br>answer: %{{customdata}}<extra></extra>"))
    figure.add_trace(go.Scatter(x=[w.current[0]], y=[w.current[1]], mode="markers", name="this case",
                                marker={"symbol": "x", "size": 14, "color": "white",
                                        "line": {"color": "black", "width": 2}}))
    figure.update_layout(title=f"What if {fx} and {fy} were different?<br><sup>{what}</sup>", xaxis_title=fx,
                         yaxis_title=fy, height=460, showlegend=False, margin={"l": 10, "r": 10, "t": 90, "b": 40})
    return figure


def render_whatif(w: WhatIf, *, key: str) -> None:
    st.markdown(md_escape(w.summary))
    st.plotly_chart(whatif_figure(w), key=f"{key}.chart", width="stretch")
    with st.expander("Every swept value"):
        render_table(w.points.round(3), key=f"{key}.points", drop_empty=False, own_headers=False)  # the CSV below keeps every digit
    st.download_button("Download the sweep (CSV)", w.points.to_csv(index=False), f"what-if-{w.feature}.csv",
                       "text/csv", key=f"{key}.csv")


def render_whatif_2d(w: WhatIf2D, *, key: str) -> None:
    st.plotly_chart(whatif_2d_figure(w), key=f"{key}.heat", width="stretch")
    st.caption(md("{:,} combinations, asked in {} to the model; the cross marks this case.",
                  len(w.x_values) * len(w.y_values), count(w.calls, "call")))
