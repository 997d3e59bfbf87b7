"""The model catalogue: every model the discovery finds (the catalog by default), with status and schema.

Statuses and schemas are fetched concurrently, one thread per model, so one slow
or dead server costs its own timeout and never blanks the list.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mds_client import (
    MDSClient,
    MDSError,
    ModelRef,
    ModelSchema,
    Transport,
    load_catalog,
    load_prediction_schema,
    read_reference,
)
from mds_client.schema.sources import from_reference, resolve
from workbench.catalog.discovery import make_discovery
from workbench.catalog.registry_link import link_registry
from workbench.publish.versions import find_registry
from workbench.settings import Settings


@dataclass(frozen=True)
class ModelEntry:
    """One model as the catalogue shows it."""

    ref: ModelRef
    schema: ModelSchema | None
    schema_error: str = ""

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def ready(self) -> bool:
        return self.ref.status == "ready"

    @property
    def n_features(self) -> int | None:
        return None if self.schema is None or self.schema.is_empty else len(self.schema.features)


def read_catalog(path: Path | str) -> list[ModelRef]:
    """The catalog's models without contacting any server (raises ``CatalogError``)."""
    return load_catalog(path)


def discover_models(settings: Settings, *, transport: Transport | None = None) -> list[ModelRef]:
    """The models the configured discovery finds (``WORKBENCH_DISCOVERY``; the catalog by default).

    Raises ``MDSError`` (``CatalogError`` for an unusable source, transport errors for a server
    that does not answer). Pass the app's pooled ``transport`` so no session is opened per call.
    """
    return with_registry(make_discovery(settings, transport=transport).list_models(), settings, transport)


def with_registry(refs: list[ModelRef], settings: Settings, transport: Transport | None = None) -> list[ModelRef]:
    """``refs`` with what the model registry says of the versions they serve (``registry_link``); the registry is
    ``WORKBENCH_MLFLOW_URI``, else the embedded MDS's, asked only when a ref names a registered version."""
    return link_registry(refs, lambda: find_registry(settings.home, settings.mlflow_uri, transport=transport))


def check_models(client: MDSClient, refs: list[ModelRef], *, with_schema: bool = True) -> list[ModelEntry]:
    """Status (and schema) of every model, concurrently; the catalog's order is kept."""
    if not refs:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(refs))) as pool:
        return list(pool.map(lambda ref: _check(client, ref, with_schema), refs))


def _check(client: MDSClient, ref: ModelRef, with_schema: bool) -> ModelEntry:
    checked = client.status(ref)
    if not with_schema:
        return ModelEntry(checked, None)
    try:
        # A model that is not ready still has the schema its catalog entry and reference data give.
        schema = client.schema(ref) if checked.status == "ready" else offline_schema(ref)
    except MDSError as exc:
        return ModelEntry(checked, None, str(exc))
    return ModelEntry(checked, schema)


def offline_schema(ref: ModelRef) -> ModelSchema:
    """The schema from the catalog's files (schema override, reference data) and the registry's signature, when
    discovery read one: no server call."""
    candidates = [load_prediction_schema(ref.schema_path)] if ref.schema_path is not None else []
    if ref.registered is not None and ref.registered.schema is not None:
        candidates.append(ref.registered.schema)
    reference = reference_frame(ref)
    if reference is not None:
        candidates.append(from_reference(reference))
    return resolve(candidates) if candidates else ModelSchema()


STATUS_WORDS = {"ready": "Ready", "not ready": "Not ready"}  # as the Models page's badges read


def version_words(ref: ModelRef) -> str:
    """``version 1``, ``version 1 · 3 served`` for a model whose versions answer side by side, ``version n/a``."""
    words = f"version {ref.version or 'n/a'}"
    return words + (f" · {len(ref.versions)} served" if len(ref.versions) > 1 else "")


def status_text(status: str) -> str:
    """A model's status as people read it, the same in badges, tables and cards: "Ready", "Not ready"."""
    return STATUS_WORDS.get(status, status.capitalize() if status else "Unknown")


def catalogue_table(entries: list[ModelEntry]) -> pd.DataFrame:
    """The catalogue as a table: one row per model."""
    return pd.DataFrame(
        [
            {
                "model": e.name,
                "status": status_text(e.ref.status),
                "reason": e.ref.status_reason,
                "protocol": {"seldon": "Seldon v1", "kserve-v1": "KServe V1"}.get(e.ref.protocol, "V2"),
                "version": e.ref.version,
                # as the model cards say it; a model without a schema says so instead of a blank "None"
                "inputs": "no schema" if e.n_features is None else str(e.n_features),
                # its name: a URL cannot wrap and pushes the description off a laptop's screen (the card has it)
                "explainer": e.ref.explainer.name if e.ref.explainer is not None else "",
                "description": e.ref.description,
            }
            for e in entries
        ],
        columns=["model", "status", "reason", "protocol", "version", "inputs", "explainer", "description"],
    )


def schema_table(schema: ModelSchema) -> pd.DataFrame:
    """The features of a schema as a table people can read."""
    rows = []
    for f in schema.features:
        if f.categories:
            allowed = ", ".join(f.label_of(c) for c in f.categories)
        elif f.is_tensor:
            allowed = "shape " + "x".join(map(str, f.shape)) if f.shape else "tensor"
            if f.minimum is not None and f.maximum is not None:
                allowed += f", values {f.minimum:g} to {f.maximum:g}"
        elif f.minimum is not None or f.maximum is not None:
            low = "" if f.minimum is None else f"{f.minimum:g}"
            high = "" if f.maximum is None else f"{f.maximum:g}"
            allowed = f"{low} to {high}".strip() if f.bounds_declared else f"any (seen {low} to {high})"
        else:
            allowed = ""
        if not f.required:  # an optional column (MLflow's required: false): the form may leave it empty
            allowed = f"{allowed}; may be empty" if allowed else "may be empty"
        rows.append({"feature": f.name, "kind": str(f.kind), "allowed": allowed, "unit": f.unit, "description": f.description})
    return pd.DataFrame(rows, columns=["feature", "kind", "allowed", "unit", "description"])


SCHEMA_ORIGINS = {"prediction-schema": "the catalog's schema file",
                  "mlflow-signature": "the MLflow signature in the model registry",
                  "v2-metadata": "the model server's metadata", "seldon-metadata": "the model server's metadata",
                  "v2-grpc-metadata": "the model server's gRPC metadata, which carries no class names or category "
                                      "lists: give the catalog entry the server's REST url, or a schema file, to have "
                                      "them",
                  "reference-data": "the reference data"}


def schema_origin(schema: ModelSchema) -> str:
    """Where a schema's inputs come from, for the model card ("" when it is not known)."""
    return SCHEMA_ORIGINS.get(schema.source, "")


def reference_frame(ref: ModelRef) -> pd.DataFrame | None:
    """The model's reference data, if the catalog names a readable file."""
    path = ref.reference_data
    if path is None or not Path(path).exists():
        return None
    try:
        return read_reference(path)
    except (OSError, ValueError):
        return None
