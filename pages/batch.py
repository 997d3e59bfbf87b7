"""Batch: score a whole file with one model; column check first, progress, summary, downloads, past jobs."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.batch_view import render_column_plan, render_file_preview, render_job_list
from components.param_inputs import render_params
from components.text import md, md_escape
from mds_client import MDSError
from mds_client.batch.scorer import BATCH_SIZE_CHOICES, DEFAULT_BATCH_SIZE, DEFAULT_WORKERS
from workbench.batch.columns import plan_columns, read_head
from workbench.batch.preview import preview_file
from workbench.batch.service import MAX_WORKERS
from workbench.ui import batch as glue
from workbench.ui import state
from workbench.ui.batch_job import show_job
from workbench.ui.catalog import load_entries
from workbench.ui.model_picker import model_picker, version_picker

UPLOAD_TYPES = ["csv", "txt", "parquet", "pq", "jsonl", "ndjson"]
UPLOAD, SAMPLE = "Upload a file", "Use the model's sample file"

st.title("Score a file")
entries = load_entries()
if entries is None:
    st.stop()
picked = model_picker(entries, page="batch")
assert picked is not None
entry = version_picker(picked, page="batch")
ref, schema = entry.ref, entry.schema
service = glue.service()


if schema is None or schema.is_empty:
    st.info(md("Model '{}' publishes no input schema, so its columns cannot be checked here. ", ref.name)
            + "Use `mds predict` from a terminal to score a file for it.", icon=":material/info:")
elif not entry.ready:
    st.warning(md("Model '{}' is not ready ({}). ", ref.name, ref.status_reason or "no answer")
               + "You can check a file; Start works once the server is back.", icon=":material/warning:")

source_path: Path | None = None
if schema is not None and not schema.is_empty:
    choices = [UPLOAD, *([SAMPLE] if ref.sample_data else [])]
    origin = st.segmented_control("Data", [UPLOAD, SAMPLE] if ref.sample_data else [UPLOAD], default=choices[0], key="batch.origin")
    if origin == SAMPLE and ref.sample_data:
        source_path = Path(ref.sample_data)
        st.caption(md("Sample file: {}", source_path.name))
    else:
        upload = st.file_uploader("CSV or text (.csv, .txt), Parquet (.parquet, .pq) or JSON lines (.jsonl, .ndjson); one row per case, "
                                  "one column per feature",
                                  type=UPLOAD_TYPES, key="batch.upload")
        if upload is not None:
            source_path = glue.save_upload(upload.name, upload.getvalue())

if source_path is not None and schema is not None:
    try:
        numbers = glue.number_reading(source_path)
        head = read_head(source_path, numbers=numbers)
        preview = preview_file(source_path, schema, None, numbers=numbers)
    except MDSError as exc:
        st.error(md_escape(exc), icon=":material/error:")
        st.stop()
    features = schema.table_columns()
    file_columns = [str(c) for c in head.columns]
    hand = st.session_state.get(f"batch.hand.{ref.name}", {})
    plan = plan_columns(head, schema, hand)
    new_hand = render_column_plan(plan, file_columns, features, key=f"batch.plan.{ref.name}")
    if new_hand != hand:
        st.session_state[f"batch.hand.{ref.name}"] = new_hand
        st.rerun()
    if plan.column_map:
        preview = preview_file(source_path, schema, plan.column_map, numbers=numbers)
    render_file_preview(preview, key=f"batch.preview.{ref.name}")
    with st.expander("Options"):
        workers = st.slider("Parallel requests", 1, MAX_WORKERS, DEFAULT_WORKERS, key="batch.workers")
        batch_size = st.select_slider("Rows per request", BATCH_SIZE_CHOICES, DEFAULT_BATCH_SIZE, key="batch.size")
    params = render_params(schema.params, key=f"batch.params.{ref.name}")  # one value each, for every row
    start = st.button("Start", type="primary", key="batch.start", icon=":material/play_arrow:",
                      disabled=not plan.ok or not entry.ready)
    if start:
        try:
            job_id = service.start(user=state.username(), ref=ref, schema=schema, source=source_path,
                                   input_name=source_path.name.split("-", 1)[-1] if source_path.parent.name == "uploads"
                                   else source_path.name,
                                   column_map=plan.column_map, batch_size=batch_size, workers=workers,
                                   numbers=numbers.key, parameters=params)
        except MDSError as exc:
            st.error(md_escape(exc), icon=":material/error:")
        else:
            glue.set_current_job(job_id)

current = glue.current_job()
if current:
    st.divider()
    show_job(current, entries)

st.divider()
st.subheader("Your batch jobs")


@st.fragment(run_every=2.0)
def job_list() -> None:
    # Redrawn every 2 s so that a job's state is live here too ("Running" turns "Done" without a click).
    opened = render_job_list(service.jobs(state.username()), key="batch.jobs")
    if opened:
        glue.set_current_job(opened)
        st.rerun(scope="app")


job_list()
