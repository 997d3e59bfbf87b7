"""The Monitor page's glue: cached reads of the traffic timeline over the period asked for and the drift detector
server's verdicts, each failing on its own with a message while the rest of the page works; the period kept in
the address, and the page following new calls while a simulation sends them. Prometheus's numbers are read in
`monitor_prometheus`, the "Calls, errors and latency" tab drawn in `monitor_service`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from components import timeline_charts as charts
from components.numbers import count, number, p_value
from components.text import md, md_escape
from mds_client import MDSError, ModelRef, ModelSchema
from workbench.monitor import drift as drift_service
from workbench.monitor.segment_reads import segment_keep
from workbench.monitor.segments import parse_segment
from workbench.monitor.timeline import (
    ReferenceFit,
    Timeline,
    build_timeline,
    fit_reference,
    sustained_drift,
)
from workbench.monitor.until import UNTIL_PARAM, parse_until
from workbench.monitor.windows import (
    DEFAULT_PERIOD,
    PERIODS,
    Period,
    period_of,
    unknown_period_text,
)
from workbench.store.traffic import time_span
from workbench.store.traffic_windows import prediction_ids
from workbench.time_text import CLOCK_SECOND, SECOND, SHORT_MINUTE, when, whens
from workbench.ui import admin_simulation, resources

TTL_SECONDS = 60
FOLLOW_SECONDS = 5  # while calls arrive, the page looks for new ones this often
PERIOD_KEY, PERIOD_WRITTEN = "monitor.period", "monitor.url_period"


@st.cache_resource(max_entries=16, show_spinner="Fitting the drift and outlier detectors on the reference data...")
def reference_fit(model: str, _schema: ModelSchema, reference: pd.DataFrame) -> ReferenceFit:
    """The detectors fitted on a model's reference data, kept until that data changes (hashed by Streamlit)."""
    return fit_reference(_schema, reference, model)


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Reading the traffic by window...")
def timeline(database_url: str, model: str, source: str, period: str, last_call: float | None,
             _schema: ModelSchema, _reference: pd.DataFrame, segment: str | None = None,
             until: datetime | None = None) -> Timeline:
    """Cached per (database, model, source, period, last call, segment, until) for a minute: a rerun (a widget
    moved) reads nothing, and a new call (a later last call) reads again at once."""
    keep = None
    if segment:  # the segment's calls against the reference rows of the same segment, when it has enough
        chosen = parse_segment(segment)
        keep, inside = segment_keep(chosen), _reference[chosen.mask(_reference)]
        _reference = inside if len(inside) >= drift_service.MIN_ROWS else _reference
    fitted = reference_fit(model, _schema, _reference)
    return build_timeline(resources.engine(), model, _schema, _reference, source=source, period=period,
                          fitted=fitted, keep=keep, until=until)


def last_call(model: str) -> float | None:
    """When the model's latest call was logged (epoch seconds), None before any: two index seeks, read every run."""
    _first, last = time_span(resources.engine(), model)
    return None if last is None else last.timestamp()


def chosen_period() -> Period:
    """The period control's value, seeded once from a shared link (``?period=day``); a link's unknown value is
    refused with a reason and the default shown. Call before drawing the control."""
    linked = st.query_params.get("period")
    if linked is not None and linked != st.session_state.get(PERIOD_WRITTEN):
        st.session_state[PERIOD_WRITTEN] = linked
        if period_of(linked) is None:
            st.warning(md_escape(unknown_period_text(linked)), icon=":material/link_off:")
        else:
            st.session_state[PERIOD_KEY] = linked
    if period_of(st.session_state.get(PERIOD_KEY)) is None:
        st.session_state[PERIOD_KEY] = DEFAULT_PERIOD
    return PERIODS[st.session_state[PERIOD_KEY]]


def chosen_until() -> datetime | None:
    """The link's fixed end of the period (``?until=2026-12-05T14:00Z``), None for now; a malformed, future or
    absurd one is refused with a one-line reason and dropped from the address."""
    linked = st.query_params.get(UNTIL_PARAM)
    if linked is None:
        return None
    until, why = parse_until(linked, datetime.now(UTC))
    if until is None:
        st.warning(md_escape(why), icon=":material/link_off:")
        st.query_params.pop(UNTIL_PARAM, None)
    return until


def follow_control(box: Any, model: str, until: datetime | None) -> bool:
    """Whether the page follows new calls: with a fixed end there is nothing to follow, and ``box`` holds the
    one click back to now instead; else a live simulation follows, or the person's toggle decides."""
    if until is not None:
        if box.button("Back to now", key="monitor.now", icon=":material/update:",
                      help="End the period now instead of at the link's time; new calls can then be followed"):
            st.query_params.pop(UNTIL_PARAM, None)
            st.rerun()
        return False
    live = simulation_running(model)
    follow = live or box.toggle("Follow new calls", key="monitor.follow",
                                help=md("Look for new calls every {} s and redraw when there are", FOLLOW_SECONDS))
    if live:
        box.caption(md("Following a live simulation of {}", model))
    return follow


