"""Global views on screen: permutation importance bars and ALE curves. Draws only."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.prediction_view import class_colours


def importance_figure(table: pd.DataFrame, measure: str) -> go.Figure:
    shown = table.sort_values("importance")
    figure = go.Figure(go.Bar(x=shown["importance"], y=shown["feature"], orientation="h", marker_color="#1565c0",
                              error_x={"type": "data", "array": shown["std"], "visible": True},
                              hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    figure.update_layout(title="Which features the model relies on (shuffle one, see its answers change)",
                         xaxis_title=measure[:1].upper() + measure[1:], yaxis_title=None,
                         height=max(280, 26 * len(shown) + 100), margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def ale_figure(feature: str, frame: pd.DataFrame, class_names: list[str]) -> go.Figure:
    colours = class_colours(class_names) if class_names else {}
    figure = go.Figure()
    for column in [c for c in frame.columns if c != "value"]:
        figure.add_trace(go.Scatter(x=frame["value"], y=frame[column], name=str(column), mode="lines+markers",
                                    line={"color": colours.get(column)}))
    figure.add_hline(y=0, line={"color": "#9e9e9e", "width": 1})
    regression = list(frame.columns) == ["value", "prediction"]
    figure.update_layout(title=f"Accumulated local effect of {feature}", xaxis_title=feature,
                         yaxis_title="Effect on the predicted value" if regression else "Effect on the probability",
                         height=320, margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def render_importance(table: pd.DataFrame, measure: str, *, key: str) -> None:
    st.plotly_chart(importance_figure(table, measure), key=f"{key}.chart", width="stretch")
    st.download_button("Download importance (CSV)", table.to_csv(index=False), "importance.csv", "text/csv",
                       key=f"{key}.csv")


def render_ale(curves: dict[str, pd.DataFrame], class_names: list[str], *, key: str) -> None:
    for feature, frame in curves.items():
        st.plotly_chart(ale_figure(feature, frame, class_names), key=f"{key}.{feature}", width="stretch")
