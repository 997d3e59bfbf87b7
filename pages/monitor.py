"""Monitor: is the model still seeing data like its training data, and is it healthy?"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.drift_charts import health_figure, outlier_figure, p_value_figure, timeline_figure
from components.text import md, md_escape
from mds_client import MDSError
from workbench.feedback import metrics as feedback_metrics
from workbench.monitor import drift as drift_service
from workbench.monitor import health as monitor_service
from workbench.ui import resources
from workbench.ui.model_picker import pick_model

SOURCES = ["Predictions made in the workbench", "A file", "The model's sample file"]

st.title("Watch a model's health")
entry = pick_model("monitor")
ref, schema = entry.ref, entry.schema
catalog = str(resources.settings().catalog_path)
reference = resources.reference_of(catalog, ref.name)
engine = resources.engine()

drift_tab, health_tab = st.tabs(["Drift and outliers", "Calls, errors and latency"])
with drift_tab:
    if schema is None or reference is None:
        st.info(md("Model '{}' needs a schema and reference data (", ref.name)
                + "`reference_data:` in the catalog) before its drift can be checked.", icon=":material/info:")
    else:
        days = 30
        source = st.radio("Compare the reference data with", SOURCES, horizontal=True, key="monitor.source")
        current: pd.DataFrame | None = None
        if source == SOURCES[0]:
            days = st.slider("Days of predictions", 1, 90, 30, key="monitor.days")
            logged = monitor_service.logged_inputs(engine, ref.name, schema, days=days)
            st.caption(md("{:,} predictions of {} logged in the last {} days.", len(logged), ref.name, days))
            current = logged[schema.names] if not logged.empty else None
        elif source == SOURCES[1]:
            upload = st.file_uploader("Inputs (CSV)", type=["csv"], key="monitor.upload")
            if upload is not None:
                try:
                    current = pd.read_csv(upload)
                except (ValueError, UnicodeDecodeError) as exc:
                    st.error(md("{} could not be read as CSV: {}", upload.name, exc))
        elif ref.sample_data is not None and ref.sample_data.exists():
            current = pd.read_csv(ref.sample_data)
        else:
            st.info("This model has no sample file (`sample_data:` in the catalog).")
        use_server = ref.drift is not None and st.toggle(
            md("Use the model's drift detector ({})", ref.drift.name), value=ref.drift is not None, key="monitor.server")
        if current is not None and st.button("Check drift", type="primary", key="monitor.run"):
            missing = [c for c in schema.names if c not in current.columns]
            if missing:
                st.error(md("The data lacks the column(s) {} that {} needs.", ", ".join(missing), ref.name))
            else:
                try:
                    with st.spinner("Comparing with the reference data..."):
                        if use_server:
                            report = drift_service.detect_drift_with_server(resources.client(), ref, schema, current)
                        else:
                            report = drift_service.detect_drift(schema, reference, current, model=ref.name)
                        scores = drift_service.outliers(schema, reference, current, model=ref.name)
                    st.session_state["monitor.result"] = (ref.name, report, scores)
                except MDSError as exc:
                    st.error(md_escape(exc))
        saved = st.session_state.get("monitor.result")
        if saved is not None and saved[0] == ref.name:
            _, report, scores = saved
            (st.error if report.is_drift else st.success)(md_escape(report.summary))
            st.caption(md("Method: {}; source: {}.", report.method, report.source))
            st.plotly_chart(p_value_figure(report), key="monitor.pvalues", width="stretch")
            st.download_button("Download per-feature results (CSV)", report.table().to_csv(index=False),
                               f"drift-{ref.name}.csv", "text/csv", key="monitor.drift_csv")
            flagged = int(scores["is_outlier"].sum())
            st.metric("Outliers", md("{} of {}", flagged, len(scores)),
                      help="Inputs stranger than 95% of the reference data (isolation forest).")
            st.plotly_chart(outlier_figure(scores), key="monitor.outliers", width="stretch")
        if source == SOURCES[0]:
            logged = monitor_service.logged_inputs(engine, ref.name, schema, days=days)
            try:
                timeline = drift_service.drift_timeline(schema, reference, logged, model=ref.name)
            except MDSError:
                timeline = pd.DataFrame(columns=["window", "rows", "min_p_value", "is_drift"])
            votes = feedback_metrics.feedback_frame(engine, feedback_metrics.FeedbackFilter(model=ref.name))
            accuracy = feedback_metrics.accuracy_over_time(votes).rename(columns={"period": "window"})
            if timeline["min_p_value"].notna().any() or not accuracy.empty:
                st.plotly_chart(timeline_figure(timeline, accuracy), key="monitor.timeline", width="stretch")
            else:
                st.caption("Drift over time appears once a day has at least 20 logged predictions; "
                           "accuracy appears once analysts give feedback.")
with health_tab:
    health = monitor_service.health(engine, ref.name)
    if health.empty:
        st.info(md("No calls to {} logged yet. Predictions made on the Predict and Batch pages show here.", ref.name))
    else:
        totals = st.columns(3)
        totals[0].metric("Calls (30 days)", int(health["calls"].sum()))
        totals[1].metric("Error rate", f"{health['errors'].sum() / max(1, health['calls'].sum()):.1%}")
        totals[2].metric("Median latency", f"{health['p50_ms'].median():.0f} ms" if health["p50_ms"].notna().any() else "-")
        st.plotly_chart(health_figure(health), key="monitor.health", width="stretch")
        st.download_button("Download (CSV)", health.to_csv(index=False), f"health-{ref.name}.csv", "text/csv",
                           key="monitor.health_csv")
