"""A raw JSON payload editor: the fallback when a schema cannot be turned into a form (or by choice).

It only draws and returns the text; reading it (size and depth limits first) and checking it
against the model is the payload check's job (``workbench.ui.payload_check.checked_raw_payload``).
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st


def render_raw_json_editor(sample: dict[str, Any], *, key: str) -> str:
    """The editor's text (a sample payload to start from)."""
    text_key = f"{key}.text"
    if text_key not in st.session_state:
        st.session_state[text_key] = json.dumps(sample, indent=2)
    cols = st.columns([1, 3])
    if cols[0].button("Sample payload", key=f"{key}.sample", help="Start again from a payload that fits the model."):
        st.session_state[text_key] = json.dumps(sample, indent=2)
    return st.text_area("Payload (JSON)", key=text_key, height=280,
                        help="Checked by the payload check, then sent to the model's endpoint from the catalog.")
