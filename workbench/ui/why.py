"""The "Why" tab's glue: explain this input on demand (explanations take seconds) and draw the result."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.explanation_view import render_explanation
from components.text import md, md_escape
from mds_client import MDSError, ModelRef, ModelSchema
from workbench.explain import service as explain_service
from workbench.ui import resources


def render_why(ref: ModelRef, schema: ModelSchema | None, inputs: dict[str, Any] | None,
               reference: pd.DataFrame | None, *, key: str) -> None:
    problem = explain_service.explainable(schema)
    if problem or inputs is None or schema is None:
        st.caption(md_escape(problem or "Explanations need the inputs of the prediction."))
        return
    how = (f"the model's explainer ({ref.explainer.name}, an anchor rule)" if ref.explainer is not None
           else "SHAP values computed here against the reference data")
    st.caption(md("Uses {}. It calls the model a few hundred times and takes a few seconds.", how))
    row = pd.DataFrame([{n: inputs.get(n) for n in schema.names}])
    cache_key = f"{key}.{ref.name}.{hash(tuple(map(str, row.iloc[0].tolist())))}"
    if st.button("Explain this prediction", key=f"{key}.run", icon=":material/lightbulb:"):
        try:
            with st.spinner("Explaining..."):
                st.session_state[cache_key] = explain_service.explain(
                    resources.engine(), resources.client(), ref, schema, row, reference)
        except MDSError as exc:
            st.error(md_escape(exc))
    result = st.session_state.get(cache_key)
    if result is not None:
        render_explanation(result, key=f"{key}.view")
