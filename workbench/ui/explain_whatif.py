"""The what-if controller: pick a feature (or two), sweep it for this input, draw the answer."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.text import md, md_escape
from components.whatif_view import render_whatif, render_whatif_2d
from mds_client import FeatureKind, MDSError, ModelRef, ModelSchema
from workbench.explain import whatif as whatif_service
from workbench.explain.budget import Budget
from workbench.ui import resources

_SWEEPABLE = (FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.CATEGORY, FeatureKind.BOOLEAN)


def render_whatif_panel(ref: ModelRef, schema: ModelSchema, inputs: dict[str, Any],
                        reference: pd.DataFrame | None, *, key: str) -> None:
    names = [f.name for f in schema.features if f.kind in _SWEEPABLE]
    if not names:
        st.caption("This model has no number, category or yes/no input to sweep.")
        return
    st.caption("Change one input across its range, everything else as in this case; one call to the model.")
    cols = st.columns(2)
    feature = cols[0].selectbox("Feature to change", names, key=f"{key}.feature.{ref.name}",
                                help=md_escape(schema.feature(names[0]).description) or None)
    second = cols[1].selectbox("And a second one (heat map)", ["(none)", *[n for n in names if n != feature]],
                               key=f"{key}.second.{ref.name}")
    row = pd.DataFrame([{n: inputs.get(n) for n in schema.names}])
    saved_key = f"{key}.result"
    if st.button("Show what if", key=f"{key}.run", icon=":material/tune:"):
        budget = Budget(seconds=resources.settings().explain_budget_s, model=ref.name)
        try:
            with st.spinner(md("Asking {} about every value of {}...", ref.name, feature)):
                if second == "(none)":
                    answer: Any = whatif_service.what_if(resources.client(), ref, schema, row, feature, reference,
                                                         budget=budget)
                else:
                    answer = whatif_service.what_if_2d(resources.client(), ref, schema, row, (feature, second),
                                                       reference, budget=budget)
            st.session_state[saved_key] = (ref.name, row.to_json(), answer)
        except MDSError as exc:
            st.session_state.pop(saved_key, None)
            st.error(md_escape(exc))
    saved = st.session_state.get(saved_key)
    if saved is None or saved[0] != ref.name or saved[1] != row.to_json():
        return
    answer = saved[2]
    if isinstance(answer, whatif_service.WhatIf):
        render_whatif(answer, key=f"{key}.view")
    else:
        render_whatif_2d(answer, key=f"{key}.view")
