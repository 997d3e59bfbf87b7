"""The model picker at the top of every model-specific page; the choice is shared across pages."""

from __future__ import annotations

import streamlit as st

from components.text import md_escape, plain
from workbench.catalog.service import ModelEntry, status_text
from workbench.ui import resources, state
from workbench.ui.catalog import load_entries

URL_WRITTEN = "model_picker.url_model"  # the ?model= this session put in the address itself
BADGES = {"ready": f":green-badge[{status_text('ready')}]", "not ready": f":red-badge[{status_text('not ready')}]"}


def status_badge_md(status: str) -> str:
    """A coloured Markdown badge (no emoji: server browsers often lack an emoji font)."""
    return BADGES.get(status, ":gray-badge[Unknown]")


def _remember(widget_key: str) -> None:
    state.set_selected_model(st.session_state[widget_key])


def model_picker(entries: list[ModelEntry], *, page: str, label: str = "Model",
                 in_url: bool = False) -> ModelEntry | None:
    """A select box over ``entries``; starts on (and updates) the model chosen on any page.

    ``in_url``: the choice stays in the address (``?model=wine``) while the page is open, so a reload or a
    copied link opens the same model; elsewhere ``?model=`` is read once and removed.
    """
    if not entries:
        return None
    by_name = {e.name: e for e in entries}
    names = list(by_name)
    linked = st.query_params.get("model")
    if linked is not None:  # a shared link (``mds publish`` prints one): choose it once, then the picker rules
        ours = linked == st.session_state.get(URL_WRITTEN)  # what this session wrote: the widget rules, not it
        if not in_url:
            del st.query_params["model"]
        if linked in by_name and not ours:
            state.set_selected_model(linked)
    chosen = state.selected_model()
    if chosen not in by_name:
        chosen = names[0]
        state.set_selected_model(chosen)
    widget_key = f"{page}.model"
    # Another page may have changed the shared choice: bring this widget in line before it renders.
    if st.session_state.get(widget_key) != chosen:
        st.session_state[widget_key] = chosen
    name = st.selectbox(
        md_escape(label),
        names,
        key=widget_key,
        format_func=lambda n: plain(n if by_name[n].ready else f"{n} (not ready)", limit=120),
        on_change=_remember,
        args=(widget_key,),
    )
    if in_url:
        st.query_params["model"] = st.session_state[URL_WRITTEN] = name
    return by_name[name]


def _remember_version(widget_key: str, shared: str) -> None:
    st.session_state[shared] = st.session_state[widget_key]


def version_picker(entry: ModelEntry, *, page: str) -> ModelEntry:
    """For a model that serves several versions side by side: which one this page calls. It starts on the version
    callers get (or the one a link names, ``?version=2``) and the choice is shared across pages."""
    versions = list(entry.ref.versions)
    if len(versions) < 2:
        return entry
    callers_get = entry.ref.version
    shared = f"version.{entry.name}"
    linked = st.query_params.get("version")
    if linked is not None:  # ``mds publish`` prints a link to the version it published
        del st.query_params["version"]
        if linked in versions:
            st.session_state[shared] = linked
    chosen = st.session_state.get(shared, callers_get)
    if chosen not in versions:
        chosen = callers_get
    widget_key = f"{page}.version.{entry.name}"
    if st.session_state.get(widget_key) != chosen:
        st.session_state[widget_key] = chosen
    version = st.selectbox(
        "Version", versions, key=widget_key,
        format_func=lambda v: f"{v} (what callers get)" if v == callers_get else v,
        help="The versions this model serves side by side. Callers of the model get the one marked; the others "
             "answer here until a data scientist promotes one.",
        on_change=_remember_version, args=(widget_key, shared),
    )
    if version == callers_get:
        return entry
    return resources.entry_at_version(str(resources.settings().catalog_path), entry.name, version)


def pick_model(page: str, *, versions: bool = True, in_url: bool = False) -> ModelEntry:
    """The page's model: the catalogue loaded (or why not, then the page stops), the picker shown, and the version
    picker for a model that serves several (``versions=False`` where a page reads every version's traffic);
    ``in_url`` keeps the choice in the address (see `model_picker`)."""
    entries = load_entries()
    if entries is None:
        st.stop()
    entry = model_picker(entries, page=page, in_url=in_url)
    assert entry is not None  # load_entries returns None rather than an empty list
    return version_picker(entry, page=page) if versions else entry
