"""The Monitor page's "A file" source: drift and outliers of an uploaded CSV against the reference data.

Moved unchanged out of pages/monitor.py (which keeps to the thin-page rule); the page calls it and stops.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.drift_charts import outlier_figure, p_value_figure
from components.text import md, md_escape
from mds_client import MDSError, ModelRef, ModelSchema
from workbench.monitor import drift as drift_service
from workbench.monitor.glossary import TERMS


def render_file_check(ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame) -> None:
    """An uploader; once a CSV is dropped, its drift verdict, p-values and outlier scores."""
    upload = st.file_uploader("Inputs (CSV)", type=["csv"], key="monitor.upload")
    if upload is not None:
        try:
            current = pd.read_csv(upload)
            report = drift_service.detect_drift(schema, reference, current, model=ref.name)
            scores = drift_service.outliers(schema, reference, current, model=ref.name)
        except (ValueError, UnicodeDecodeError) as exc:
            st.error(md("{} could not be read as CSV: {}", upload.name, exc))
        except MDSError as exc:
            st.error(md_escape(exc))
        else:
            (st.error if report.is_drift else st.success)(md_escape(report.summary))
            st.caption(md_escape(drift_service.correction_text(len(report.p_values))) + " " + md_escape(TERMS["p_value"])
                       + " " + md_escape(TERMS["bonferroni"]), help=md_escape(TERMS["ks"]))
            st.plotly_chart(p_value_figure(report), key="monitor.pvalues", width="stretch")
            st.metric("Outliers", f"{int(scores['is_outlier'].sum())} of {len(scores)}",
                      help=md_escape(TERMS["outlier_score"]))
            st.plotly_chart(outlier_figure(scores), key="monitor.outliers", width="stretch")
