"""A model's card: purpose, owner, use and limits, training data, metrics, schema; all as plain text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from components.numbers import number, percent
from components.table_view import record_frame, render_table
from components.text import md, md_escape, plain
from mds_client import ModelRef
from mds_client.refs import PROTOCOL_TITLES

CARD_FIELDS = [("owner", "Owner"), ("intended_use", "Intended use"), ("limitations", "Limitations"),
               ("training_data", "Training data"), ("grpc", "gRPC")]


@dataclass(frozen=True)
class ModelCard:
    """What the card shows, worked out by its controller (``workbench.ui.catalog.model_card``)."""

    ref: ModelRef
    status: str
    """The status as people read it ("Ready", "Not ready"); the card adds the server's reason."""
    inputs: pd.DataFrame | None
    """The input schema as a table (feature, kind, allowed, unit, description); None when there is no schema."""
    schema_error: str = ""
    """Why no schema could be read, when one could not."""
    class_names: tuple[str, ...] = ()
    schema_origin: str = ""
    """Where the inputs come from, in words ("the MLflow signature in the model registry")."""
    registry_facts: dict[str, str] | None = None
    """Facts of the registered version this model serves ("Registry": which, "Registered": by whom, when)."""
    registry_note: str = ""
    """What the model registry could not say (down, no such version, no signature), in a few words."""
    run_metrics: dict[str, float] | None = None
    """The metrics of the run that registered that version (shown when the catalog's card has none)."""


def render_model_card(card: ModelCard, *, metadata: dict[str, Any] | None, key: str) -> None:
    ref = card.ref
    st.subheader(md_escape(ref.name))
    if ref.description:
        st.text(plain(ref.description))
    facts = {"Protocol": PROTOCOL_TITLES.get(ref.protocol, ref.protocol),
             "Version": ref.version or "n/a", "Status": card.status + (f" ({ref.status_reason})" if ref.status_reason else ""),
             "Endpoint": ref.predict_url, "Tags": ", ".join(ref.tags) or "none",
             "Explainer": ref.explainer.explain_url if ref.explainer is not None else "none deployed"}
    if ref.grpc_url:
        facts["gRPC"] = f"{ref.grpc_url} ({'calls go here' if ref.uses_grpc else 'calls use REST'})"
    if ref.kind in ("experiment", "pipeline"):
        facts = {"Kind": f"Seldon Core v2 {ref.kind}", **facts}
    facts.update(card.registry_facts or {})
    render_table(record_frame(facts, ("fact", "value")), key=f"{key}.facts")
    if card.registry_note:
        st.caption(md("{}.", card.registry_note[:1].upper() + card.registry_note[1:]))
    render_routing(ref, key=key)
    written = ref.card or {}  # what the catalog's card says, as its owners wrote it
    left, right = st.columns(2)
    with left:
        for field, title in CARD_FIELDS:
            if written.get(field):
                st.markdown(md("**{}**", title))
                st.text(plain(written[field], limit=5_000))
    with right:
        metrics = written.get("metrics")
        if not (isinstance(metrics, dict) and metrics) and card.run_metrics:
            st.markdown("**Metrics** (logged by the run that registered this version)")
            metrics = card.run_metrics
        elif isinstance(metrics, dict) and metrics:
            st.markdown("**Metrics** (on held-out data)")
        if isinstance(metrics, dict) and metrics:
            shown = {m: metric_text(m, v) for m, v in metrics.items()}
            render_table(record_frame(shown, ("metric", "value")), key=f"{key}.metrics")
    st.markdown("**Inputs**")
    if card.inputs is None:
        st.info("This model publishes no input schema. Predict falls back to a raw JSON payload."
                + (md(" ({})", card.schema_error) if card.schema_error else ""))
    else:
        if card.schema_origin:
            st.caption(md("From {}.", card.schema_origin))
        render_table(card.inputs, key=f"{key}.schema", keep_whole=("kind", "allowed", "unit"))
        st.download_button("Download schema (CSV)", card.inputs.to_csv(index=False), f"{ref.name}-schema.csv",
                           "text/csv", key=f"{key}.dl_schema")
        if card.class_names:
            st.caption("Classes: " + md_escape(", ".join(card.class_names)))
    if metadata:
        with st.expander("Server metadata (as the server sends it)"):
            st.json(metadata, expanded=False)


# Metrics that are shares of cases: read as a percent ("100%"), not "1.0".
SHARE_METRICS = ("accuracy", "precision", "recall", "balanced_accuracy")


def metric_text(name: Any, value: Any) -> str:
    """One model-card metric for people: shares as percents, everything else rounded (components.numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return plain(value)
    if str(name).lower().replace(" ", "_") in SHARE_METRICS and 0 <= value <= 1:
        return percent(value)
    return number(value)


def kind_caption(ref: ModelRef) -> str:
    """One line for a catalogue tile: what an experiment splits between, what a pipeline chains."""
    if ref.kind == "experiment":
        text = f"Experiment over {len(ref.candidates)} candidate{'s' if len(ref.candidates) != 1 else ''}"
        return text + (f" · mirror {ref.mirror.name} ({ref.mirror.percent}%)" if ref.mirror else "")
    if ref.kind == "pipeline":
        return f"Pipeline of {len(ref.steps)} step{'s' if len(ref.steps) != 1 else ''}"
    return ""


def routing_tables(ref: ModelRef) -> pd.DataFrame | None:
    """An experiment's candidates (weight, share of traffic) or a pipeline's steps, as a table."""
    if ref.kind == "experiment" and ref.candidates:
        total = sum(c.weight for c in ref.candidates)
        return pd.DataFrame({"candidate": [c.name for c in ref.candidates],
                             "weight": [c.weight for c in ref.candidates],
                             "share of calls": [f"{100 * c.weight / total:.0f}%" if total else "n/a"
                                                for c in ref.candidates]})
    if ref.kind == "pipeline" and ref.steps:
        return pd.DataFrame({"step": [s.name for s in ref.steps],
                             "reads from": [", ".join(s.inputs) or "the pipeline's inputs" for s in ref.steps],
                             "runs when": [", ".join(s.triggers) or "its inputs arrive" for s in ref.steps]})
    return None


def render_routing(ref: ModelRef, *, key: str) -> None:
    """Seldon Core v2: where an experiment sends calls (and mirrors them), or a pipeline's steps."""
    if ref.kind not in ("experiment", "pipeline"):
        return
    table = routing_tables(ref)
    if ref.kind == "experiment":
        st.markdown("**Candidates** (each call goes to one, by weight)")
        if table is None:
            st.info("This experiment lists no candidates.")
        else:
            render_table(table, key=f"{key}.candidates")
        if ref.mirror:
            st.caption(md("Mirror: {}% of calls are also copied to {}; its answers are never returned.",
                          ref.mirror.percent, ref.mirror.name))
        else:
            st.caption("No mirror: calls are not copied anywhere.")
        return
    st.markdown("**Steps** (in order)")
    if table is None:
        st.info("This pipeline lists no steps.")
    else:
        render_table(table, key=f"{key}.steps")
