"""Widgets of the Batch page: column plan with hand mapping, the file's preview with its bad cells, job progress,
summary, rejects, row picker, past jobs.

Each takes plain data from ``workbench.batch.service`` and never calls a server.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from components.numbers import confidence, count
from components.prediction_view import class_colours
from components.table_view import render_marked_table, render_table
from components.text import chart_text, md, md_escape, plain
from workbench.batch.columns import ColumnPlan
from workbench.batch.preview import BAD_ROWS_WORDS, FilePreview
from workbench.batch.views import JobSummary, JobView
from workbench.records import JobRecord
from workbench.time_text import when

NOT_MAPPED = "(not mapped)"
STATE_WORDS = {"queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed", "cancelled": "Cancelled"}


def render_column_plan(plan: ColumnPlan, file_columns: list[str], features: list[str], *, key: str) -> dict[str, str]:
    """Show how the file meets the model; return the hand-made map (file column -> feature)."""
    a, b, c = st.columns(3)
    a.metric("Columns matched", f"{len(plan.matched)} of {len(features)}")
    b.metric("Missing", len(plan.missing))
    c.metric("Not used", len(plan.extra))
    if plan.missing:
        st.error("Some columns the model needs are not in the file. Map a file column to each below.",
                 icon=":material/error:")
    for message in plan.messages():
        (st.warning if "looks wrong" in message else st.caption)(md_escape(message))
    hand: dict[str, str] = {}
    loose = {src: dst for src, dst in plan.column_map.items()}
    with st.expander("Column mapping", expanded=bool(plan.missing)):
        st.caption("Which column of the file feeds each feature of the model.")
        for feature in features:
            current = next((src for src, dst in loose.items() if dst == feature), feature if feature in file_columns
                           else NOT_MAPPED)
            options = [NOT_MAPPED, *file_columns]
            choice = st.selectbox(md_escape(feature), options, index=options.index(current) if current in options else 0,
                                  format_func=plain, key=f"{key}.map.{feature}")
            if choice != NOT_MAPPED and choice != feature:
                hand[choice] = feature
    return hand


BAD_CELLS_SHOWN = 200


def render_file_preview(preview: FilePreview, *, key: str) -> None:
    """The file's first rows with the cells the model would refuse marked, then every bad cell with its reason."""
    st.markdown("**The file before scoring**")
    if preview.numbers.ambiguous:
        st.warning(md("{} If the commas separate thousands, choose that under Numbers in this file.",
                      preview.numbers.note), icon=":material/warning:")
    elif preview.numbers.note:
        st.caption(md_escape(preview.numbers.note))
    rows = f"the first {len(preview.head):,} rows" if len(preview.head) < preview.checked else "every row"
    marks = "; bad cells in red" if preview.bad_cells else ""
    st.caption(md("{} Below, {}{}.", preview.counts_words(), rows, marks))
    head = preview.head.reset_index(drop=True)
    head.index = pd.RangeIndex(1, len(head) + 1, name="row")  # the file's data rows, 1 = the first
    render_marked_table(head, {(c.row, c.column) for c in preview.bad_cells if c.row <= len(head)},
                        key=f"{key}.head")
    if not preview.bad_cells:
        return
    cells = pd.DataFrame([{"row": c.row, "column": c.column, "value": c.value, "reason": c.reason}
                          for c in preview.bad_cells[:BAD_CELLS_SHOWN]], columns=["row", "column", "value", "reason"])
    more = len(preview.bad_cells) - len(cells)
    st.markdown(md("**Bad cells** ({}{})", count(len(preview.bad_cells), "cell"),
                   f"; the first {len(cells):,} below" if more else ""))
    render_table(cells, key=f"{key}.bad", drop_empty=False, own_headers=False)
    st.caption(BAD_ROWS_WORDS)


def render_progress(view: JobView, *, key: str, server_rate: bool = False) -> bool:
    """Progress of a running job; True when the person pressed Cancel. ``server_rate``: compare the job's speed
    with the server's own rate (for admins, who tune servers; an analyst only needs rows/s and time left)."""
    job = view.record
    speed = f"{view.rows_per_s:,.0f} rows/s" if view.rows_per_s else "starting"
    eta = f", about {_duration(view.eta_s)} left" if view.eta_s is not None else ""
    st.progress(view.fraction, text=md("{:,} of {:,} rows · {}{}", job.rows_done, job.rows_total, speed, eta))
    words = speed_words(view.rows_per_s, view.server_rows_per_s) if server_rate else ""
    if words:
        st.caption(md_escape(words))
    st.caption("You can leave this page: the job runs on, and comes back here when you return.")
    return st.button("Cancel", key=f"{key}.cancel", icon=":material/stop_circle:")


def speed_words(rows_per_s: float | None, server_rows_per_s: float | None) -> str:
    """The job's rows/s against the server's own rate, in plain words ('' when neither is known)."""
    if not rows_per_s:
        return f"Server's own rate: {server_rows_per_s:,.0f} rows/s on one large request." if server_rows_per_s else ""
    if not server_rows_per_s:
        return f"{rows_per_s:,.0f} rows/s."
    return (f"{rows_per_s:,.0f} rows/s, {rows_per_s / server_rows_per_s:.0%} of the server's own rate "
            f"({server_rows_per_s:,.0f} rows/s on one large request).")


