"""Explanations off the script thread: a start button, a polling fragment with progress and cancel.

The job lives in session state under the caller's key; while it runs, a fragment redraws its
progress every half second (only that fragment reruns, so the rest of the page stays usable) and
triggers one full rerun when the job ends, so the result is drawn with the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.text import md, md_escape
from workbench.explain import jobs
from workbench.explain.budget import Budget
from workbench.ui import resources

POLL_SECONDS = 0.5


def start(key: str, work: Callable[[Budget], Any], *, model: str, label: str = "") -> None:
    old = st.session_state.get(key)
    if old is not None and not old.done:
        old.cancel()
    st.session_state[key] = jobs.start(work, seconds=resources.settings().explain_budget_s, model=model, label=label)


def job(key: str) -> jobs.ExplanationJob | None:
    return st.session_state.get(key)


@st.fragment(run_every=POLL_SECONDS)
def _running(key: str) -> None:
    current = job(key)
    if current is None:
        return
    if current.done:
        st.rerun()
    st.progress(current.progress, text=md("{} {}" if current.message else "{}", current.label, current.message))
    if st.button("Cancel", key=f"{key}.cancel", icon=":material/stop:"):
        current.cancel()


def result(key: str) -> Any:
    """The job's result once done; while running, its progress and a cancel button; errors in words."""
    current = job(key)
    if current is None:
        return None
    if not current.done:
        _running(key)
        return None
    if current.error:
        st.error(md_escape(current.error), icon=":material/hourglass_disabled:" if "too slow" in current.error
                 else ":material/error:")
        return None
    return current.result
