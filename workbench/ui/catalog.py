"""Loading the catalogue for a page, with the empty and broken states explained; a model's card worked out."""

from __future__ import annotations

import streamlit as st

from components.model_card import ModelCard
from components.text import md, md_escape
from mds_client import MDSError
from workbench.catalog.discovery import describe_discovery
from workbench.catalog.registry_link import registry_facts
from workbench.catalog.service import ModelEntry, schema_origin, schema_table, status_text
from workbench.ui import resources


def load_entries() -> list[ModelEntry] | None:
    """Every model with status, or None after showing why there is nothing (the page should stop)."""
    path = str(resources.settings().catalog_path)
    try:
        entries = resources.model_entries(path)
    except MDSError as exc:
        st.error(md_escape(exc))
        _how_to_add(path)
        return None
    if not entries:
        st.info(md("No models found in the {}.", describe_discovery(resources.settings())))
        _how_to_add(path)
        return None
    return entries


def _how_to_add(path: str) -> None:
    if resources.settings().discovery != "catalog":
        st.caption("Check the discovery settings (WORKBENCH_DISCOVERY, WORKBENCH_REPOSITORY_URL, "
                   "WORKBENCH_KUBE_*) on the Admin page.")
        return
    st.caption(
        "Start the local demo models with `python -m embedded_mds up`, or point WORKBENCH_CATALOG at a "
        + md("catalog YAML that lists your models (now: {}).", path)
    )


def model_card(entry: ModelEntry) -> ModelCard:
    """What ``components.model_card`` draws for ``entry``: its status in words and its inputs as a table."""
    schema = entry.schema
    facts = entry.ref.registered
    registry = {"registry_facts": registry_facts(facts), "registry_note": facts.note,
                "run_metrics": facts.metrics or None} if facts else {}
    if schema is None or schema.is_empty:
        return ModelCard(entry.ref, status_text(entry.ref.status), None, entry.schema_error, **registry)
    return ModelCard(entry.ref, status_text(entry.ref.status), schema_table(schema), entry.schema_error,
                     tuple(schema.class_names), schema_origin=schema_origin(schema), **registry)
