"""Models: the catalogue of every model the workbench knows, and each model's card."""

from __future__ import annotations

import streamlit as st

from components.alert_view import health_line_md
from components.model_card import kind_caption, render_model_card
from components.numbers import count
from components.table_view import render_table
from components.text import md, md_escape, unbroken
from mds_client import MDSError
from workbench.catalog.discovery import describe_discovery
from workbench.catalog.search import search
from workbench.catalog.service import catalogue_table, version_words
from workbench.ui import resources, state
from workbench.ui.alerts import model_states, monitor_link
from workbench.ui.catalog import load_entries, model_card
from workbench.ui.catalog_search import catalog_filters, clear, query_md, with_feedback
from workbench.ui.model_picker import model_picker, status_badge_md
from workbench.ui.publish_versions import registry_only_section, registry_versions_section

st.title("Find a model")
top = st.columns([4, 1])
top[0].caption(md("From {}", describe_discovery(resources.settings(), full_path=state.role() == "admin")))
if top[1].button("Refresh", icon=":material/refresh:", key="models.refresh", help="Check every model again."):
    resources.refresh()

entries = load_entries()
if entries is None:
    st.stop()

ready = sum(e.ready for e in entries)
# healthy / warning / firing from the alerts (Alertmanager, Prometheus); nothing is drawn where neither answers
health, _ = model_states(tuple(e.name for e in entries))
query, notes = catalog_filters()
for note in notes:
    st.caption(md_escape(note))
shown = search(entries, query, health=health, with_feedback=with_feedback(query))
if query.is_empty:
    st.caption(md("{}, {} ready.", count(len(entries), "model"), ready))
elif shown:
    st.caption(md("{} of {} shown: ", count(len(shown), "model"), len(entries)) + query_md(query) + ".")
else:
    st.info("No model matches " + query_md(query) + md(" (of the {} here).", count(len(entries), "model")))
    st.button("Clear the search and filters", key="models.clear", on_click=clear, icon=":material/filter_alt_off:")
for row_start in range(0, len(shown), 3):
    cols = st.columns(3)
    for col, entry in zip(cols, shown[row_start:row_start + 3], strict=False):
        with col.container(border=True, key=f"models.card.{entry.name}"):
            st.markdown(md("**{}** ", entry.name) + status_badge_md(entry.ref.status))
            st.caption(md_escape(entry.ref.description or "No description in the catalog."))
            if entry.name in health and health[entry.name].state != "unknown":
                st.markdown(health_line_md(health[entry.name]))
                if health[entry.name].state in ("firing", "warning"):
                    monitor_link(st, entry.name)
            # "V2 · version 1" read as two versions at odds: the model's version first, the wire named as one
            proto = {"seldon": "Seldon v1", "kserve-v1": "KServe V1"}.get(entry.ref.protocol, "V2") + " protocol"
            features = f"{entry.n_features} input{'s' if entry.n_features != 1 else ''}" if entry.n_features else "no schema"
            # Each fact whole on a line of a narrow tile (1024 px): "no" / "schema" split apart read as nonsense.
            st.caption(" · ".join(md_escape(unbroken(fact)) for fact in
                                  (version_words(entry.ref), features, proto)))
            if entry.ref.explainer is not None:
                st.caption(md("Explanations from a deployed explainer ({})", unbroken(entry.ref.explainer.name)))
            if kind := kind_caption(entry.ref):
                st.caption(md_escape(kind))
            if not entry.ready:
                st.caption(md("Not ready: {}", entry.ref.status_reason or "no answer"))
            if st.button("Try it", key=f"models.try.{entry.name}", type="primary" if entry.ready else "secondary"):
                state.set_selected_model(entry.name)
                predict = state.page("predict")
                if predict is not None:
                    st.switch_page(predict)

table = catalogue_table(shown)
if shown:
    with st.expander("All models as a table" if len(shown) == len(entries) else "These models as a table"):
        render_table(table, key="models.table", details=["reason", "explainer", "description"])
        st.download_button("Download (CSV)", table.to_csv(index=False), "models.csv", "text/csv", key="models.dl")

st.divider()
entry = model_picker(entries, page="models", label="Model card")
if entry is not None:
    metadata = None
    if entry.ready:
        try:
            metadata = resources.metadata_of(str(resources.settings().catalog_path), entry.name)
        except MDSError as exc:
            st.warning(md_escape(exc))
    render_model_card(model_card(entry), metadata=metadata, key="models.detail")
    registry_versions_section(entry)
registry_only_section(entries)
