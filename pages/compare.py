"""Compare: the same input sent to two or more models (or versions), answers side by side."""

from __future__ import annotations

import streamlit as st

from components.comparison_view import render_comparison
from components.numbers import count
from components.param_inputs import render_params
from components.text import md
from mds_client import split_version
from workbench.predict import service as predict_service
from workbench.ui import resources, state
from workbench.ui.catalog import load_entries
from workbench.ui.model_picker import model_picker, version_picker
from workbench.ui.predict_form import predict_form

st.title("Compare models on the same input")
entries = load_entries()
if entries is None:
    st.stop()
with_form = [e for e in entries if e.schema is not None and predict_service.form_supported(e.schema)]
if not with_form:
    st.info("No model here has a schema that a form can show, so there is nothing to compare.")
    st.stop()

picked = model_picker(with_form, page="compare", label="Model whose inputs to use")
assert picked is not None
base = version_picker(picked, page="compare")
assert base.schema is not None
# The model's other versions, and the models that take the same inputs, can answer the same question.
columns = set(base.schema.table_columns())
versions = [f"{base.name}@{v}" for v in base.ref.versions if v != base.ref.version]
candidates = versions + [e.name for e in with_form if e.name != base.name and set(e.schema.table_columns()) <= columns]  # type: ignore[union-attr]
others = st.multiselect(
    "Compare with", candidates, default=candidates[:1], key=f"compare.others.{base.ref.display_name}",
    help="This model's other versions (NAME@VERSION), and the models whose inputs are all in this form.",
)
if not candidates:
    st.caption(md("No other model takes the inputs of {}. Pick another model above.", base.name))

catalog = str(resources.settings().catalog_path)
reference = resources.reference_of(catalog, base.name)
form = predict_form(base.schema, key=f"predict.form.{base.name}", defaults=state.form_values(base.name),
                    reference=reference)
state.set_form_values(base.name, form.values)
params = render_params(base.schema.params, key=f"compare.params.{base.name}")  # once, for every model declaring them
catalog_path = str(resources.settings().catalog_path)
chosen = [base] + [resources.entry_at_version(catalog_path, *split_version(label)) for label in others if "@" in label] \
    + [e for e in with_form if e.name in others]
chosen = [e for e in chosen if e.schema is not None]
names = [e.ref.display_name for e in chosen]
to = " and ".join([", ".join(names[:-1]), names[-1]]) if 1 < len(names) <= 3 else count(len(names), "model")
# what the answers would be for: the inputs, the params and the models asked (another set is another question)
shown_inputs = state.inputs_fingerprint({"inputs": form.values, "parameters": params or {}, "models": names})
clicked = st.button(md("Send to {}", to), type="primary", key="compare.send",
                    disabled=not form.valid or len(chosen) < 2)
if clicked:
    with st.spinner("Asking the models..."):
        outcomes = predict_service.compare(
            resources.client(), resources.engine(), [(e.ref, e.schema) for e in chosen], form.values,  # type: ignore[misc]
            user=state.username(), parameters=params,
        )
    # The answers belong to the input that produced them: kept with the form and a digest of what was sent
    # (a digest, not the values: an unknown value is NaN, and NaN != NaN would mark every answer out of date).
    st.session_state["compare.outcomes"] = (base.name, shown_inputs, outcomes)
sent = st.session_state.get("compare.outcomes")
if sent and sent[0] == base.name:
    render_comparison(sent[2], key="compare.view", stale=sent[1] != shown_inputs)
