"""Monitor's "Calls, errors and latency" tab: the log's own counts, Prometheus's series, the health chart."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from components import timeline_charts as charts
from components.numbers import number
from components.prometheus_charts import series_figure
from components.text import md, md_escape
from mds_client import ModelRef
from workbench.monitor import promql
from workbench.monitor.prometheus_api import MetricSeries
from workbench.monitor.timeline import Timeline, traffic_summary
from workbench.monitor.windows import duration_unit
from workbench.time_text import CLOCK_SECOND, SHORT_MINUTE, when
from workbench.ui import monitor as glue
from workbench.ui.monitor_prometheus import prometheus_view


def traffic_metrics(tl: Timeline) -> list[tuple[str, str, str]]:
    """(label, value, where it comes from) of the period's calls in the request log: the same count as the
    page's first line, and the rate of the latest window rather than of the whole period."""
    summary, period = traffic_summary(tl), tl.period
    source = f"Request log: every caller's calls {period.words}, as of {when(tl.as_of, CLOCK_SECOND)} UTC."
    if summary.batch_rows:
        source = f"{glue.calls_text(tl)} {period.words}, as of {when(tl.as_of, CLOCK_SECOND)} UTC (batch rows have no latency)."
    out = [(f"Calls {period.words}", f"{summary.calls:,}", source),
           ("Errors", f"{summary.errors:,}" + (f" ({summary.errors / summary.calls:.1%})" if summary.calls else ""),
            source)]
    if summary.mean_latency_ms is not None:
        out.append(("Mean latency", number(summary.mean_latency_ms, "ms"),
                    source + " Response time minus request time, as the logger saw them."))
    if summary.recent_rate is not None and summary.recent is not None:
        # a batch of 100,000 rows is not 100,000 callers: the rate is of live calls, as a server's own count is
        live = "Live calls" if summary.batch_rows else "Calls"
        out.append((f"{live} per second, last {duration_unit(summary.recent)}", number(summary.recent_rate),
                    f"Request log: the calls of the last {duration_unit(summary.recent)} before "
                    f"{when(tl.as_of, CLOCK_SECOND)} UTC (one window's width), divided by its seconds. The rate of "
                    "the whole period would hide a burst in days of quiet. Rows scored in batches are left out: "
                    "they count for drift, outliers and segments, not as callers."))
    return out


def late_start_md(series: MetricSeries, start: datetime, end: datetime) -> str:
    """A sentence when Prometheus's points begin well after the period does (it keeps only what it scraped since
    it started): without it a few minutes of points, drawn at the right end of a three-day axis, read as a gap."""
    times = series.frame["time"]
    if times.empty or times.min() - pd.Timestamp(start) <= (pd.Timestamp(end) - pd.Timestamp(start)) / 10:
        return ""
    return md(" Prometheus holds this series from {} UTC only, so its points begin there.",
              when(times.min(), SHORT_MINUTE))


def render_service(ref: ModelRef, tl: Timeline) -> None:
    """The tab's metrics and charts for ``ref`` over the timeline's windows."""
    w, plan = tl.windows, tl.plan
    cols = st.columns(2)  # two a row: four side by side cut their labels at 1024 px ("Calls in the last ...")
    for k, (label, value, where) in enumerate(traffic_metrics(tl)):
        cols[k % 2].metric(md_escape(label), md_escape(value), help=md_escape(where))
    view = prometheus_view(promql.metrics_name(ref), plan.start, min(plan.end, tl.as_of))
    if "rate_now" in view.totals:  # a figure of now, whatever period the charts show
        st.metric("Calls per second, last minute (Prometheus)", md_escape(number(view.totals["rate_now"])),
                  help="What the model server itself counted over the last minute, every caller included.")
    if view.message:
        (st.info if view.informational else st.warning)(md_escape(view.message))
    else:
        st.caption(md("Read from Prometheus at {}: what the model server counts itself, every caller included.",
                      view.url))
        for k, series in enumerate(view.series):
            st.plotly_chart(series_figure(series, x_range=(plan.start, plan.end)), key=f"monitor.prom.{k}",
                            width="stretch")
            st.caption(md_escape(series.query.caption) + late_start_md(series, plan.start, plan.end))
    st.plotly_chart(charts.health_figure(tl), key="monitor.health", width="stretch")
    st.caption("From the request log: every caller's calls per window, errors in red, mean latency (response time "
               "minus request time). A rise in errors or latency is the service, not the data.")
    st.download_button("Download per-window figures (CSV)", w.to_csv(index=False), f"monitor-{ref.name}.csv",
                       "text/csv", key="monitor.health_csv")