def keep_period_in_url(period: Period) -> None:
    """The period in the address while the page is open (the default leaves none), as the model is."""
    if period.key == DEFAULT_PERIOD:
        st.query_params.pop("period", None)
    else:
        st.query_params["period"] = period.key
    st.session_state[PERIOD_WRITTEN] = st.query_params.get("period")


def simulation_running(model: str) -> bool:
    """An admin's live simulation of ``model`` is sending calls from this app (Admin page)."""
    run = admin_simulation.current()
    return run is not None and run.running and run.model == model


def follow_new_calls(model: str, drawn: float | None, *, follow: bool) -> None:
    """While ``follow`` (a simulation runs, or the person asked), look for new calls every few seconds and
    redraw the page when there are; once the simulation ends, one last redraw."""
    simulating = simulation_running(model)
    drawing = [True]  # the run that draws the page calls watch() once itself: only the timer's runs may redraw

    @st.fragment(run_every=FOLLOW_SECONDS if follow else None)
    def watch() -> None:
        if drawing[0] or not follow:  # during the drawing run new calls arrive too: redrawing then never ends
            drawing[0] = False
            return
        if last_call(model) != drawn or (simulating and not simulation_running(model)):
            st.rerun(scope="app")

    watch()


def as_of_md(tl: Timeline, until: datetime | None = None) -> str:
    """When the log was read, to the second: "**As of 11:06:32 UTC**"; a link's fixed end with its day, and that
    it is not now: "**As of 05 Dec 14:00 UTC**, a fixed time from the link (not now)"."""
    if until is not None:
        return md("**As of {} UTC**, a fixed time from the link (not now)", when(until, SHORT_MINUTE))
    return md("**As of {} UTC**", when(tl.as_of, CLOCK_SECOND)) if tl.as_of else ""


def headline_md(tl: Timeline) -> str:
    """The period's one count of calls, its span and its windows (Markdown): "1,234 calls in the last hour, from
    07 Dec 10:06 to 07 Dec 11:06 (UTC), in 13 windows of 5 minutes."; and why the windows are wide, if widened."""
    w, plan = tl.windows, tl.plan
    # "in 2 windows of a week", never "2 week windows" (read as two weeks wide)
    windows = f"one window of {plan.width_words}" if len(w) == 1 else f"{len(w):,} windows of {plan.width_words}"
    start, end = tl.span or (plan.start, plan.end)
    text_md = md("{} {}, from {} to {} (UTC), in {}.", calls_text(tl), tl.period.words,
                 when(start, SHORT_MINUTE), when(end, SHORT_MINUTE), windows)
    if tl.widened:
        text_md += md(" Windows are this wide because calls are sparse: a window needs {} to be tested.",
                      count(drift_service.MIN_ROWS, "call"))
    return text_md


def calls_text(tl: Timeline) -> str:
    """"1,234 calls", or with batch-logged rows "1,234 calls from the request log and 5,000 rows scored in
    batches" (a batch row a logger also reported is counted once, as a call)."""
    w = tl.windows
    batch = int(w["batch_rows"].sum()) if "batch_rows" in w else 0
    calls = int(w["calls"].sum()) - batch
    return f"{count(calls, 'call')} from the request log and {count(batch, 'row')} scored in batches" if batch \
        else count(calls, "call")


def no_calls_md(model: str, tl: Timeline, until: datetime | None = None) -> str:
    """The empty state: nothing logged at all (and how calls get here), nothing up to a link's time, or nothing in
    the period asked for."""
    if until is not None and tl.calls_span is not None and tl.calls_span[0] > until:
        return md("No calls to {} {}: the first one was logged on {} (UTC), after this link's time. "
                  "Back to now shows them.", model, tl.period.words, when(tl.calls_span[0], SHORT_MINUTE))
    if tl.calls_span is None:
        return md("No calls to {} logged yet. ", model) + (
            "Predictions made on the Predict and Batch pages show here, and so do other applications' calls once "
            "the model's deployment sends its request logs to the workbench (an admin can start simulated traffic "
            "on Admin).")
    if until is not None:  # the log's last call may be after the link's time: no "last one" to name
        return md("No calls to {} {}. Choose a longer period to look further back, or Back to now for the latest "
                  "calls.", model, tl.period.words)
    return md("No calls to {} {}: the last one was logged on {} (UTC). Choose a longer period to see them.", model,
              tl.period.words, when(tl.calls_span[1], SHORT_MINUTE))


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
                     "smallest p-value": p_value(min(report.p_values.values()), report.threshold)})
    return pd.DataFrame(rows), ""