def render_summary(job: JobRecord, summary: JobSummary, *, key: str, class_names: tuple[str, ...] = (),
                   server_rate: bool = False) -> None:
    """The job's counts, speed and predicted labels (each class in the colour Predict gives it, from the model's
    ``class_names``); ``server_rate`` as in ``render_progress``."""
    state = STATE_WORDS.get(job.state, job.state)
    if job.state == "failed":
        st.error(md("The job failed: {}", job.error), icon=":material/error:")
    elif job.state == "cancelled":
        st.warning(md("Cancelled after {}; the rows scored so far are in the results.", count(job.rows_done, "row")),
                   icon=":material/stop_circle:")
    # A row that wraps, each figure as wide as its text: in four equal columns "323 rows/s" was cut at 1024 px.
    row = st.container(horizontal=True, gap="medium", key=f"{key}.figures")
    row.metric("Rows scored", f"{summary.rows_scored:,}", width="content")
    row.metric("Rows rejected", f"{summary.rows_rejected:,}", width="content")
    row.metric("State", md_escape(state), width="content")
    rate, server = job.options.get("rows_per_s"), job.options.get("server_rows_per_s")
    row.metric("Speed", f"{float(rate):,.0f} rows/s" if rate else "–", width="content",
               help="Rows scored per second over the whole job, reading, checking and logging included.")
    words = speed_words(float(rate) if rate else None, float(server) if server else None) if server_rate else ""
    if words and server:
        st.caption(md_escape(words))
    if summary.labels:
        frame = pd.DataFrame({"label": [chart_text(label) for label in summary.labels],
                              "rows": list(summary.labels.values())})
        # one palette by class, by the model's class order: the colours of Predict's probability chart
        colours = class_colours([*class_names, *[str(c) for c in summary.labels if str(c) not in class_names]])
        fig = px.bar(frame, x="label", y="rows", color="label", title="Predicted labels",
                     color_discrete_map={chart_text(name): colour for name, colour in colours.items()},
                     labels={"label": "Predicted label", "rows": "Rows"})
        fig.update_layout(showlegend=False)
        st.plotly_chart(fig, key=f"{key}.labels")
    if summary.reasons:
        reasons = pd.DataFrame({"column": list(summary.reasons), "rows rejected": list(summary.reasons.values())})
        st.caption("Why rows were rejected (by column; the rejects file has each row's reason in plain words)")
        render_table(reasons, key=f"{key}.reasons")
    left, right = st.columns(2)
    _download(left, "Download results (CSV)", summary.results_path, f"{job.model}-results-{job.id}.csv", f"{key}.res")
    _download(right, "Download rejects (CSV)", summary.rejects_path, f"{job.model}-rejects-{job.id}.csv",
              f"{key}.rej")


def render_job_list(jobs: list[JobRecord], *, key: str) -> str | None:
    """The person's past jobs; returns the id of the one they open.

    A job shows as the first 8 characters of its id, as the picker under the table names it: the whole 32 ran
    the table past the right edge at 1024 px."""
    if not jobs:
        st.caption("No batch jobs yet. Upload a file above; a Start button appears under it.")
        return None
    table = pd.DataFrame([{
        "started": when(j.created), "model": j.model, "file": j.input_name,
        "state": STATE_WORDS.get(j.state, j.state), "rows": j.rows_total, "scored": j.rows_scored,
        "rejected": j.rows_rejected, "id": j.id[:8],
    } for j in jobs])
    render_table(table, key=f"{key}.table")
    labels = {j.id: plain(f"{j.model} · {j.input_name} · {STATE_WORDS.get(j.state, j.state)} ({j.id[:8]})", limit=120)
              for j in jobs}
    chosen = st.selectbox("Open a job", list(labels), format_func=labels.__getitem__, key=f"{key}.pick")
    return chosen if st.button("Open", key=f"{key}.open") else None


def _download(where, label: str, path: Path, name: str, key: str) -> None:
    if path.exists():
        where.download_button(md_escape(label), path.read_bytes(), file_name=name, mime="text/csv", key=key,
                              icon=":material/download:")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def render_rejects(rejects: pd.DataFrame, total: int, *, key: str) -> None:
    """Rejected rows with the reason in plain words; the first ones only (the rejects file has all)."""
    if rejects.empty:
        return
    shown = f"the first {len(rejects):,} of {total:,}" if total > len(rejects) else f"all {total:,}"
    st.markdown(md("**Rejected rows** ({}; download the rejects file for every one)", shown))
    render_table(rejects, key=f"{key}.table", drop_empty=False, own_headers=False)


def results_for_people(results: pd.DataFrame) -> pd.DataFrame:
    """Scored rows as a person reads them: confidence as a whole percent (as on Predict), each class's probability
    to 2 decimals; the results file keeps every digit."""
    shown = results.copy()
    for column in shown.columns:
        name = str(column)
        if name == "confidence":
            shown[column] = [confidence(v) for v in pd.to_numeric(shown[column], errors="coerce")]
        elif name.startswith("p(") and name.endswith(")"):
            shown[column] = [f"{v:.2f}" if v == v else "" for v in pd.to_numeric(shown[column], errors="coerce")]
    return shown


def render_row_picker(preview: pd.DataFrame, rows_done: int, *, key: str) -> int | None:
    """Pick a row of the results for feedback: by its number, with the first rows shown; the row or None."""
    if rows_done < 1:
        return None
    st.markdown("**Was a row scored right? Tell us**")
    if not preview.empty:
        st.caption(f"The first {len(preview):,} rows of the results (row = its number in the results file)")
        render_table(results_for_people(preview), key=f"{key}.preview", drop_empty=False, own_headers=False)
    number = st.number_input(f"Row number (1 to {rows_done:,})", min_value=1, max_value=rows_done, value=None, step=1,
                             key=f"{key}.number", placeholder="Type the number of a row",
                             help="1 is the first data row of the results file.")
    return int(number) if number is not None else None
