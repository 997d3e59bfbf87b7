"""Monitor: is the model still seeing data like its training data, and is it healthy? On all its traffic."""

from __future__ import annotations

import streamlit as st

from components import timeline_charts as charts
from components.numbers import count
from components.table_view import render_table
from components.text import md, md_escape
from mds_client import MDSError
from workbench.monitor import drift as drift_service
from workbench.monitor.glossary import TERMS
from workbench.monitor.timeline import SAMPLE_LIMIT, TOO_FEW, ranked_features
from workbench.monitor.windows import PERIODS
from workbench.ui import monitor as glue
from workbench.ui import monitor_segments as segments
from workbench.ui import resources
from workbench.ui.model_picker import pick_model
from workbench.ui.monitor_accuracy import render_accuracy
from workbench.ui.monitor_file import render_file_check
from workbench.ui.monitor_service import render_service

SOURCES = {"All logged traffic": "all", "Workbench predictions only": "workbench", "A file": "file"}

st.title("Watch a model's health")
entry = pick_model("monitor", versions=False, in_url=True)
ref, schema = entry.ref, entry.schema
reference = resources.reference_of(str(resources.settings().catalog_path), ref.name)
if schema is None or reference is None:
    st.info(md("Model '{}' needs a schema and reference data (", ref.name) + "`reference_data:` in the catalog) "
            "before its drift can be checked.", icon=":material/info:")
    st.stop()
glue.chosen_period()
until = glue.chosen_until()  # a link's fixed end of the period (?until=...), None for now
left, right = st.columns(2)
source = SOURCES[left.radio("Traffic to watch", list(SOURCES), horizontal=True, key="monitor.source",
                            format_func=md_escape)]
if source == "file":
    render_file_check(ref, schema, reference)
    st.stop()
period = PERIODS[right.radio("Period", list(PERIODS), horizontal=True, key=glue.PERIOD_KEY,
                             format_func=lambda k: md_escape(PERIODS[k].label))]
glue.keep_period_in_url(period)
status, refresh, follow_box = st.columns([4, 2, 3], vertical_alignment="center")
if refresh.button("Refresh", key="monitor.refresh", icon=":material/refresh:", help="Read the request log again now"):
    glue.timeline.clear()
follow = glue.follow_control(follow_box, ref.name, until)
last_call = glue.last_call(ref.name)
try:
    found = None if schema.tensor_feature is not None else segments.report_of(
        ref.name, period.key, last_call, tuple(schema.names), reference, until)
    segment = segments.choose_segment(segments.found_labels(found), key="monitor.segment", everything="All calls")
    tl = glue.timeline(resources.settings().database_url, ref.name, source, period.key, last_call, schema, reference,
                       segment.label if segment else None, until=until)
except MDSError as exc:
    st.error(md_escape(exc))
    st.stop()
if segment is not None:
    st.caption(segments.filtered_md(segment, tl, len(reference)))
glue.follow_new_calls(ref.name, last_call, follow=follow)
status.markdown(glue.as_of_md(tl, until))
if tl.empty:
    st.info(glue.no_calls_md(ref.name, tl, until), icon=":material/info:")
    st.stop()
w, plan = tl.windows, tl.plan
tested = w[w["min_p_value"].notna()]
st.caption(glue.headline_md(tl) + md(" {} {}", glue.sample_note(tl, SAMPLE_LIMIT), tl.method_note),
           help=md_escape(TERMS["ks"]))
few = w[w["status"] == TOO_FEW]
if tested.empty:  # one message, and no threshold box for tests that were not run
    st.warning(md("Not enough calls yet to test for drift: a window needs {} calls, the busiest has {}.",
                  drift_service.MIN_ROWS, int(w["tested_rows"].max())), icon=":material/hourglass_empty:")
if not few.empty and not tested.empty:
    st.warning(md("{} fewer than {} calls, so {} not tested (a p-value of a handful of calls is noise): {}.",
                  count(len(few), "window has", "windows have"), drift_service.MIN_ROWS,
                  "it is" if len(few) == 1 else "they are",
                  ", ".join(few["label"].head(8)) + ("..." if len(few) > 8 else "")))

# keyed and in the URL: the open tab stays open when a notice above it comes or goes, and a link can open it
drift_tab, outlier_tab, accuracy_tab, service_tab, segments_tab = st.tabs(
    ["Drift over time", "Outliers", "Accuracy", "Calls, errors and latency", "Where it fails"],
    key="tab", bind="query-params")
with drift_tab:
    ranked = ranked_features(tl)
    if tested.empty:
        st.caption("The drift charts appear once a window has enough calls (see above).")
    else:
        glue.drift_verdict(tl, tested)
        if len(tested) < 2:  # a chart over time of one window is a lone stack of dots: say it, draw the window
            st.caption("The charts over time start once two windows are tested; below, the window against the "
                       "reference, feature by feature.")
        else:
            glue.drift_over_time(tl, ranked)
        cols = st.columns(2)
        feature = cols[0].selectbox("Feature", ranked, key="monitor.feature")
        labels = {tl.windows["label"].iloc[k]: k for k in tl.matrices}
        chosen = cols[1].selectbox("Window", list(labels)[::-1], key="monitor.window")
        j, k = tl.feature_names.index(feature), labels[chosen]
        st.plotly_chart(charts.distribution_figure(tl.reference[:, j], tl.matrices[k][:, j], feature, chosen,
                                                   categories=tl.category_labels.get(j)),
                        key="monitor.distribution", width="stretch")
        st.caption(md_escape(glue.window_sample_text(tl, k)))
        verdict_md = glue.feature_verdict_md(tl, feature, k)
        st.caption("Grey bars are the reference data (what the model learned from), blue bars the window: where "
                   "the blue bars stand away from the grey ones, the feature has moved. " + verdict_md)
        if ref.drift is not None and st.toggle(md("Ask the deployed drift detector ({}) per window", ref.drift.name),
                                               key="monitor.server"):
            verdicts, message = glue.server_verdicts(ref, schema, tl)
            if message:
                st.warning(md_escape(message))
            render_table(verdicts, key="monitor.verdicts")
            st.caption("The detector server applies the same Bonferroni threshold; where it and the workbench "
                       "disagree, the workbench tested a sample of the window.")
        # the charts first; how they are tested under them, the terms folded (issue 27: paragraphs before any chart)
        st.caption(md("{} Every view of drift on this page uses this threshold.", tl.correction))
        with st.expander("What a p-value is, and why the threshold is shared"):
            st.caption(md_escape(TERMS["p_value"]) + " " + md_escape(TERMS["bonferroni"]))
with outlier_tab:
    if tl.outliers.empty:
        st.info("No window has enough rows to score yet.")
    else:
        st.plotly_chart(charts.outliers_over_time_figure(tl), key="monitor.outliers_time", width="stretch")
        st.caption("Red points lie farther from the reference data than 99% of it lies from itself: the same "
                   "check Predict makes beside an answer. A few are expected; a cloud of red in one period means "
                   "unusual inputs arrived then. " + md_escape(TERMS["outlier_score"]))
        render_table(glue.case_links(ref.name, tl), key="monitor.strangest", column_config={
            "case": st.column_config.LinkColumn("case", display_text="open case")})
        st.caption(md("The strangest requests {} (of every scored call); those made in the workbench open their case.",
                      tl.period.words))
with accuracy_tab:
    render_accuracy(ref, tl, segment)
with service_tab:
    render_service(ref, tl)
with segments_tab:
    if found is None:
        st.info("Segments are found on a table's features; this model takes an image or a tensor.",
                icon=":material/info:")
    else:
        segments.render_where_it_fails(found, ref.name)
