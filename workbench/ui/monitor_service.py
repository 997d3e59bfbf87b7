"""Monitor's "Calls, errors and latency" tab: the log's own counts, Prometheus's series, the health chart."""

from __future__ import annotations

import streamlit as st

from components import timeline_charts as charts
from components.numbers import number
from components.prometheus_charts import series_figure
from components.text import md, md_escape
from mds_client import ModelRef
from workbench.monitor import promql
from workbench.monitor.timeline import Timeline
from workbench.ui import monitor as glue


def render_service(ref: ModelRef, tl: Timeline) -> None:
    """The tab's metrics and charts for ``ref`` over the timeline's windows."""
    w, plan = tl.windows, tl.plan
    cols = st.columns(2)  # two a row: four side by side cut their labels at 1024 px ("Calls in the last ...")
    for k, (label, value, where) in enumerate(glue.traffic_metrics(tl)):
        cols[k % 2].metric(md_escape(label), md_escape(value), help=md_escape(where))
    view = glue.prometheus_view(promql.metrics_name(ref), plan.start, min(plan.end, tl.as_of))
    if view.message:
        (st.info if view.informational else st.warning)(md_escape(view.message))
    else:
        if "rate_now" in view.totals:
            st.metric("Calls per second, last minute (Prometheus)", md_escape(number(view.totals["rate_now"])),
                      help="What the model server itself counted over the last minute, every caller included.")
        st.caption(md("Read from Prometheus at {}: what the model server counts itself, every caller included.",
                      view.url))
        for k, series in enumerate(view.series):
            st.plotly_chart(series_figure(series, x_range=(plan.start, plan.end)), key=f"monitor.prom.{k}",
                            width="stretch")
            st.caption(md_escape(series.query.caption))
    st.plotly_chart(charts.health_figure(tl), key="monitor.health", width="stretch")
    st.caption("From the request log: every caller's calls per window, errors in red, mean latency (response time "
               "minus request time). A rise in errors or latency is the service, not the data.")
    st.download_button("Download per-window figures (CSV)", w.to_csv(index=False), f"monitor-{ref.name}.csv",
                       "text/csv", key="monitor.health_csv")
