"""A page laid out as the app's (wide, its navigation beside it) showing a batch job's figures with wide values, for
tests/e2e/test_figures_screens.py: no model server is needed to see whether a figure is whole."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import streamlit as st

from components.batch_view import render_summary
from workbench.batch.views import JobSummary
from workbench.records import JobRecord


def batch_like() -> None:
    st.title("Score a file")
    job = JobRecord("j1", "ana", "grader", "in.csv", "", "done", 1234567, 1234567, 1234567, 0,
                    options={"rows_per_s": 12323.4})
    summary = JobSummary(1234560, 7, {}, {}, Path("/nonexistent"), Path("/nonexistent"))
    render_summary(job, summary, key="s")


def elsewhere() -> None:
    st.title("Elsewhere")


st.set_page_config(page_title="Figures", layout="wide")  # as workbench/app.py
st.navigation([st.Page(batch_like, title="Batch", default=True),
               *[st.Page(elsewhere, title=t, url_path=t.lower().replace(" ", "-")) for t in
                 ("Models", "Predict", "Compare", "Check a payload", "Explain", "History")]]).run()
