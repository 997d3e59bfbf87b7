"""Health: which models need attention now, their alerts over time, silences and each model's alert rules."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from components.alert_view import health_line_md, render_alerts_table, render_rule_editor, render_silence_form
from components.alert_view import timeline_figure as alerts_figure
from components.numbers import count
from components.text import md, md_escape
from mds_client import MDSError
from workbench.time_text import when
from workbench.ui import alerts as glue
from workbench.ui import resources
from workbench.ui.catalog import load_entries
from workbench.ui.model_picker import model_picker

st.title("See which models need attention")
top = st.columns([3, 1])
PERIOD_NAMES = list(glue.PERIODS)  # our own words
period = top[0].segmented_control("Period", PERIOD_NAMES, default="Last 7 days", key="health.period") \
    or "Last 7 days"
if top[1].button("Refresh", icon=":material/refresh:", key="health.refresh", help="Read the alerts again."):
    glue.refresh()

entries = load_entries()
if entries is None:
    st.stop()
names = tuple(e.name for e in entries)
states, problem = glue.model_states(names)
if problem:
    st.warning(md_escape(problem), icon=":material/cloud_off:")
firing = [s for s in states.values() if s.state == "firing"]
warning = [s for s in states.values() if s.state == "warning"]
st.caption(md("As of {} UTC: {} firing, {} with a warning, {} healthy.", when(datetime.now(UTC)),
              count(len(firing), "model"), len(warning), sum(s.state == "healthy" for s in states.values())))
# The name's column as wide as the longest name needs (a link's text is cut, not wrapped), the rest for why.
name_share = min(40, max(10, max((len(n) for n in names), default=0) + 4))
for model_state in sorted(states.values(), key=lambda s: (-{"firing": 3, "warning": 2, "unknown": 1}.get(s.state, 0),
                                                          s.model)):
    cols = st.columns([name_share, 40])
    glue.monitor_link(cols[0], model_state.model, label=model_state.model)
    cols[1].markdown(health_line_md(model_state))

st.subheader("Alerts over time")
days = glue.PERIODS[period].total_seconds() / 86400
try:
    alerts = glue.timeline(resources.settings().database_url, days)
except MDSError as exc:
    st.error(md_escape(exc))
    st.stop()
if alerts.message and alerts.message not in problem:  # said once, at the top, when it is the same fault
    st.info(md_escape(alerts.message) + " Alerts the workbench already received are listed below.",
            icon=":material/info:")
if not alerts.rows:
    st.info(md("No alert in this period. Alerts appear here once a rule fires: drift two windows in a row, "
               "accuracy down, errors, slow answers or no traffic (the rules are below)."), icon=":material/check:")
else:
    end = datetime.now(UTC)
    st.plotly_chart(alerts_figure(alerts.rows, end - glue.PERIODS[period], end), key="health.timeline",
                    width="stretch")
    st.caption("Red bars are firing, orange silenced, green resolved; each bar runs from when the alert fired to "
               "when it resolved. Open Monitor from a row below to see what moved.")
    render_alerts_table(alerts.rows, key="health.alerts")

st.subheader("Silence an alert")
st.caption("A silence stops notifications (chat, e-mail) while you work on it; the alert still shows here. "
           "Who silenced it, why and until when go to the audit log.")
live = sorted({(r.model, r.alertname) for r in alerts.rows if r.state == "firing"})
request = render_silence_form(live, key="health.silence")
if request is not None:
    try:
        silence_id = glue.silence(request)
        st.success(md("Silenced {} of {} for {:g} hours (silence {}).", request.alertname or "every alert",
                      request.model, request.hours, silence_id), icon=":material/notifications_off:")
    except MDSError as exc:
        st.error(md_escape(exc))

st.subheader("Alert rules of a model")
picked = model_picker(entries, page="health.rules")  # the model chosen on any page, or a link's ?model=
model = picked.name if picked is not None else None
change = render_rule_editor(glue.rules_of(model), key="health.rules")
if change is not None:
    try:
        done = glue.change_rule(model, change)
        st.success(md_escape(done.message), icon=":material/rule:")
    except MDSError as exc:
        st.error(md_escape(exc))
