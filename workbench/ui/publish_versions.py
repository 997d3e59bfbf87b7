"""Below a model's card on Models: its versions in the model registry (the publish feature's read side).

Kept apart from ``workbench.ui.publish`` so that the Models page, where everyone lands, does not import the
publishing service (model loading, the embedded MDS's writers).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.table_view import render_table
from components.text import md
from mds_client import MDSError
from workbench.catalog.service import ModelEntry
from workbench.publish.versions import find_registry, version_table
from workbench.ui import resources


@st.cache_data(ttl=30, show_spinner=False)
def _versions(name: str, serving: str | None) -> pd.DataFrame | None:
    settings = resources.settings()
    registry = find_registry(settings.home, settings.mlflow_uri, transport=resources.client().transport)
    return None if registry is None else version_table(registry, name, serving)


def registry_versions_section(entry: ModelEntry) -> None:
    """Below a model's card: its versions in the model registry, when it is registered there."""
    try:
        table = _versions(entry.name, entry.ref.version)
    except MDSError as exc:
        st.caption(md("The model registry could not be read: {}", exc))
        return
    if table is None:
        return
    st.markdown("**Versions in the model registry**")
    render_table(table, key=f"models.versions.{entry.name}", keep_whole=("version", "registered_utc"))
    st.caption("Publish again to add a version; the version marked as serving is the one analysts call.")
