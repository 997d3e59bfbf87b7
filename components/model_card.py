"""A model's card: purpose, owner, use and limits, training data, metrics, schema; all as plain text."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.text import md, md_escape, plain, plain_frame
from workbench.catalog.service import ModelEntry, schema_table

CARD_FIELDS = [("owner", "Owner"), ("intended_use", "Intended use"), ("limitations", "Limitations"),
               ("training_data", "Training data")]


def render_model_card(entry: ModelEntry, *, metadata: dict[str, Any] | None, key: str) -> None:
    ref = entry.ref
    st.subheader(md_escape(ref.name))
    if ref.description:
        st.text(plain(ref.description))
    facts = {"Protocol": "Seldon v1" if ref.protocol == "seldon" else "V2 (Open Inference Protocol)",
             "Version": ref.version or "n/a", "Status": ref.status + (f" ({ref.status_reason})" if ref.status_reason else ""),
             "Endpoint": ref.predict_url, "Tags": ", ".join(ref.tags) or "none"}
    st.dataframe(pd.DataFrame({"": list(facts), "value": [plain(v) for v in facts.values()]}), hide_index=True,
                 width="stretch", key=f"{key}.facts")
    card = ref.card or {}
    left, right = st.columns(2)
    with left:
        for field, title in CARD_FIELDS:
            if card.get(field):
                st.markdown(md("**{}**", title))
                st.text(plain(card[field], limit=5_000))
    with right:
        metrics = card.get("metrics")
        if isinstance(metrics, dict) and metrics:
            st.markdown("**Metrics** (on held-out data)")
            st.dataframe(pd.DataFrame({"metric": [plain(m) for m in metrics],
                                       "value": [plain(v) for v in metrics.values()]}),
                         hide_index=True, width="stretch", key=f"{key}.metrics")
    st.markdown("**Inputs**")
    if entry.schema is None or entry.schema.is_empty:
        st.info("This model publishes no input schema. Predict falls back to a raw JSON payload."
                + (md(" ({})", entry.schema_error) if entry.schema_error else ""))
    else:
        table = schema_table(entry.schema)
        st.dataframe(plain_frame(table), hide_index=True, width="stretch", key=f"{key}.schema")
        st.download_button("Download schema (CSV)", table.to_csv(index=False), f"{ref.name}-schema.csv", "text/csv",
                           key=f"{key}.dl_schema")
        if entry.schema.class_names:
            st.caption("Classes: " + md_escape(", ".join(entry.schema.class_names)))
    if metadata:
        with st.expander("Server metadata (as the server sends it)"):
            st.json(metadata, expanded=False)
