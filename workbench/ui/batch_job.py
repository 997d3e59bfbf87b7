"""The Batch page's view of one job, moved unchanged out of pages/batch.py (the thin-page rule).

While the job runs a fragment redraws its progress every second (and offers Cancel); once it has
finished, the summary, Resume for a failed or cancelled job, the rejected rows, and one row to judge.
"""

from __future__ import annotations

import streamlit as st

from components.batch_view import render_progress, render_rejects, render_row_picker, render_summary
from components.param_inputs import parameters_line
from components.text import md, md_escape
from mds_client import MDSError
from workbench.catalog.service import ModelEntry
from workbench.ui import batch as glue
from workbench.ui import state
from workbench.ui.feedback import feedback_tab


def show_job(job_id: str, entries: list[ModelEntry]) -> None:
    """One job: live progress while it runs; then its summary, Resume, rejected rows and a row to judge."""
    service = glue.service()
    try:
        view = service.get(job_id)
    except MDSError as exc:
        st.error(md_escape(exc), icon=":material/error:")
        glue.set_current_job(None)
        return
    job = view.record
    st.subheader(md("{} with {}", job.input_name, job.model))
    if job.options.get("parameters"):
        st.caption(md("Model parameters sent with every row: {}", parameters_line(job.options["parameters"])))
    if job.active:
        _live(job_id)
        return
    job_entry = next((e for e in entries if e.name == job.model), None)
    render_summary(job, service.summary(job_id), key="batch.summary", server_rate=state.role() == "admin",
                   class_names=job_entry.schema.class_names if job_entry and job_entry.schema else ())
    if job.state in ("failed", "cancelled") and job_entry is not None and job_entry.schema is not None:
        if st.button("Resume", key="batch.resume", icon=":material/replay:",
                     help="Score the rows not done yet; the rows already scored are kept, none is scored twice."):
            try:
                service.resume(job_id, ref=job_entry.ref, schema=job_entry.schema)
            except MDSError as exc:
                st.error(md_escape(exc), icon=":material/error:")
            else:
                st.rerun()
    render_rejects(service.rejected_rows(job_id, schema=job_entry.schema if job_entry else None), job.rows_rejected,
                   key="batch.rejects")
    row = render_row_picker(service.preview(job_id), job.rows_done, key=f"batch.rows.{job_id}")
    if row is not None:
        try:
            scored = service.row(job_id, row)
        except MDSError as exc:
            st.error(md_escape(exc), icon=":material/error:")
            return
        if scored.status != "ok":
            st.info(md("Row {} was rejected ({}), so there is no answer to judge.", row, scored.error), icon=":material/info:")
        else:
            feedback_tab(scored, job_entry.schema if job_entry else None, key=f"batch.feedback.{job_id}")


@st.fragment(run_every=1.0)
def _live(job_id: str) -> None:
    service = glue.service()
    view = service.get(job_id)
    if not view.record.active:
        st.rerun()  # the whole page: the summary replaces the progress bar
    if render_progress(view, key="batch.progress", server_rate=state.role() == "admin"):  # rates are for admins
        service.cancel(job_id)
        st.toast("Stopping after the rows in flight; what is scored so far is kept.")
