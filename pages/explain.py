"""Explain: why a model answers as it does, for one case and across the data."""

from __future__ import annotations

import streamlit as st

from components.explanation_view import render_effects
from components.text import md, md_escape
from mds_client import MDSError
from workbench.explain import service as explain_service
from workbench.ui import resources
from workbench.ui.model_picker import pick_model
from workbench.ui.why import render_why

st.title("Understand a model's answers")
entry = pick_model("explain")
ref, schema = entry.ref, entry.schema
catalog = str(resources.settings().catalog_path)
reference = resources.reference_of(catalog, ref.name)
problem = explain_service.explainable(schema)
if problem or schema is None:
    st.info(md_escape(problem or "No schema."), icon=":material/info:")
    st.stop()
if reference is None or reference.empty:
    st.info(md("Model '{}' has no reference data (", ref.name) + "`reference_data:` in the catalog) to explain against.")
    st.stop()

one_case, effects_tab = st.tabs(["One case", "Feature effects"])
with one_case:
    st.write("Pick a case from the reference data; to explain your own input, use the Why tab on Predict.")
    index = st.number_input("Case (row of the reference data)", 1, len(reference), 1, key="explain.row") - 1
    inputs = reference.iloc[int(index)][schema.names].to_dict()
    st.dataframe(reference.iloc[[int(index)]][schema.names], hide_index=True)
    render_why(ref, schema, inputs, reference, key="explain.case")
with effects_tab:
    st.write("How the average prediction moves as one feature changes, all else as in the reference data.")
    chosen = st.multiselect("Features", schema.names, default=schema.names[:2], key=f"explain.features.{ref.name}")
    if chosen and st.button("Compute feature effects", type="primary", key="explain.effects_run"):
        try:
            with st.spinner("Sweeping each feature..."):
                st.session_state["explain.effects"] = (ref.name, explain_service.feature_effects(
                    resources.client(), ref, schema, reference, chosen))
        except MDSError as exc:
            st.error(md_escape(exc))
    saved = st.session_state.get("explain.effects")
    if saved is not None and saved[0] == ref.name:
        render_effects(saved[1], list(schema.class_names), key="explain.effects")
