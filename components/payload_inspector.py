"""The request made plain: exact JSON sent and received, and snippets that repeat the call."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from components.text import md
from mds_client import ModelRef
from workbench.predict.service import Result
from workbench.predict.snippets import curl_snippet, mds_client_snippet, requests_snippet, secret_headers


def render_payload(result: Result, *, ref: ModelRef, catalog: Path | str, key: str) -> None:
    st.caption(md("POST {}", result.url or ref.predict_url))
    request_tab, response_tab, curl_tab, python_tab, client_tab = st.tabs(
        ["Request JSON", "Response JSON", "curl", "Python", "mds_client"]
    )
    big = len(json.dumps(result.request)) > 4000
    with request_tab:
        st.json(result.request, expanded=not big)
        st.download_button("Download request.json", json.dumps(result.request, indent=2), "request.json",
                           "application/json", key=f"{key}.dl_request")
    with response_tab:
        st.json(result.response, expanded=True)
        st.download_button("Download response.json", json.dumps(result.response, indent=2), "response.json",
                           "application/json", key=f"{key}.dl_response")
    hidden = secret_headers(ref)
    reveal = False
    with curl_tab:
        if hidden:
            reveal = st.toggle("Show credentials", key=f"{key}.reveal", help=md(
                "The snippets read {} from the environment (MDS_...) unless shown.", ", ".join(hidden)))
        st.code(curl_snippet(ref, result.request, reveal=reveal), language="bash")
    with python_tab:
        st.code(requests_snippet(ref, result.request, reveal=reveal), language="python")
    with client_tab:
        st.code(mds_client_snippet(ref, catalog, result.inputs, result.request), language="python")
