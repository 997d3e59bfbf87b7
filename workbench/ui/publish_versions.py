"""Below a model's card on Models: its versions in the model registry (the publish feature's read side), and,
for data scientists, promoting a served version to be the one callers get.

Kept apart from ``workbench.ui.publish`` so that the Models page, where everyone lands, does not import the
publishing service (model loading, the embedded MDS's writers) until someone promotes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from components.replay_view import render_replay
from components.table_view import render_table
from components.text import md, md_escape
from mds_client import MDSError
from mds_client.registry import MlflowRegistry
from workbench import auth
from workbench.catalog.service import ModelEntry
from workbench.errors import WorkbenchError
from workbench.publish.versions import find_registry, unserved_table, version_table
from workbench.ui import resources, state


@st.cache_data(ttl=30, show_spinner=False)
def _versions(name: str, callers_get: str | None, served: tuple[str, ...]) -> pd.DataFrame | None:
    settings = resources.settings()
    registry = find_registry(settings.home, settings.mlflow_uri, transport=resources.client().transport)
    return None if registry is None else version_table(registry, name, callers_get, served)


@st.cache_data(ttl=30, show_spinner=False)
def _unserved(served: frozenset[str]) -> pd.DataFrame | None:
    settings = resources.settings()
    registry = find_registry(settings.home, settings.mlflow_uri, transport=resources.client().transport)
    return None if registry is None else unserved_table(registry, set(served))


def registry_only_section(entries: list[ModelEntry]) -> None:
    """For those who publish: the registry's models that are not served here (registered, in front of nobody)."""
    if not auth.can_open(state.role(), "publish"):
        return
    try:
        # a model served under another name than it is registered by (a catalog's registry key) is served all the same
        table = _unserved(frozenset([e.name for e in entries] + [e.ref.registered.name for e in entries
                                                                  if e.ref.registered is not None]))
    except MDSError as exc:
        st.caption(md("The model registry could not be read: {}", exc))
        return
    if table is None or table.empty:
        return
    with st.expander(md("In the model registry, not served here ({})", len(table))):
        render_table(table, key="models.unserved", keep_whole=("model", "latest"))
        st.caption("Publish a version of one (Publish page, or mds publish) to put it in front of analysts; "
                   "in a cluster, mds publish --manifests writes its Seldon resources.")


def registry_versions_section(entry: ModelEntry) -> None:
    """Below a model's card: its versions in the model registry, when it is registered there."""
    facts = entry.ref.registered
    if facts is not None:  # registered by hand, served elsewhere: the version its catalog entry or resource names
        _linked_versions(entry, facts.name, facts.version)
        return
    served = entry.ref.versions or ((entry.ref.version,) if entry.ref.version else ())
    try:
        table = _versions(entry.name, entry.ref.version, served)
    except MDSError as exc:
        st.caption(md("The model registry could not be read: {}", exc))
        return
    if table is None:
        return
    st.markdown("**Versions in the model registry**")
    render_table(table, key=f"models.versions.{entry.name}", keep_whole=("version", "registered_utc"))
    if len(served) < 2:
        st.caption("Publish again to add a version: it answers beside this one until it is promoted.")
        return
    st.caption(md("Versions {} answer side by side: try one on Predict or Compare (its Version box), then promote it "
                  "so that callers get it.", ", ".join(served)))
    if auth.can(state.role(), "promote a version"):
        _replay_control(entry, served)
        _promote_control(entry, served)


def _linked_versions(entry: ModelEntry, name: str, version: str) -> None:
    if not version:
        return  # the registry could not say: the card's Registry line says why
    try:
        table = _versions(name, version, (version,))
    except MDSError as exc:
        st.caption(md("The model registry could not be read: {}", exc))
        return
    if table is None:
        return
    st.markdown(md("**Versions of {} in the model registry**", name))
    render_table(table, key=f"models.versions.{entry.name}", keep_whole=("version", "registered_utc"))
    st.caption(md("This model serves version {}; the others are served elsewhere or nowhere.", version))


PERIODS = {"the last day": timedelta(days=1), "the last week": timedelta(days=7), "all the log": None}
REPLAY_LIMIT = 50_000
"""The newest logged calls a replay from the page sends (the CLI's --limit takes more)."""


def _replay_control(entry: ModelEntry, served: tuple[str, ...]) -> None:
    """"What would change?": the model's logged traffic sent to another served version, before promoting it."""
    with st.expander("What would change? Replay the logged traffic to another version"):
        others = [v for v in served if v != entry.ref.version]
        left, right = st.columns(2)
        version = left.selectbox("Send to version", others, key=f"models.replay.version.{entry.name}")
        period = right.selectbox("Calls logged in", list(PERIODS), key=f"models.replay.period.{entry.name}")
        st.caption(md("Every caller's calls to {} (the newest {}), sent to version {} in one batch at the server's "
                      "pace; its answers are compared with those logged.", entry.name, f"{REPLAY_LIMIT:,}", version))
        key = f"models.replay.result.{entry.name}"
        if st.button(md("Replay to version {}", version), key=f"models.replay.go.{entry.name}"):
            # the replay reads the request log and scores a batch: only a replay pays for its imports
            from workbench.replay import ReplayError, replay

            since = PERIODS[period]
            start = datetime.now(UTC) - since if since else datetime(1970, 1, 1, tzinfo=UTC)
            try:
                with st.spinner(md("Replaying {}'s logged calls to version {}...", entry.name, version)):
                    st.session_state[key] = replay(resources.engine(), resources.client(), entry.ref,
                                                   entry.ref.at_version(version), start=start, limit=REPLAY_LIMIT)
            except (ReplayError, MDSError) as exc:
                st.session_state.pop(key, None)
                st.warning(md_escape(exc), icon=":material/info:")
        result = st.session_state.get(key)
        if result is not None:
            render_replay(result, key=f"models.replay.{entry.name}")


def _promote_control(entry: ModelEntry, served: tuple[str, ...]) -> None:
    others = [v for v in served if v != entry.ref.version]
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    version = left.selectbox("Promote version", others, key=f"models.promote.{entry.name}")
    if right.button(md("Callers get version {}", version), key=f"models.promote.go.{entry.name}"):
        # The publishing service writes the embedded MDS's catalog and the registry: only a promotion pays for it.
        from workbench.publish import embedded_target, promote, registry_url

        settings = resources.settings()
        try:
            registry = MlflowRegistry(registry_url(settings.home, settings.mlflow_uri),
                                      transport=resources.client().transport)
            promote(entry.name, version, registry=registry, target=embedded_target(settings.home),
                    user=state.username(), engine=resources.engine())
        except (MDSError, WorkbenchError) as exc:
            st.error(md("{} was not promoted: {}", entry.name, exc), icon=":material/error:")
            return
        resources.refresh()
        _versions.clear()
        st.success(md("Callers of {} now get version {}.", entry.name, version), icon=":material/check_circle:")
