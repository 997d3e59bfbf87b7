"""A raw JSON payload editor: the fallback when a schema cannot be turned into a form."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from components.text import md_escape


def render_raw_json_editor(sample: dict[str, Any], *, key: str) -> tuple[dict[str, Any] | None, str | None]:
    """The parsed payload (or None) and a plain-words problem (or None)."""
    text_key = f"{key}.text"
    if text_key not in st.session_state:
        st.session_state[text_key] = json.dumps(sample, indent=2)
    cols = st.columns([1, 3])
    if cols[0].button("Sample payload", key=f"{key}.sample", help="Start again from a payload that fits the model."):
        st.session_state[text_key] = json.dumps(sample, indent=2)
    text = st.text_area("Payload (JSON)", key=text_key, height=280,
                        help="Sent as is to the model's endpoint from the catalog.")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"The payload is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        st.error(md_escape(problem), icon=":material/error:")
        return None, problem
    if not isinstance(payload, dict):
        problem = "The payload must be a JSON object ({ ... })."
        st.error(md_escape(problem), icon=":material/error:")
        return None, problem
    return payload, None
