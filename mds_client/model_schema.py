"""A model's schema from every source it has (``MDSClient.schema``), and the files a catalog names for it.

Sources, most specific first: the catalog's schema file, the model registry's signature, the server's metadata
(REST, or gRPC's ModelMetadata for a model the catalog lists with a ``grpc_url`` and no ``url``), the reference data.
A Triton model's configuration adds what its metadata cannot say (rows per request, label files).

gRPC's ModelMetadata carries only scalar parameters: MLServer drops the lists (``class_names``, ``categories``) the
schema convention keeps there, so a schema read over gRPC says so in its ``source`` (``v2-grpc-metadata``) and the
model card names what is missing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from mds_client.errors import RequestError, SchemaError
from mds_client.refs import ModelRef
from mds_client.schema.model import FeatureKind, ModelSchema
from mds_client.schema.sources import (
    from_prediction_schema,
    from_reference,
    from_seldon_metadata,
    from_v2_metadata,
    resolve,
)
from mds_client.triton_config import model_config, with_model_config

GRPC_SOURCE = "v2-grpc-metadata"
"""``ModelSchema.source`` of a schema read from gRPC's ModelMetadata (no list parameters: no class names)."""


def metadata_over_grpc(ref: ModelRef) -> bool:
    """Whether ``ref``'s metadata can only be asked over gRPC: a V2 model with a ``grpc_url`` and no REST ``url``."""
    return ref.protocol == "v2" and ref.uses_grpc and not ref.endpoint


def schema_of(client: Any, ref: ModelRef, *, metadata: dict[str, Any] | None = None,
              reference: pd.DataFrame | None = None) -> ModelSchema:
    """``MDSClient.schema`` (``client`` is the ``MDSClient``; its ``metadata`` asks the server)."""
    candidates: list[ModelSchema] = []
    server_outputs: tuple = ()
    if ref.schema_path is not None:
        candidates.append(load_prediction_schema(ref.schema_path))
    registered = ref.registered.schema if ref.registered is not None else None
    if registered is not None:
        candidates.append(registered)
    if metadata is None and ref.protocol != "kserve-v1":  # KServe V1 has no metadata endpoint
        try:
            metadata = client.metadata(ref)
        except RequestError:
            metadata = None
    if metadata is not None and ref.protocol != "kserve-v1":
        parse = from_seldon_metadata if ref.protocol == "seldon" else from_v2_metadata
        try:
            parsed = parse(metadata)
            if metadata_over_grpc(ref):
                parsed = _grpc_lacks_lists(parsed)
            candidates.append(parsed)
            # Output names on the wire come from the serving model's own V2 metadata, nothing else.
            server_outputs = parsed.outputs if ref.protocol == "v2" else ()
        except SchemaError:
            # Metadata no form can be built from ([-1, -1] inputs): the catalog's own schema, when it has
            # one, is how the model is described; without one, the model says why it has no form.
            if ref.schema_path is None and registered is None:
                raise
    if reference is None and ref.reference_data is not None and Path(ref.reference_data).exists():
        reference = read_reference(ref.reference_data)
    if reference is not None:
        candidates.append(from_reference(reference))
    schema = resolve(candidates, server_outputs)
    if isinstance(metadata, dict) and metadata.get("platform") and ref.protocol == "v2":
        # Triton names a platform; its configuration (not its metadata) says how many rows one request may carry
        # and which output has a label file.
        schema = with_model_config(schema, model_config(client, ref))
    return schema


def _grpc_lacks_lists(schema: ModelSchema) -> ModelSchema:
    """A schema read from gRPC's ModelMetadata: marked as such, and a category whose list of values did not travel is
    asked for as text (a choice among no values could not be made)."""
    features = tuple(replace(f, kind=FeatureKind.TEXT) if f.kind == FeatureKind.CATEGORY and not f.categories else f
                     for f in schema.features)
    return replace(schema, features=features, source=GRPC_SOURCE)


def load_prediction_schema(path: Path | str) -> ModelSchema:
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as exc:
        raise SchemaError(f"Cannot read the schema file {path}: {exc.strerror}.") from None
    except json.JSONDecodeError as exc:
        raise SchemaError(f"The schema file {path} is not valid JSON (line {exc.lineno}).") from None
    return from_prediction_schema(doc)


def read_reference(path: Path | str) -> pd.DataFrame:
    return pd.read_csv(path)
