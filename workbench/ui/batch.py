"""The batch service for this process (cached: its threads outlive reruns), the page's job key, and how an
uploaded file's numbers are read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from mds_client.batch.inputs import READING_WORDS, NumberReading, sniff_numbers
from workbench.batch.preview import reading_of
from workbench.batch.service import BatchService
from workbench.ui import resources

JOB_KEY = "batch.job"


@st.cache_resource(show_spinner=False)
def _service(url: str, home: str) -> BatchService:
    return BatchService(resources.engine(), resources.client(), Path(home))


def service() -> BatchService:
    s = resources.settings()
    return _service(s.database_url, str(s.home))


def save_upload(name: str, data: bytes) -> Path:
    """Keep an uploaded file under the home so that the job (and a resume) can read it."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = Path(resources.settings().home) / "jobs" / "uploads" / f"{digest}-{Path(name).name}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


def current_job() -> str | None:
    """The job on screen: session state, else the URL (so a browser refresh finds it again)."""
    job = st.session_state.get(JOB_KEY) or st.query_params.get("job")
    return str(job) if job else None


def set_current_job(job_id: str | None) -> None:
    st.session_state[JOB_KEY] = job_id
    if job_id:
        st.query_params["job"] = job_id
    elif "job" in st.query_params:
        del st.query_params["job"]


def number_reading(path: Path) -> NumberReading:
    """How the file's numbers are read: what its cells say, with a choice of the other readings whenever the
    file does not use plain decimal points (``13,5``; ``1,234`` could be either)."""
    found = sniff_numbers(path)
    if not found.note:
        return found
    options = list(READING_WORDS)
    choice = st.selectbox("Numbers in this file", options, index=options.index(found.key),
                          format_func=READING_WORDS.get, key=f"batch.numbers.{path.name}",
                          help="How the file writes numbers. Read from its cells; change it if the preview "
                               "below shows numbers read wrong.")
    return reading_of(path, choice)
