"""The Monitor page's glue: cached reads of the traffic timeline, the Prometheus numbers and the drift
detector server's verdicts, each failing on its own with a message while the rest of the page works."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from components import timeline_charts as charts
from components.numbers import count
from components.text import md
from mds_client import MDSError, ModelRef, ModelSchema
from workbench.monitor import drift as drift_service
from workbench.monitor import prometheus_api, promql
from workbench.monitor.prometheus_errors import PrometheusError
from workbench.monitor.timeline import ReferenceFit, Timeline, build_timeline, fit_reference, sustained_drift
from workbench.store.traffic_windows import prediction_ids
from workbench.time_text import SECOND, whens
from workbench.ui import resources

TTL_SECONDS = 60
PROM_PANELS = (promql.REQUEST_RATE, promql.ERROR_RATE, promql.LATENCY_MEAN)
FEEDBACK_PANELS = (promql.FEEDBACK_REWARD_SUM, promql.FEEDBACK_COUNT)


@st.cache_resource(max_entries=16, show_spinner="Fitting the drift and outlier detectors on the reference data...")
def reference_fit(model: str, _schema: ModelSchema, reference: pd.DataFrame) -> ReferenceFit:
    """The detectors fitted on a model's reference data, kept until that data changes (hashed by Streamlit)."""
    return fit_reference(_schema, reference, model)


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Reading the traffic by window...")
def timeline(database_url: str, model: str, source: str, _schema: ModelSchema, _reference: pd.DataFrame) -> Timeline:
    """Cached per (database, model, source) for a minute: a rerun (a widget moved) reads nothing."""
    fitted = reference_fit(model, _schema, _reference)
    return build_timeline(resources.engine(), model, _schema, _reference, source=source, fitted=fitted)


@dataclass
class PrometheusView:
    url: str | None
    totals: dict[str, float] = field(default_factory=dict)
    series: list[prometheus_api.MetricSeries] = field(default_factory=list)
    message: str = ""
    informational: bool = False  # the message is a fact (no series for this model), not a fault


@st.cache_data(ttl=15, show_spinner=False)
def prometheus_view(model_label: str, hours: float) -> PrometheusView:
    """Totals and series of the model from Prometheus; a message instead when none answers."""
    try:
        api = prometheus_api.configured_api()
    except PrometheusError as exc:
        return PrometheusView(None, message=f"{exc} The service numbers below come from the request log.")
    view = PrometheusView(api.url)
    try:
        with api:
            total = api.total(promql.REQUESTS_TOTAL, model=model_label)
            view.totals["calls"] = float(total["value"].sum()) if not total.empty else 0.0
            end = prometheus_api.now()
            start = end - timedelta(hours=hours)
            for query in PROM_PANELS:
                label = None if query.per_server else model_label
                view.series.append(api.series(query, start=start, end=end, model=label))
    except (PrometheusError, MDSError) as exc:
        view.message = f"{exc} The service numbers below come from the request log."
        return view
    # A chart of no series is an empty grid with axes from -1 to 6: leave it out, and say so when all are.
    view.series = [s for s in view.series if not s.frame.empty]
    if not view.series:
        view.message = (f"Prometheus ({api.url}) holds no calls, errors or latency of {model_label}: a model served "
                        "by a Seldon v1 microservice publishes only feedback counters (in a cluster, Seldon's "
                        "executor publishes its calls). The service numbers below come from the request log.")
        view.informational = True
    return view


@st.cache_data(ttl=15, show_spinner=False)
def seldon_feedback(model_label: str, start: datetime, end: datetime, step_seconds: float) -> PrometheusView:
    """Seldon's feedback reward and count per window over the timeline's span, from Prometheus; a message
    instead when none is configured, none answers, or Seldon counted no reward for this model."""
    try:
        api = prometheus_api.configured_api()
    except PrometheusError as exc:
        return PrometheusView(None, message=f"{exc} Seldon's feedback reward cannot be shown without it.")
    view = PrometheusView(api.url)
    try:
        with api:
            for query in FEEDBACK_PANELS:
                series = api.series(query, start=start, end=end, model=model_label,
                                    step=timedelta(seconds=step_seconds))
                if not series.frame.empty:
                    view.series.append(series)
    except (PrometheusError, MDSError) as exc:
        view.message = f"{exc} Seldon's feedback reward cannot be shown; analyst feedback above is unaffected."
        return view
    if not view.series:
        view.message = (f"Prometheus ({api.url}) holds no Seldon feedback reward for {model_label} in this period: "
                        "Seldon counts only feedback with a non-zero reward, and a model served by MLServer alone "
                        "publishes no feedback metric.")
    return view


