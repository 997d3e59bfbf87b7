"""The Models page's search box and filters, kept in the address so a copied link shows the same models."""

from __future__ import annotations

import streamlit as st

from components.text import md, plain
from workbench.catalog.search import (
    PROTOCOLS,
    SOURCES,
    STATES,
    URL_KEYS,
    CatalogQuery,
    clean_text,
    from_url,
    to_url,
)
from workbench.store.feedback import models_with_feedback
from workbench.ui import resources

KEYS = {"text": "models.search", "protocols": "models.protocol", "states": "models.state",
        "sources": "models.source", "feedback": "models.feedback"}
PROTOCOL_KEYS, STATE_KEYS, SOURCE_KEYS = tuple(PROTOCOLS), tuple(STATES), tuple(SOURCES)  # ours, drawn by their words
WRITTEN = "models.search.url"  # the address parameters this session wrote last
NOTES = "models.search.notes"  # what was changed or ignored in the last query, said under the box


@st.cache_data(ttl=30, show_spinner=False)
def labelled_models(database_url: str) -> set[str]:
    """Models with live feedback in the workbench store (read at most every 30 s)."""
    return models_with_feedback(resources.engine())


def _set_widgets(query: CatalogQuery) -> None:
    for name, key in KEYS.items():
        value = getattr(query, name)
        st.session_state[key] = list(value) if isinstance(value, tuple) else value


def _clean_box() -> None:
    text, notes = clean_text(st.session_state.get(KEYS["text"], ""))
    st.session_state[KEYS["text"]] = text
    st.session_state[NOTES] = notes


def clear() -> None:
    """Back to every model (a button's callback: runs before the widgets are drawn again)."""
    _set_widgets(CatalogQuery())
    st.session_state[NOTES] = []


def catalog_filters() -> tuple[CatalogQuery, list[str]]:
    """Draw the search box and filters; the query they make, and notes on what was cut or ignored."""
    params = {key: st.query_params.get(key) for key in URL_KEYS if st.query_params.get(key)}
    if params and params != st.session_state.get(WRITTEN):  # a link someone opened: the address rules
        query, notes = from_url(params)
        _set_widgets(query)
        st.session_state[NOTES] = notes
    top = st.columns([5, 2])
    top[0].text_input("Search models", key=KEYS["text"], on_change=_clean_box,
                      placeholder="Name, description, card or input name",
                      help="Plain text, any case; every word must appear somewhere in the model's entry.")
    top[1].checkbox("Has feedback", key=KEYS["feedback"],
                    help="Only models someone gave feedback on (Correct / Wrong on a prediction).")
    # Pills, not drop-downs, each group on a row of its own: every choice visible and whole at 1024 px
    # (a narrow select cut "Model registry" to "Model re…"; pills side by side scrolled out of sight).
    on = sum(bool(st.session_state.get(KEYS[n])) for n in ("protocols", "states", "sources"))
    with st.expander(md("Filters ({} on)", on) if on else "Filters: protocol, status, source", expanded=bool(on)):
        st.pills("Protocol", PROTOCOL_KEYS, selection_mode="multi", key=KEYS["protocols"], format_func=PROTOCOLS.get)
        st.pills("Status", STATE_KEYS, selection_mode="multi", key=KEYS["states"], format_func=STATES.get,
                 help="Ready: the model answers. Alert firing, Warning and Healthy come from the team's alerts.")
        st.pills("Source", SOURCE_KEYS, selection_mode="multi", key=KEYS["sources"], format_func=SOURCES.get,
                 help="Registry: published from the Publish page or with mds publish.")
    text, cut = clean_text(st.session_state.get(KEYS["text"], ""))
    query = CatalogQuery(text, *(tuple(st.session_state.get(KEYS[n]) or ()) for n in ("protocols", "states", "sources")),
                         bool(st.session_state.get(KEYS["feedback"])))
    written = to_url(query)
    for key in URL_KEYS:
        if key in written:
            st.query_params[key] = written[key]
        elif key in st.query_params:
            del st.query_params[key]
    st.session_state[WRITTEN] = written
    notes = list(dict.fromkeys([*st.session_state.get(NOTES, []), *cut]))
    return query, notes


def with_feedback(query: CatalogQuery) -> set[str]:
    """The models with feedback, read only when the filter asks for them."""
    return labelled_models(resources.settings().database_url) if query.feedback else set()


def query_md(query: CatalogQuery) -> str:
    """The query in words, for "No model matches ...": the search text shown as text, never as Markdown."""
    parts: list[str] = []
    if query.text:
        parts.append(f"the search “{plain(query.text, limit=80)}”")
    for label, chosen, options in (("protocol", query.protocols, PROTOCOLS), ("status", query.states, STATES),
                                   ("source", query.sources, SOURCES)):
        if chosen:
            parts.append(f"{label} {' or '.join(options[c] for c in chosen)}")
    if query.feedback:
        parts.append("feedback given")
    return md(" and ".join("{}" for _ in parts), *parts)
