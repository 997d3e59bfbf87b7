"""The "Why" tab's glue: explain this input off the script thread, or ask what-if; draw the result.

Anchor rules and SHAP values call the model hundreds of times, so they run as a background job
with a time budget, progress and a cancel button; what-if is one call and runs at once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from components.explanation_view import render_explanation
from components.text import md, md_escape
from mds_client import ModelRef, ModelSchema
from workbench.explain import service as explain_service
from workbench.explain.explanation import Explanation
from workbench.ui import explain_jobs, resources
from workbench.ui.explain_whatif import render_whatif_panel

# Said as what each shows, the method's name after it for those who know it.
RULE_OWN = "A rule that keeps this answer (from the model's explainer)"
RULE_HERE = "A rule that keeps this answer (anchor, computed here)"
SHAP = "How much each input counted (SHAP)"
WHAT_IF = "What if an input changed"


def _methods(ref: ModelRef, schema: ModelSchema, *, what_if: bool) -> dict[str, str]:
    if explain_service.is_image(schema):
        return {"Heat map over the image": "occlusion"}
    anchor = RULE_OWN if ref.explainer is not None else RULE_HERE
    first = explain_service.default_method(ref, schema)
    methods = {anchor: "anchor", SHAP: "shap"}
    ordered = dict(sorted(methods.items(), key=lambda kv: kv[1] != first))
    return {**ordered, WHAT_IF: "whatif"} if what_if else ordered


def _help(method: str, ref: ModelRef) -> str:
    return {
        "anchor": ("A rule of a few conditions under which the model keeps this answer"
                   + (f", from {ref.explainer.name}." if ref.explainer is not None
                      else ", found by asking the model about similar cases.")),
        "shap": "How much each input pushed this answer up or down, against the reference data.",
        "occlusion": "Each pixel hidden in turn: the red ones are where the model looks.",
    }[method]


def render_why(ref: ModelRef, schema: ModelSchema | None, inputs: dict[str, Any] | None,
               reference: pd.DataFrame | None, *, key: str, what_if: bool = True,
               action_md: str = "Explain this prediction") -> None:
    """``what_if=False`` where the page has its own what-if tab (Explain): each thing is offered once.
    ``action_md``: the button's words (on Explain the row is an example, not a prediction someone made)."""
    problem = explain_service.explainable(schema)
    if problem or inputs is None or schema is None:
        st.caption(md_escape(problem or "Explanations need the inputs of the prediction."))
        return
    methods = _methods(ref, schema, what_if=what_if)
    choice = st.radio("Explain with", list(methods), horizontal=True, key=f"{key}.method.{ref.name}",
                      format_func=md_escape)
    method = methods[choice]
    if method == "whatif":
        render_whatif_panel(ref, schema, inputs, reference, key=f"{key}.whatif")
        return
    columns = schema.table_columns() if explain_service.is_image(schema) else schema.names
    row = pd.DataFrame([{n: inputs.get(n) for n in columns}])
    budget = resources.settings().explain_budget_s
    st.caption(md("{} Takes a few seconds; stops after {:g} s.", _help(method, ref), budget))
    digest = hashlib.sha256(row.to_json().encode()).hexdigest()[:16]
    job_key = f"{key}.job.{ref.name}.{method}.{digest}"
    if st.button(action_md, key=f"{key}.run", icon=":material/lightbulb:"):
        engine, client = resources.engine(), resources.client()
        explain_jobs.start(
            job_key,
            lambda b: explain_service.explain(engine, client, ref, schema, row, reference, kind=method, budget=b),
            model=ref.name, label="Explaining...")
    result = explain_jobs.result(job_key)
    if isinstance(result, Explanation):
        render_explanation(result, key=f"{key}.view")
