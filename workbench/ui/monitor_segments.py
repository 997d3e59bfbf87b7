"""Where it fails: Monitor's table of the slices where a model's accuracy is worst and its traffic moved most,
and the segment filter that Monitor and Feedback review share.

The chosen segment is kept in the address (``?segment=channel = kiosk``), as the model and the period are,
so a link opens either page on it; a link's unreadable segment is refused with its reason and every call
shown. The segments are found by `workbench.monitor.segment_reads` (cached a minute per model, period and
latest call); the tables are drawn by `render_table`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pandas as pd
import streamlit as st

from components.table_view import render_table
from components.text import md, md_escape, plain
from mds_client import MDSError
from workbench.monitor.drift import MIN_ROWS as DRIFT_MIN_ROWS
from workbench.monitor.segment_reads import SegmentReport, model_segments
from workbench.monitor.segments import MIN_ROWS, MIN_SHIFT, Finding, Segment, parse_segment
from workbench.monitor.timeline import Timeline
from workbench.monitor.windows import PERIODS
from workbench.ui import resources

PARAM = "segment"
TTL_SECONDS = 60
HOW_TO_READ = ("A segment is one feature's range or category, or two together. Each interval holds at 95% for "
               "every segment checked at once, so chance alone lists none; a segment is listed only with at "
               "least {} rows and when its whole interval is below the model's overall accuracy (a pair: below "
               "each of its two parts). Tick a row for why it is listed.")


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Looking for the slices where the model fails...")
def segments_report(database_url: str, model: str, period: str, last_call: float | None,
                    _features: tuple[str, ...], _reference: pd.DataFrame | None,
                    until: datetime | None = None) -> SegmentReport:
    """Cached per (database, model, period, latest call's minute, until) for a minute: while a simulation sends calls
    every second, the search (up to 50,000 calls read) runs once a minute, not on every redraw. ``until``: the
    period ends at a link's fixed time instead of now."""
    length = PERIODS[period].length
    since = None if length is None else (until or datetime.now(UTC)) - length
    return model_segments(resources.engine(), model, features=list(_features), reference=_reference, since=since,
                          until=until)


def report_of(model: str, period: str, last_call: float | None, features: tuple[str, ...],
              reference: pd.DataFrame | None, until: datetime | None = None) -> SegmentReport:
    """`segments_report` of the calls up to ``last_call``'s minute (or up to ``until``)."""
    minute = None if last_call is None else float(last_call // TTL_SECONDS)
    return segments_report(resources.settings().database_url, model, period, minute, features, reference, until)


def choose_segment(found: list[str], *, key: str, everything: str) -> Segment | None:
    """A select box of the ``found`` segments and ``everything``, seeded from the address and kept in it."""
    written = f"{key}.url"
    linked = st.query_params.get(PARAM)
    if linked is not None and linked != st.session_state.get(written):
        st.session_state[written] = linked
        try:
            parse_segment(linked)
            st.session_state[key] = linked
        except MDSError as exc:
            st.warning(md_escape(exc), icon=":material/link_off:")
    current = st.session_state.get(key)
    choices = [everything, *found]
    if current and current not in choices:
        choices.append(current)  # a linked segment found no longer (another period) is still a valid filter
    if current not in choices:
        st.session_state[key] = everything
    chosen = st.selectbox("Segment", choices, key=key, format_func=plain,
                          help="Show only the calls in one of the segments listed under Where it fails")
    if chosen == everything:
        st.query_params.pop(PARAM, None)
    else:
        st.query_params[PARAM] = chosen
    st.session_state[written] = st.query_params.get(PARAM)
    return None if chosen == everything else parse_segment(chosen)


def filtered_md(segment: Segment, tl: Timeline, reference_rows: int) -> str:
    """What the filter changed, in one line under it."""
    w = tl.windows
    read = int(w["sampled_rows"].sum()) if not w.empty else 0
    inside = int(w["answered_rows"].sum()) if not w.empty else 0
    used = len(tl.reference) if tl.reference is not None else reference_rows
    start = "Drift, outliers and accuracy below are of the calls where {}: {} of the {} calls read, "
    end = ". Calls, errors and latency stay those of every call."
    if used < reference_rows:
        return md(start + "against the {} reference rows in the same segment" + end,
                  segment.label, f"{inside:,}", f"{read:,}", f"{used:,}")
    return md(start + "against all {} reference rows (fewer than {} of them are in the segment)" + end,
              segment.label, f"{inside:,}", f"{read:,}", f"{reference_rows:,}", DRIFT_MIN_ROWS)


def found_labels(report: SegmentReport | None) -> list[str]:
    """The report's segments, failing ones first, each once."""
    if report is None:
        return []
    findings = report.failing.findings + (report.drifting.findings if report.drifting else [])
    return list(dict.fromkeys(f.label for f in findings))


def review_link(model: str, label: str) -> str:
    """Feedback review at this model's cases in the segment (a link that works in a fresh browser)."""
    return f"/feedback_review?model={quote(model, safe='')}&{PARAM}={quote(label, safe='')}"


def accuracy_frame(findings: list[Finding], model: str) -> pd.DataFrame:
    return pd.DataFrame({
        "segment": [f.label for f in findings], "rows": [f.rows for f in findings],
        "accuracy": [f"{f.value:.0%}" for f in findings],
        "interval": [f"{f.low:.0%} to {f.high:.0%}" for f in findings],
        "cases": [review_link(model, f.label) for f in findings], "why listed": [f.reason for f in findings]})


def drift_frame(findings: list[Finding]) -> pd.DataFrame:
    return pd.DataFrame({
        "segment": [f.label for f in findings], "calls": [f.rows for f in findings],
        "share now": [f"{f.value:.1%}" for f in findings], "in reference": [f"{f.baseline:.1%}" for f in findings],
        "change": [f"{f.low * 100:+.0f} to {f.high * 100:+.0f} pts" for f in findings],
        "why listed": [f.reason for f in findings]})


def render_where_it_fails(report: SegmentReport, model: str) -> None:
    """The two tables (accuracy, drift) with how to read them, or a sentence saying why there are none."""
    failing, drifting = report.failing, report.drifting
    st.subheader("Where accuracy is lowest")
    (st.info if report.basis == "none" else st.caption)(md_escape(report.note))
    if failing.findings:
        render_table(accuracy_frame(failing.findings, model), key="monitor.segments.accuracy", details=["why listed"],
                     column_config={"cases": st.column_config.LinkColumn("Cases", display_text="review")})
        st.caption(md(HOW_TO_READ, MIN_ROWS) + md(" {} segments checked.", f"{failing.checked:,}"))
    elif report.basis != "none":
        st.success(md("No segment is surely worse than {} overall ({} segments of at least {} rows checked).",
                      model, f"{failing.checked:,}", MIN_ROWS), icon=":material/check_circle:")
    st.subheader("Where the traffic moved")
    if drifting is None:
        st.caption(md("Model '{}' has no reference data, so no segment's share can be compared with it.", model))
    elif drifting.findings:
        render_table(drift_frame(drifting.findings), key="monitor.segments.drift", details=["why listed"])
        st.caption(md("Each segment's share of the period's calls ({} of {} read) against its share of the "
                      "reference data; change in percentage points, its interval held for all {} segments "
                      "checked at once.", f"{drifting.rows:,}", f"{report.calls:,}", f"{drifting.checked:,}"))
    else:
        st.caption(md("No segment's share of the period's {} calls moved from the reference data by {} points or "
                      "more.", f"{report.calls:,}", round(MIN_SHIFT * 100)))
