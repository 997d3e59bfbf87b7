"""The "Across the data" tab: partial dependence, ALE and permutation importance as background jobs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.explanation_view import render_effects
from components.global_view import render_ale, render_importance
from components.text import md_escape
from mds_client import FeatureKind, ModelRef, ModelSchema
from workbench.explain import global_views
from workbench.explain import service as explain_service
from workbench.ui import explain_jobs, resources

VIEWS = {
    "Permutation importance": "importance",
    "Partial dependence": "pdp",
    "Accumulated local effects (ALE)": "ale",
}
_HELP = {
    "importance": "How much the model's answers change when one feature is shuffled: which features it relies on.",
    "pdp": "The average prediction as one feature changes, all else as in the reference data.",
    "ale": "Like partial dependence, but only over values the data really has: safer with correlated features.",
}


def render_global_views(ref: ModelRef, schema: ModelSchema, reference: pd.DataFrame, *, key: str) -> None:
    view = VIEWS[st.radio("View", list(VIEWS), horizontal=True, key=f"{key}.view", format_func=md_escape)]
    st.caption(_HELP[view])
    features: list[str] = []
    if view != "importance":
        numeric = [f.name for f in schema.features if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER)]
        options = numeric if view == "ale" else schema.names
        features = st.multiselect("Features", options, default=options[:2], key=f"{key}.features.{view}.{ref.name}")
        if not features:
            return
    job_key = f"{key}.job.{ref.name}.{view}.{','.join(features)}"
    if st.button("Compute", type="primary", key=f"{key}.run", icon=":material/insights:"):
        client = resources.client()
        work = {
            "importance": lambda b: global_views.permutation_importance(client, ref, schema, reference, budget=b),
            "ale": lambda b: global_views.ale(client, ref, schema, reference, features, budget=b),
            "pdp": lambda b: explain_service.feature_effects(client, ref, schema, reference, features, budget=b),
        }[view]
        explain_jobs.start(job_key, work, model=ref.name, label="Computing...")
    result = explain_jobs.result(job_key)
    if result is None:
        return
    classes = list(schema.class_names)
    if view == "importance":
        render_importance(result.table, result.measure, key=f"{key}.importance")
    elif view == "ale":
        render_ale(result, classes, key=f"{key}.ale")
    else:
        render_effects(result, classes, key=f"{key}.effects")