def server_verdicts(ref: ModelRef, schema: ModelSchema, tl: Timeline) -> tuple[pd.DataFrame, str]:
    """The deployed drift detector's answer per tested window, or a message when it cannot answer."""
    rows = []
    for k, matrix in tl.matrices.items():
        try:
            report = drift_service.detect_drift_with_server(resources.client(), ref, schema, matrix)
        except MDSError as exc:
            return pd.DataFrame(rows), (f"The drift detector {ref.drift.name if ref.drift else ''} did not answer: "
                                        f"{exc} The workbench's own test above is unaffected.")
        start = tl.windows["window"].iloc[k]
        rows.append({"window": tl.plan.label(start) if tl.plan else str(start),
                     "detector says": "drift" if report.is_drift else "no drift",
                     "workbench says": tl.windows["status"].iloc[k],
                     "detector threshold": f"{report.threshold:.3g}",
                     "smallest p-value": f"{min(report.p_values.values()):.3g}"})
    return pd.DataFrame(rows), ""


def case_links(model: str, tl: Timeline, n: int = 10) -> pd.DataFrame:
    """The strangest sampled requests, each with a link to its case when it is a workbench prediction;
    times to the second, scores to three digits, columns named for people."""
    if tl.outliers.empty:
        return tl.outliers
    top = tl.outliers.sort_values("score", ascending=False).head(n).copy()
    ids = prediction_ids(resources.engine(), model, top["request_id"].astype(str).tolist())
    return pd.DataFrame({
        "time (UTC)": whens(top["time"], SECOND),
        "outlier score": top["score"].astype(float).round(3),
        "outlier": ["yes" if flag else "no" for flag in top["is_outlier"]],
        "source": top["source"], "request id": top["request_id"].astype(str),
        "case": [f"/history?prediction={ids[r]}" if r in ids else None for r in top["request_id"]]})


def sample_note(tl: Timeline, limit: int) -> str:
    """What the drift numbers were computed on, in words: every call, or a sample of how many of how many."""
    w = tl.windows
    sampled = w[w["sampled_rows"] < w["calls"]]
    if w["min_p_value"].isna().all():  # nothing was tested: the page says why just below
        return ""
    if sampled.empty:
        return "Drift is tested on every call of each window."
    return (f"Drift is tested on a sample of each window with more than {limit:,} calls: about {limit:,} calls "
            "drawn pseudo-randomly by call id, the same ones on every visit "
            f"({int(w['sampled_rows'].sum()):,} of {int(w['calls'].sum()):,} calls in all; the counts, "
            "errors and latency are of every call).")


def window_sample_text(tl: Timeline, k: int) -> str:
    row = tl.windows.iloc[k]
    if row["sampled_rows"] < row["calls"]:
        return (f"Window {row['label']}: drift tested on a sample of {int(row['tested_rows']):,} of its "
                f"{int(row['calls']):,} calls (drawn pseudo-randomly by call id).")
    return f"Window {row['label']}: drift tested on all {int(row['tested_rows']):,} of its answered calls."


def feature_verdict_md(tl: Timeline, feature: str, k: int) -> str:
    """What the chart of ``feature`` in window ``k`` concludes: its p-value against the threshold (Markdown)."""
    start = tl.windows["window"].iloc[k]
    p_value = tl.p_values.at[feature, start] if feature in tl.p_values.index and start in tl.p_values.columns else None
    if p_value is None or pd.isna(p_value):
        return ""
    if p_value < tl.threshold:
        return md("Here {} has moved: p-value {:.3g}, under the threshold {:.3g}.", feature, p_value, tl.threshold)
    return md("Here {} has not moved beyond chance: p-value {:.3g}, above the threshold {:.3g}.", feature, p_value,
              tl.threshold)


def drift_over_time(tl: Timeline, ranked: list[str]) -> None:
    """The p-value timeline and the features x windows heat map, each with what to conclude."""
    st.plotly_chart(charts.drift_timeline_figure(tl, ranked), key="monitor.timeline", width="stretch")
    st.caption("Each line is a feature (the six most shifted); a point under the dashed threshold means that "
               "feature's values in that window are unlike the reference. One window under it can be chance "
               "the correction allows for; several in a row is drift to act on.")
    st.plotly_chart(charts.heatmap_figure(tl, ranked), key="monitor.heatmap", width="stretch")
    st.caption("Rows are features, most shifted first; red cells drifted. A red row that starts at one window "
               "says when that feature changed; a red column says everything changed at once (a new source).")


def drift_verdict(tl: Timeline, tested: pd.DataFrame) -> None:
    """One sentence on drift: sustained, in the latest window only, in the one window tested, or none."""
    sustained = sustained_drift(tl)
    if sustained:
        st.error("Drift: " + "; ".join(md("{} in {} windows running", n, k) for n, k in sustained.items()),
                 icon=":material/warning:")
    elif tested["is_drift"].iloc[-1]:
        latest = tested.iloc[-1]
        st.warning(md("The latest window ({}) drifted, most in {} (p = {:.3g}); one window can be chance: the "
                      "next one confirms it.", latest["label"], latest["top_feature"], latest["min_p_value"]))
    elif len(tested) == 1:
        st.success(md("No drift in the one window tested so far ({}); whether drift lasts is judged from the "
                      "second window on.", tested["label"].iloc[0]))
    else:
        once = int(tested["is_drift"].sum())
        st.success(md("No sustained drift: no feature is under the threshold two windows running ({} of {} "
                      "crossed it once, as chance allows at 5% per window).", once, count(len(tested), "window")))
