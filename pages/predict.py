"""Predict: a form built from the model's schema, the answer first, then why, the request, feedback."""

from __future__ import annotations

import streamlit as st

from components.param_inputs import render_params
from components.payload_check_view import render_rows
from components.payload_inspector import render_payload
from components.prediction_view import STALE_ERROR, render_result
from components.text import md, md_escape
from mds_client import ModelSchema
from workbench.predict import service as predict_service
from workbench.predict.snippets import call_snippets
from workbench.ui import resources, state
from workbench.ui.explain_why import render_why
from workbench.ui.feedback import feedback_tab
from workbench.ui.model_picker import pick_model
from workbench.ui.monitor_novelty import warn_if_unusual
from workbench.ui.payload_check import checked_raw_payload
from workbench.ui.predict_form import predict_form

st.title("Run a prediction")
entry = pick_model("predict")
ref, schema = entry.ref, entry.schema
catalog = str(resources.settings().catalog_path)
if not entry.ready:
    st.warning(md("Model '{}' is not ready ({}). ", ref.name, ref.status_reason or "no answer")
               + "You can fill the form; Predict will work once the server is back.", icon=":material/warning:")

reference = resources.reference_of(catalog, ref.name)
use_form = schema is not None and predict_service.form_supported(schema)
form_col, result_col = st.columns([3, 2], gap="large")  # room for two boxes of ~150 px at 1024 px
with form_col:
    if use_form:
        mode = st.segmented_control("Input", ["Form", "Raw JSON"], default="Form", key=f"predict.mode.{ref.name}")
    else:
        mode = "Raw JSON"
        st.info("This model's inputs cannot be shown as a form, so you can edit the JSON payload directly. "
                "A sample payload is filled in.", icon=":material/data_object:")
    if mode == "Raw JSON" or not use_form:
        sample = predict_service.sample_body(ref, schema or ModelSchema(), reference)
        payload = checked_raw_payload(entry, sample, key=f"predict.raw.{ref.name}")
        clicked = st.button("Predict", type="primary", key="predict.send_raw", disabled=payload is None)
        shown_inputs = state.inputs_fingerprint(payload)
        if clicked and payload is not None:
            state.set_answered_inputs(ref.name, shown_inputs)
            with st.spinner(md("Asking {}...", ref.name)):
                outcome = predict_service.predict_raw(resources.client(), resources.engine(), ref,
                                                      schema or ModelSchema(), payload,
                                                      user=state.username())
            state.set_last_result(outcome.result)
            state.set_last_error(ref.name, outcome.error)
            for warning in outcome.warnings:
                st.warning(md_escape(warning))
    else:
        assert schema is not None
        form = predict_form(schema, key=f"predict.form.{ref.name}", defaults=state.form_values(ref.name),
                            reference=reference)
        state.set_form_values(ref.name, form.values)
        params = render_params(schema.params, key=f"predict.params.{ref.name}")
        clicked = st.button("Predict", type="primary", key="predict.send", disabled=not form.valid,
                            icon=":material/play_arrow:")
        if not form.valid:
            st.caption("Fix the fields marked in red to predict.")
        shown_inputs = state.inputs_fingerprint({**form.values, "parameters": params} if params else form.values)
        if clicked and form.valid:
            state.set_answered_inputs(ref.name, shown_inputs)
            with st.spinner(md("Asking {}...", ref.name)):
                outcome = predict_service.predict(resources.client(), resources.engine(), ref, schema, form.values,
                                                  user=state.username(), parameters=params)
            state.set_last_result(outcome.result)
            state.set_last_error(ref.name, outcome.error)
            for warning in outcome.warnings:
                st.warning(md_escape(warning))

with result_col:
    error = state.last_error(ref.name)
    result = state.last_result()
    stale = state.answer_is_stale(ref.name, shown_inputs)
    if error:
        if stale:
            st.caption(STALE_ERROR)
        st.error(md_escape(error), icon=":material/error:")
    elif result is not None and result.model == ref.name and (not ref.versions or result.url == ref.predict_url):
        render_result(result, key="predict.result", stale=stale)
        warn_if_unusual(ref.name, schema, result.inputs)
        if result.rows is not None:
            render_rows(result.rows, ref.name, key="predict.rows")
        why, request, feedback = st.tabs(["Why", "Request", "Feedback"])
        with why:
            render_why(ref, schema, result.inputs, reference, key="predict.why")
        with request:
            render_payload(result, call_snippets(ref, catalog, result), key="predict.payload")
            if result.prediction_id is not None and state.page("history") is not None:
                st.page_link(state.page("history"), label="Permalink to this prediction",
                             icon=":material/link:", query_params={"prediction": str(result.prediction_id)})
        with feedback:
            feedback_tab(result, schema, key="predict.feedback")
    else:
        st.caption("The answer will show here. Fill the form and press Predict.")
