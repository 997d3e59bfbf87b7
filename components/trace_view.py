"""The trace id of a call, with a link to the tracing UI when one is configured (``WORKBENCH_TRACE_URL``)."""

from __future__ import annotations

import streamlit as st

TRACE_SETUP_HINT = "Set WORKBENCH_TRACE_URL to link traces to Jaeger or Tempo."


def render_trace(trace_id: str, url: str | None, *, key: str, setup_hint: bool = False) -> None:
    """The id as plain text (never Markdown); ``url`` is only ever a template filled with the hex id.
    ``setup_hint``: without a link, say how to configure one (for admins: analysts cannot act on it)."""
    left, right = st.columns([3, 1])
    left.text(f"Trace {trace_id}")
    if url:
        right.link_button("Open the trace", url, key=f"{key}.link")
    elif setup_hint:
        right.caption(TRACE_SETUP_HINT)
