"""Monitor's reads from Prometheus: a model's calls, errors and latency as its server counts them, and Seldon's
feedback reward; each answers a message instead when no Prometheus is configured or none answers, so the rest of
the page (the request log's numbers) works without it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import streamlit as st

from mds_client import MDSError
from workbench.monitor import prometheus_api, promql
from workbench.monitor.prometheus_errors import PrometheusError
from workbench.monitor.range_steps import choose_step, rate_window
from workbench.time_text import SHORT_MINUTE, when

PROM_PANELS = (promql.REQUEST_RATE, promql.ERROR_RATE, promql.LATENCY_MEAN)
FEEDBACK_PANELS = (promql.FEEDBACK_REWARD_SUM, promql.FEEDBACK_COUNT)
NOW_RATE = timedelta(minutes=1)


@dataclass
class PrometheusView:
    url: str | None
    totals: dict[str, float] = field(default_factory=dict)
    series: list[prometheus_api.MetricSeries] = field(default_factory=list)
    message: str = ""
    informational: bool = False  # the message is a fact (no series for this model), not a fault


FROM_THE_LOG = "The service numbers below come from the request log."


def _read(fill: Callable[[prometheus_api.PrometheusAPI, PrometheusView], None], *, unconfigured: str,
          failed: str) -> tuple[PrometheusView, bool]:
    """A view filled by ``fill`` from the configured Prometheus, and whether ``fill`` ran to its end: when none is
    configured or it fails to answer, the view carries that reason followed by ``unconfigured`` / ``failed``."""
    try:
        api = prometheus_api.configured_api()
    except PrometheusError as exc:
        return PrometheusView(None, message=f"{exc} {unconfigured}"), False
    view = PrometheusView(api.url)
    try:
        with api:
            fill(api, view)
    except (PrometheusError, MDSError) as exc:
        view.message = f"{exc} {failed}"
        return view, False
    return view, True


@st.cache_data(ttl=15, show_spinner=False)
def prometheus_view(model_label: str, start: datetime, end: datetime) -> PrometheusView:
    """The model's calls per second over the last minute and its series over ``[start, end]`` from Prometheus;
    a message instead when none answers."""
    # points counted back from the end: the last one is now, over the minutes just gone (a grid from the start put
    # its last point up to a step before now, and missed a burst that just happened)
    step = choose_step(end - start)
    start = end - math.ceil((end - start) / step) * step

    def fill(api: prometheus_api.PrometheusAPI, view: PrometheusView) -> None:
        now = api.total(promql.REQUEST_RATE, model=model_label, window=rate_window(NOW_RATE, api.scrape_interval()))
        if not now.empty:
            view.totals["rate_now"] = float(now["value"].sum())
        for query in PROM_PANELS:
            label = None if query.per_server else model_label
            view.series.append(api.series(query, start=start, end=end, model=label, step=step))

    view, whole = _read(fill, unconfigured=FROM_THE_LOG, failed=FROM_THE_LOG)
    if not whole:
        return view
    # A chart of no series is an empty grid with axes from -1 to 6: leave it out, and say so when all are.
    view.series = [s for s in view.series if not s.frame.empty]
    if not view.series and "rate_now" in view.totals:  # it counts the model now, but held nothing in the period
        view.message = (f"Prometheus ({view.url}) holds no calls, errors or latency of {model_label} from "
                        f"{when(start, SHORT_MINUTE)} to {when(end, SHORT_MINUTE)} UTC: it keeps only what it "
                        f"scraped, and its points begin later. {FROM_THE_LOG}")
        view.informational = True
    elif not view.series:
        view.message = (f"Prometheus ({view.url}) holds no calls, errors or latency of {model_label}: a model served "
                        "by a Seldon v1 microservice publishes only feedback counters (in a cluster, Seldon's "
                        "executor publishes its calls); MLServer and Triton publish a model's calls once it is "
                        f"loaded. {FROM_THE_LOG}")
        view.informational = True
    return view


@st.cache_data(ttl=15, show_spinner=False)
def seldon_feedback(model_label: str, start: datetime, end: datetime, step_seconds: float) -> PrometheusView:
    """Seldon's feedback reward and count per window over the timeline's span, from Prometheus; a message
    instead when none is configured, none answers, or Seldon counted no reward for this model."""

    def fill(api: prometheus_api.PrometheusAPI, view: PrometheusView) -> None:
        for query in FEEDBACK_PANELS:
            series = api.series(query, start=start, end=end, model=model_label, step=timedelta(seconds=step_seconds))
            if not series.frame.empty:
                view.series.append(series)

    view, whole = _read(fill, unconfigured="Seldon's feedback reward cannot be shown without it.",
                        failed="Seldon's feedback reward cannot be shown; analyst feedback above is unaffected.")
    if whole and not view.series:
        view.message = (f"Prometheus ({view.url}) holds no Seldon feedback reward for {model_label} in this period: "
                        "Seldon counts only feedback with a non-zero reward, and only a Seldon v1 microservice publishes "
                        "it (MLServer and Triton publish no feedback metric).")
    return view
