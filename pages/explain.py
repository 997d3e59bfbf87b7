"""Explain: why a model answers as it does for one row of its reference data, what if it changed, and across the data.

A "case" elsewhere is a logged prediction (its own page); here the rows come from the reference data, so
they are called reference rows, not cases.
"""

from __future__ import annotations

import streamlit as st

from components.table_view import record_frame, render_table
from components.text import md, md_escape
from workbench.explain import service as explain_service
from workbench.ui import resources
from workbench.ui.explain_global import render_global_views
from workbench.ui.explain_whatif import render_whatif_panel
from workbench.ui.explain_why import render_why
from workbench.ui.model_picker import pick_model

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

image = explain_service.is_image(schema)
columns = schema.table_columns() if image else schema.names
tabs = st.tabs(["Why this answer"] if image else ["Why this answer", "What if an input changed", "Across all the data"])
with tabs[0]:
    st.write("Pick an example from the model's reference data (rows like those it was built on). To explain an "
             "input of your own, run it on Predict and open the answer's Why tab.")
    index = st.number_input(f"Reference row (1 to {len(reference):,})", 1, len(reference), 1, key="explain.row") - 1
    inputs = reference.iloc[int(index)][columns].to_dict()
    if not image:
        render_table(record_frame(inputs), key="explain.case_table")  # one row reads down, feature by feature
    render_why(ref, schema, inputs, reference, key="explain.case", what_if=False,
               action_md="Explain the answer for this row")  # what-if has its own tab
if not image:
    with tabs[1]:
        st.write(f"Reference row {int(index) + 1:,}, one input changed at a time.")
        render_whatif_panel(ref, schema, inputs, reference, key="explain.whatif")
    with tabs[2]:
        render_global_views(ref, schema, reference, key="explain.global")
