"""ALE and permutation importance: the driving feature of a synthetic model comes first; the real
servers give a table and curves labelled from the schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client import Feature, FeatureKind, ModelSchema, Output
from workbench.errors import ExplainError
from workbench.explain import global_views
from workbench.explain.feature_space import FeatureSpace

DRIVER = "pressure"


@pytest.fixture(scope="module")
def synthetic():
    """Four numeric inputs; the class depends on ``pressure`` alone (plus a whisper of ``noise_a``)."""
    names = ["noise_a", DRIVER, "noise_b", "noise_c"]
    schema = ModelSchema(features=tuple(Feature(n, FeatureKind.NUMBER) for n in names),
                         outputs=(Output("proba", "proba", class_names=("low", "high")),))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))

    def predict(matrix: np.ndarray) -> np.ndarray:
        z = 3.0 * matrix[:, 1] + 0.2 * matrix[:, 0]
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1 - p, p])

    return FeatureSpace.of(schema), x, predict


def test_importance_ranks_the_driving_feature_first(synthetic):
    space, x, predict = synthetic
    table, measure = global_views.importance_of(predict, space, x, repeats=5)
    assert table["feature"].iloc[0] == DRIVER
    assert table.set_index("feature").loc[DRIVER, "importance"] > 5 * table["importance"].iloc[1:].abs().max()
    assert "agreement" in measure


def test_ale_moves_most_for_the_driving_feature(synthetic):
    space, x, predict = synthetic
    curves = global_views.ale_of(predict, space, x, space.names, ["low", "high"])
    spread = {name: float(frame["high"].max() - frame["high"].min()) for name, frame in curves.items()}
    assert max(spread, key=spread.get) == DRIVER
    high = curves[DRIVER]["high"].to_numpy()
    assert np.all(np.diff(high) >= -1e-9), "ALE of the driver rises with it"


def test_importance_and_ale_on_a_served_model(client, numeric_classifier, regressor):
    m = numeric_classifier
    result = global_views.permutation_importance(client, m.ref, m.schema, m.reference, rows=80, repeats=2)
    assert set(result.table["feature"]) == set(m.schema.names) and result.calls > 1
    assert result.table["importance"].is_monotonic_decreasing
    curves = global_views.ale(client, m.ref, m.schema, m.reference, m.schema.names[:2], rows=80)
    assert set(curves) == set(m.schema.names[:2])
    assert set(next(iter(curves.values())).columns) == {"value", *m.schema.class_names}
    r = regressor
    table = global_views.permutation_importance(client, r.ref, r.schema, r.reference, rows=60, repeats=2)
    assert "predicted value" in table.measure


def test_ale_refuses_category_only_choices(client, mixed_classifier):
    m = mixed_classifier
    categories = [f.name for f in m.schema.features if f.kind == FeatureKind.CATEGORY]
    with pytest.raises(ExplainError, match="numeric features"):
        global_views.ale(client, m.ref, m.schema, m.reference, categories)


def test_no_reference_data_is_a_plain_error(client, numeric_classifier):
    m = numeric_classifier
    with pytest.raises(ExplainError, match="no reference data"):
        global_views.permutation_importance(client, m.ref, m.schema, pd.DataFrame())
