"""Alerts drawn: a model's health in one line, alerts on a timeline, a table that opens Monitor, a silence form
and a rule editor. Everything here takes plain data and returns what the person did; nothing is sent or stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.chart_axes import style
from components.table_view import render_table
from components.text import chart_text, md, md_escape
from workbench.time_text import SHORT_MINUTE, when

if TYPE_CHECKING:
    from workbench.alerts.model_state import ModelState
    from workbench.alerts.rules import EffectiveRule
    from workbench.alerts.service import AlertRow

STATE_COLOURS = {"firing": "#c62828", "silenced": "#ef6c00", "resolved": "#2e7d32"}
BADGES = {"firing": ("red", ":material/notifications_active:"), "warning": ("orange", ":material/warning:"),
          "healthy": ("green", ":material/check_circle:"), "unknown": ("gray", ":material/help:")}
SILENCE_HOURS = {"1 hour": 1, "4 hours": 4, "12 hours": 12, "1 day": 24, "3 days": 72, "1 week": 168}


def health_line_md(state: ModelState) -> str:
    """One line of Markdown: a coloured state word and why."""
    colour_md, icon_md = BADGES.get(state.state, BADGES["unknown"])  # our own words
    return f":{colour_md}-badge[{icon_md} {md_escape(state.label)}] " + md_escape(state.why)


def timeline_figure(rows: list[AlertRow], start: datetime, end: datetime) -> go.Figure:
    """One bar per alert occurrence, from when it fired to when it resolved (or now), one line per model and alert."""
    figure = go.Figure()
    for state, colour in STATE_COLOURS.items():
        part = [r for r in rows if r.state == state]
        if not part:
            continue
        lanes = [chart_text(f"{r.model} · {r.alertname}") for r in part]
        starts = [max(r.starts_at, start) for r in part]
        ends = [r.ends_at or end for r in part]
        figure.add_trace(go.Bar(
            base=starts, x=[max((e - s).total_seconds() * 1000, 60_000) for s, e in zip(starts, ends, strict=True)],
            y=lanes, orientation="h", name=state, marker_color=colour,
            customdata=[[chart_text(r.summary), when(r.starts_at, SHORT_MINUTE),
                         when(r.ends_at, SHORT_MINUTE) if r.ends_at else "still firing"] for r in part],
            hovertemplate="%{y}<br>%{customdata[0]}<br>from %{customdata[1]} to %{customdata[2]} UTC<extra></extra>"))
    figure.update_layout(barmode="overlay", xaxis={"type": "date"}, showlegend=True)
    style(figure, title="Alerts over time (UTC)", width=None, x_range=(start, end),
          height=max(220, 90 + 34 * len({(r.model, r.alertname) for r in rows})))
    figure.update_xaxes(title_text="time (UTC)")
    figure.update_yaxes(title_text="model · alert", autorange="reversed", tickformat="")
    # Above the plot, right: a short chart's legend below it sat on the first dates' ticks.
    figure.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1})
    return figure


def alerts_frame(rows: list[AlertRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        "state": r.state, "model": r.model, "alert": r.alertname, "severity": r.severity,
        "started": r.starts_at, "ended": r.ends_at, "summary": r.summary, "what to do": r.runbook,
        "monitor": r.monitor_link} for r in rows],
        columns=["state", "model", "alert", "severity", "started", "ended", "summary", "what to do", "monitor"])


def render_alerts_table(rows: list[AlertRow], *, key: str) -> None:
    """The alerts, firing first, each with a link that opens Monitor at its model; a CSV download."""
    frame = alerts_frame(rows)
    render_table(frame, key=key, details=["summary", "what to do"], column_config={
        "monitor": st.column_config.LinkColumn("Monitor", display_text="open"),  # whole at 1024 px
        "started": st.column_config.DatetimeColumn("Started (UTC)", format="D MMM HH:mm"),
        "ended": st.column_config.DatetimeColumn("Ended (UTC)", format="D MMM HH:mm")})
    st.download_button("Download (CSV)", frame.to_csv(index=False), "alerts.csv", "text/csv", key=f"{key}.csv")


@dataclass(frozen=True)
class SilenceRequest:
    model: str
    alertname: str | None
    hours: float
    comment: str


def render_silence_form(firing: list[tuple[str, str]], *, key: str) -> SilenceRequest | None:
    """A form to silence one firing alert (model, alert name) or all of a model's; the request once sent."""
    if not firing:
        st.caption("Nothing is firing, so there is nothing to silence.")
        return None
    with st.form(key):
        choice = st.selectbox("Alert", firing, format_func=lambda pair: f"{pair[0]} · {pair[1]}", key=f"{key}.alert")
        whole = st.checkbox("Every alert of this model", key=f"{key}.all")
        span = st.selectbox("For", list(SILENCE_HOURS), index=1, key=f"{key}.for")
        comment = st.text_input("Why (the next person on call reads it)", key=f"{key}.why",
                                placeholder="Retraining tonight; drift expected until then")
        sent = st.form_submit_button("Silence", icon=":material/notifications_off:")
    if not sent:
        return None
    return SilenceRequest(choice[0], None if whole else choice[1], SILENCE_HOURS[span], comment)


@dataclass(frozen=True)
class RuleChange:
    rule: str
    enabled: bool
    threshold: float
    for_seconds: float
    reset: bool = False


def render_rule_editor(rules: list[EffectiveRule], *, key: str) -> RuleChange | None:
    """The model's rules as a table, and a form to change one of them; the change once saved."""
    render_table(pd.DataFrame([{
        "rule": r.spec.title, "on": "yes" if r.enabled else "no", "threshold": f"{r.threshold:g}",
        "for": r.for_text, "severity": r.spec.severity, "set by": r.source,
        "summary": r.spec.summary, "what to do": r.spec.runbook} for r in rules]), key=f"{key}.table",
        details=["set by", "summary", "what to do"])
    names = {r.spec.title: r for r in rules}
    title = st.selectbox("Rule", list(names), key=f"{key}.rule")
    rule = names[title]
    own = f"{key}.{rule.spec.name}"  # each rule's fields start from its own values
    with st.form(f"{key}.form"):
        cols = st.columns(3)
        enabled = cols[0].toggle("On for this model", value=rule.enabled, key=f"{own}.on")
        threshold = cols[1].number_input("Threshold", value=float(rule.threshold), format="%g", key=f"{own}.threshold",
                                         help=md("{} (default {:g}).", rule.spec.unit.capitalize(), rule.spec.threshold))
        minutes = cols[2].number_input("For (minutes)", min_value=0.0, value=rule.for_seconds / 60, step=1.0,
                                       key=f"{own}.for", help="How long the condition must hold before it fires.")
        save, reset = st.columns(2)
        saved = save.form_submit_button("Save for this model", type="primary")
        back = reset.form_submit_button("Back to the default")
    if saved or back:
        return RuleChange(rule.spec.name, bool(enabled), float(threshold), float(minutes) * 60, reset=bool(back))
    return None
