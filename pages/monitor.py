"""Monitor: is the model still seeing data like its training data, and is it healthy? On all its traffic."""

from __future__ import annotations

import streamlit as st

from components import timeline_charts as charts
from components.numbers import count
from components.prometheus_charts import series_figure
from components.table_view import render_table
from components.text import md, md_escape
from mds_client import MDSError
from workbench.monitor import drift as drift_service
from workbench.monitor import promql
from workbench.monitor.glossary import TERMS
from workbench.monitor.timeline import SAMPLE_LIMIT, TOO_FEW, ranked_features
from workbench.ui import monitor as glue
from workbench.ui import resources
from workbench.ui.model_picker import pick_model
from workbench.ui.monitor_accuracy import render_accuracy
from workbench.ui.monitor_file import render_file_check

SOURCES = {"All logged traffic": "all", "Workbench predictions only": "workbench", "A file": "file"}

st.title("Watch a model's health")
entry = pick_model("monitor", versions=False)
ref, schema = entry.ref, entry.schema
reference = resources.reference_of(str(resources.settings().catalog_path), ref.name)
if schema is None or reference is None:
    st.info(md("Model '{}' needs a schema and reference data (", ref.name) + "`reference_data:` in the catalog) "
            "before its drift can be checked.", icon=":material/info:")
    st.stop()
source = SOURCES[st.radio("Traffic to watch", list(SOURCES), horizontal=True, key="monitor.source",
                          format_func=md_escape)]

if source == "file":
    render_file_check(ref, schema, reference)
    st.stop()

try:
    tl = glue.timeline(resources.settings().database_url, ref.name, source, schema, reference)
except MDSError as exc:
    st.error(md_escape(exc))
    st.stop()
if tl.empty:
    st.info(md("No calls to {} logged yet. ", ref.name) + "Predictions made on the Predict and Batch pages show "
            "here, and so do other applications' calls once the model's deployment sends its request logs to the "
            "workbench (an admin can start simulated traffic on Admin).", icon=":material/info:")
    st.stop()
w, plan = tl.windows, tl.plan
tested = w[w["min_p_value"].notna()]
# "in 2 windows of a week", never "2 week windows" (read as two weeks wide)
windows = f"one window of {plan.width_words}" if len(w) == 1 else f"{len(w):,} windows of {plan.width_words}"
first, last = tl.calls_span or (plan.start, plan.end)
widened_md = md(" Windows are this wide because calls are sparse: a window needs {} to be tested.",
              count(drift_service.MIN_ROWS, "call")) if tl.widened else ""
st.caption(md("{} from {} to {} (UTC), in {}.", count(int(w["calls"].sum()), "call"), plan.label(first),
              plan.label(last), windows) + widened_md + md(" {} {}", glue.sample_note(tl, SAMPLE_LIMIT), tl.method_note),
           help=md_escape(TERMS["ks"]))
few = w[w["status"] == TOO_FEW]
if tested.empty:  # one message, and no threshold box for tests that were not run
    st.warning(md("Not enough calls yet to test for drift: a window needs {} calls, the busiest has {}.",
                  drift_service.MIN_ROWS, int(w["tested_rows"].max())), icon=":material/hourglass_empty:")
else:
    st.info(md("{} Every view of drift on this page uses this threshold.", tl.correction), icon=":material/rule:")
    st.caption(md_escape(TERMS["p_value"]) + " " + md_escape(TERMS["bonferroni"]))
if not few.empty and not tested.empty:
    st.warning(md("{} fewer than {} calls, so {} not tested (a p-value of a handful of calls is noise): {}.",
                  count(len(few), "window has", "windows have"), drift_service.MIN_ROWS,
                  "it is" if len(few) == 1 else "they are",
                  ", ".join(few["label"].head(8))))

drift_tab, outlier_tab, accuracy_tab, service_tab = st.tabs(
    ["Drift over time", "Outliers", "Accuracy", "Calls, errors and latency"])
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
with outlier_tab:
    if tl.outliers.empty:
        st.info("No window has enough rows to score yet.")
    else:
        st.plotly_chart(charts.outliers_over_time_figure(tl), key="monitor.outliers_time", width="stretch")
        st.caption("Red points are stranger than 95% of the reference data. A few are expected; a cloud of red in "
                   "one period means unusual inputs arrived then. " + md_escape(TERMS["outlier_score"]))
        render_table(glue.case_links(ref.name, tl), key="monitor.strangest", column_config={
            "case": st.column_config.LinkColumn("case", display_text="open case")})
        st.caption("The strangest requests; those made in the workbench open their case.")
with accuracy_tab:
    render_accuracy(ref, tl)
with service_tab:
    view = glue.prometheus_view(promql.metrics_name(ref), max(1.0, plan.width.total_seconds() * len(w) / 3600))
    if view.message:
        (st.info if view.informational else st.warning)(md_escape(view.message))
    else:
        st.metric("Calls since the model server started (Prometheus)", f"{view.totals.get('calls', 0):,.0f}")
        st.caption(md("From {}; every chart below is a query of ", view.url) + "`promql.QUERIES`.")
        for k, series in enumerate(view.series):
            st.plotly_chart(series_figure(series), key=f"monitor.prom.{k}", width="stretch")
            st.caption(md_escape(series.query.caption))
    st.plotly_chart(charts.health_figure(tl), key="monitor.health", width="stretch")
    st.caption("From the request log: every caller's calls per window, errors in red, mean latency (response time "
               "minus request time). A rise in errors or latency is the service, not the data.")
    st.download_button("Download per-window figures (CSV)", w.to_csv(index=False), f"monitor-{ref.name}.csv",
                       "text/csv", key="monitor.health_csv")