def case_links(model: str, tl: Timeline, n: int = 10) -> pd.DataFrame:
    """The strangest scored requests, each with a link to its case when it is a workbench prediction;
    times to the second, distances to three digits, columns named for people."""
    if tl.outliers.empty:
        return tl.outliers
    top = tl.outliers.sort_values("score", ascending=False, kind="stable").head(n).copy()
    ids = prediction_ids(resources.engine(), model, top["request_id"].astype(str).tolist())
    return pd.DataFrame({
        "time (UTC)": whens(top["time"], SECOND),
        "distance": top["score"].astype(float).map(number),
        "outlier": ["yes" if flag else "no" for flag in top["is_outlier"]],
        "source": top["source"], "request id": top["request_id"].astype(str),
        "case": [f"/history?prediction={ids[r]}" if r in ids else None for r in top["request_id"]]})


def sample_note(tl: Timeline, limit: int) -> str:
    """What the numbers were computed on, in words: every call, or a sample of how many of how many."""
    w = tl.windows
    if w.empty or w["min_p_value"].isna().all():  # nothing was tested: the page says why just below
        return ""
    scored, calls = int(w["scored_rows"].sum()), int(w["calls"].sum())
    answered = (w["sampled_rows"] >= w["calls"]).all() and (w["scored_rows"] >= w["answered_rows"]).all()
    outliers = ("Outliers are scored on every call." if answered else
                f"Outliers are scored on {scored:,} of the {calls:,} calls, drawn pseudo-randomly by call id.")
    if (w["sampled_rows"] >= w["calls"]).all() and (w["tested_rows"] >= w["answered_rows"]).all():
        return "Drift is tested on every call of each window. " + outliers
    return (f"Drift is tested on at most {limit:,} calls of a window, drawn pseudo-randomly by call id, the same "
            f"ones on every visit ({int(w['tested_rows'].sum()):,} of {calls:,} calls in all; the counts, errors "
            "and latency are of every call). " + outliers)


def window_sample_text(tl: Timeline, k: int) -> str:
    row = tl.windows.iloc[k]
    if row["tested_rows"] < row["answered_rows"]:
        return (f"Window {row['label']}: drift tested on a sample of {int(row['tested_rows']):,} of its "
                f"{int(row['calls']):,} calls (drawn pseudo-randomly by call id).")
    return f"Window {row['label']}: drift tested on all {int(row['tested_rows']):,} of its answered calls."


def feature_verdict_md(tl: Timeline, feature: str, k: int) -> str:
    """What the chart of ``feature`` in window ``k`` concludes: its p-value against the threshold (Markdown)."""
    start = tl.windows["window"].iloc[k]
    p = tl.p_values.at[feature, start] if feature in tl.p_values.index and start in tl.p_values.columns else None
    if p is None or pd.isna(p):
        return ""
    if p < tl.threshold:
        return md("Here {} has moved: p-value {}, under the threshold {:.3g}.", feature, p_value(p, tl.threshold),
                  tl.threshold)
    return md("Here {} has not moved beyond chance: p-value {}, above the threshold {:.3g}.", feature,
              p_value(p, tl.threshold), tl.threshold)


def drift_over_time(tl: Timeline, ranked: list[str]) -> None:
    """The p-value timeline and the features x windows heat map, each with what to conclude."""
    st.plotly_chart(charts.drift_timeline_figure(tl, ranked), key="monitor.timeline", width="stretch")
    st.caption("Each line is a feature (the six most shifted); a point under the dashed threshold means that "
               "feature's values in that window are unlike the reference. One window under it can be chance "
               "the correction allows for; several in a row is drift to act on.")
    st.plotly_chart(charts.heatmap_figure(tl, ranked), key="monitor.heatmap", width="stretch")
    st.caption(md("Rows are features, most shifted first; a cell is red when the feature's p-value in that window "
                  "is under the threshold {:.3g} (drift), grey when it is not (darker grey: nearer the line). A red "
                  "row that starts at one window says when that feature changed; a red column says everything "
                  "changed at once (a new source).", tl.threshold))


def drift_verdict(tl: Timeline, tested: pd.DataFrame) -> None:
    """One sentence on drift: sustained, in the latest window only, in the one window tested, or none."""
    sustained = sustained_drift(tl)
    if sustained:
        st.error("Drift: " + "; ".join(md("{} in {} windows running", n, k) for n, k in sustained.items()),
                 icon=":material/warning:")
    elif tested["is_drift"].iloc[-1]:
        latest = tested.iloc[-1]
        st.warning(md("The latest window ({}) drifted, most in {} (p-value {}); one window can be chance: the "
                      "next one confirms it.", latest["label"], latest["top_feature"],
                      p_value(latest["min_p_value"], tl.threshold)))
    elif len(tested) == 1:
        st.success(md("No drift in the one window tested so far ({}); whether drift lasts is judged from the "
                      "second window on.", tested["label"].iloc[0]))
    else:
        once = int(tested["is_drift"].sum())
        st.success(md("No sustained drift: no feature is under the threshold two windows running ({} of {} "
                      "crossed it once, as chance allows at 5% per window).", once, count(len(tested), "window")))
