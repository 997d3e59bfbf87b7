"""Models of the embedded MDS picked by the shape of their schema, never by name (session fixtures)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from mds_client import FeatureKind, ModelRef, ModelSchema


@dataclass
class Picked:
    ref: ModelRef
    schema: ModelSchema
    reference: pd.DataFrame


def _pick(refs, client, want) -> Picked:
    for ref in refs.values():
        if "test" in (ref.tags or ()) or ref.reference_data is None or not Path(ref.reference_data).exists():
            continue
        if client.status(ref).status != "ready":
            continue
        schema = client.schema(ref)
        if not schema.is_empty and want(schema):
            return Picked(ref, schema, pd.read_csv(ref.reference_data))
    pytest.skip("no model of that shape in the embedded MDS")


def _tabular(schema: ModelSchema) -> bool:
    return not any(f.is_tensor or f.kind == FeatureKind.TEXT for f in schema.features)


@pytest.fixture(scope="session")
def numeric_classifier(refs, client) -> Picked:
    """A classifier with only numeric inputs and class probabilities."""
    return _pick(refs, client, lambda s: s.task == "classification" and _tabular(s)
                 and all(f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) for f in s.features))


@pytest.fixture(scope="session")
def mixed_classifier(refs, client) -> Picked:
    """A classifier with at least one category input."""
    return _pick(refs, client, lambda s: s.task == "classification" and _tabular(s)
                 and any(f.kind == FeatureKind.CATEGORY for f in s.features))


@pytest.fixture(scope="session")
def regressor(refs, client) -> Picked:
    return _pick(refs, client, lambda s: s.task == "regression" and _tabular(s))


@pytest.fixture(scope="session")
def image_classifier(refs, client) -> Picked:
    return _pick(refs, client, lambda s: s.task == "classification" and len(s.features) == 1
                 and s.features[0].is_tensor and len(s.features[0].shape) == 2)


