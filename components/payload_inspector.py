"""The request made plain: exact JSON sent and received, and snippets that repeat the call.

The snippets come written (``workbench.predict.snippets.call_snippets``): the widget only picks the hidden or
the revealed credentials, as the user asks.
"""

from __future__ import annotations

import json

import streamlit as st

from components.text import md
from workbench.predict.results import CallSnippets, Result


def render_payload(result: Result, snippets: CallSnippets, *, key: str) -> None:
    st.caption(md("POST {}", snippets.url))
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
    hidden = snippets.secret_headers
    reveal = False
    with curl_tab:
        if hidden:
            reveal = st.toggle("Show credentials", key=f"{key}.reveal", help=md(
                "The snippets read {} from the environment (MDS_...) unless shown.", ", ".join(hidden)))
        st.code(snippets.curl_revealed if reveal else snippets.curl, language="bash")
    with python_tab:
        st.code(snippets.python_revealed if reveal else snippets.python, language="python")
    with client_tab:
        st.code(snippets.mds_client, language="python")
