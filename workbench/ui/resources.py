"""Shared resources, cached once per process (client, engine) or for a short while (catalog reads)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from mds_client import MDSClient, ModelNotFound, ModelRef, ModelSchema, Timeout, Transport
from mds_client.server_info import ServerInfo
from workbench.catalog.discovery import describe_discovery
from workbench.catalog.service import (
    ModelEntry,
    check_models,
    discover_models,
    offline_schema,
    read_catalog,
    reference_frame,
    with_registry,
)
from workbench.settings import Settings, get_settings
from workbench.store import open_store

if TYPE_CHECKING:
    from sqlalchemy import Engine


def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner=False)
def _client(connect: float, read: float) -> MDSClient:
    return MDSClient(Transport(timeout=Timeout(connect, read)))


def client() -> MDSClient:
    s = settings()
    return _client(s.connect_timeout, s.read_timeout)


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    # SQLAlchemy and the store load on first use: the catalogue page paints without them.
    return open_store(url)


def engine() -> Engine:
    return _engine(settings().database_url)


def list_refs(path: str) -> list[ModelRef]:
    """The models of the configured discovery (uncached; raises MDSError).

    ``path`` is the catalog file for catalog discovery (the default); the other backends are
    described entirely by the settings, which are read once per process, so pages keep passing
    the catalog path as the cache key.
    """
    s = settings()
    if s.discovery == "catalog":
        return with_registry(read_catalog(path), s, client().transport)
    return discover_models(s, transport=client().transport)


@st.cache_data(ttl=30, show_spinner=False)
def catalog_refs(path: str) -> list[ModelRef]:
    """The discovered models (raises MDSError); for the catalog, no server contacted."""
    return list_refs(path)


@st.cache_data(ttl=30, show_spinner="Checking the models...")
def model_entries(path: str) -> list[ModelEntry]:
    """Every model with status and schema, checked concurrently."""
    return check_models(client(), list_refs(path))


@st.cache_data(ttl=30, show_spinner=False)
def entry_at_version(path: str, name: str, version: str) -> ModelEntry:
    """Model ``name`` called at ``version`` (one of those it serves), with that version's status and schema."""
    return check_models(client(), [_ref(path, name).at_version(version)])[0]


@st.cache_data(ttl=300, show_spinner=False)
def schema_of(path: str, name: str) -> ModelSchema:
    ref = _ref(path, name)
    return client().schema(ref) if client().status(ref).status == "ready" else offline_schema(ref)


@st.cache_data(ttl=600, show_spinner=False)
def reference_of(path: str, name: str) -> pd.DataFrame | None:
    return reference_frame(_ref(path, name))


@st.cache_data(ttl=300, show_spinner=False)
def metadata_of(path: str, name: str) -> dict:
    return client().metadata(_ref(path, name))


@st.cache_data(ttl=300, show_spinner=False)
def server_of(path: str, name: str) -> ServerInfo:
    """Which V2 server serves the model (its ``GET /v2``): the payload check applies that server's own rules."""
    return client().server_info(_ref(path, name))


def ref_of(path: str, name: str) -> ModelRef:
    return _ref(path, name)


def _ref(path: str, name: str) -> ModelRef:
    for ref in catalog_refs(path):
        if ref.name == name:
            return ref

    where = describe_discovery(settings())
    raise ModelNotFound(f"Model '{name}' is not in the {where}.", model=name)


def refresh() -> None:
    """Forget cached catalog reads, statuses and schemas (the Refresh button)."""
    for fn in (catalog_refs, model_entries, entry_at_version, schema_of, reference_of, metadata_of):
        fn.clear()
