"""One prediction opened in full (a case): inputs, answer, cached explanation, feedback and where it went.

History opens it with ``?prediction=<id>``; the feedback review links there. Who may open whose case
is ``workbench.auth.can_open_case``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.case_view import render_case_facts, render_feedback_items, render_inputs
from components.explanation_view import render_explanation
from components.payload_inspector import render_payload
from components.prediction_view import render_result
from components.text import md, md_escape
from components.trace_view import render_trace
from mds_client import MDSError
from mds_client.transport.tracing import trace_link
from workbench.auth import can_open_case
from workbench.explain import service as explain_service
from workbench.feedback.capture import feedback_for_prediction
from workbench.predict.service import result_from_log
from workbench.predict.snippets import call_snippets
from workbench.store import get_prediction
from workbench.ui import resources, state
from workbench.ui.monitor_novelty import warn_if_unusual


def render_case(wanted: str) -> None:
    engine = resources.engine()
    row = get_prediction(engine, int(wanted)) if str(wanted).isdigit() else None
    if row is None:
        st.error(md("There is no prediction {}. It may have been made on another workbench.", wanted))
        return
    if not can_open_case(state.role(), state.username(), row.user, resources.settings()):
        st.error(md("Prediction {} was made by someone else; only its author, data scientists and admins "
                    "can open it.", row.id))
        return
    st.subheader(md("Prediction {}: {}", row.id, row.model))
    render_case_facts(row, key="history.facts")
    if getattr(row, "trace_id", None):
        render_trace(row.trace_id, trace_link(resources.settings().trace_url, row.trace_id), key="history.trace",
                     setup_hint=state.role() == "admin")  # a configuration hint: only admins can act on it
    result = result_from_log(row)
    if result is None:
        st.error(md_escape(row.error or "The call failed."))
    else:
        render_result(result, key="history.result")
        _warn_if_unusual(row)
    render_inputs(row.inputs, key="history.inputs")
    _explanation(engine, row)
    render_feedback_items(feedback_for_prediction(engine, row.id), key="history.feedback")
    if result is None:
        return
    try:
        ref = resources.ref_of(str(resources.settings().catalog_path), row.model)
    except MDSError:
        ref = None
    if ref is None:
        st.caption(md("Model '{}' is no longer in the catalog; the request is shown as it was sent.", row.model))
        st.json(result.request, expanded=False)
        return
    render_payload(result, call_snippets(ref, resources.settings().catalog_path, result), key="history.payload")
    if isinstance(row.inputs, dict) and st.button("Open in Predict with these inputs", key="history.reopen"):
        state.set_selected_model(row.model)
        state.set_form_values(row.model, row.inputs)
        for k in [k for k in st.session_state if str(k).startswith(f"predict.form.{row.model}.")]:
            del st.session_state[k]
        state.set_last_result(result)
        st.switch_page(state.page("predict"))


def _warn_if_unusual(row: object) -> None:
    """The warning Predict showed beside this answer, when its inputs lie far from the reference data."""
    model, inputs = getattr(row, "model", ""), getattr(row, "inputs", None)
    if not isinstance(inputs, dict):
        return
    try:
        schema = resources.schema_of(str(resources.settings().catalog_path), model)
    except MDSError:
        return  # a model no longer served: no schema to measure with, and the case says so below
    warn_if_unusual(model, schema, inputs)


def _explanation(engine: object, row: object) -> None:
    """The explanation computed for exactly these inputs before, if any (never computed here: that takes seconds)."""
    inputs = getattr(row, "inputs", None)
    if not isinstance(inputs, dict):
        return
    values = pd.DataFrame([inputs]).iloc[0].to_dict()
    for kind in ("anchor", "shap"):
        found = explain_service.cached(engine, row.model, row.version, kind, values)  # type: ignore[attr-defined]
        if found is not None:
            st.markdown("**Why** (explained earlier for these inputs)")
            render_explanation(found, key=f"history.why.{kind}")
            return
