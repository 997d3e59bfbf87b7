"""What-if sweeps against the real model servers: the values are the model's own answers, in one request."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client import FeatureKind
from workbench.errors import ExplainError
from workbench.explain import whatif


def _posts(client) -> int:
    return sum(1 for s in client.sent if s.startswith("POST"))


def test_sweep_values_equal_direct_predictions_in_one_request(counting_client, numeric_classifier):
    m = numeric_classifier
    row = m.reference.iloc[[5]][m.schema.names]
    feature = m.schema.names[0]
    result = whatif.what_if(counting_client, m.ref, m.schema, row, feature, m.reference, points=50)
    assert _posts(counting_client) == 1 and result.calls == 1
    assert 49 <= len(result.points) <= 50
    direct_rows = pd.concat([row] * len(result.points), ignore_index=True)
    direct_rows[feature] = result.points["value"].to_numpy()
    direct = counting_client.predict(m.ref, direct_rows, m.schema, validate=False)
    np.testing.assert_allclose(result.points[result.classes].to_numpy(),
                               direct.probabilities[result.classes].to_numpy(), atol=1e-9)
    assert list(result.points["answer"]) == list(direct.labels)
    # the current value is one of the swept points and carries the model's answer for the row as it is
    own = counting_client.predict(m.ref, row, m.schema).labels[0]
    assert float(row.iloc[0][feature]) in [pytest.approx(v) for v in result.points["value"]]
    assert result.current_answer == own


def test_flips_sit_where_the_answer_changes(client, numeric_classifier):
    m = numeric_classifier
    found = False
    for i in range(0, 40, 4):
        row = m.reference.iloc[[i]][m.schema.names]
        for feature in m.schema.names:
            result = whatif.what_if(client, m.ref, m.schema, row, feature, m.reference, points=30)
            answers = list(result.points["answer"])
            changes = [j for j in range(1, len(answers)) if answers[j] != answers[j - 1]]
            assert len(result.flips) == len(changes)
            for flip, j in zip(result.flips, changes, strict=True):
                assert (flip["from"], flip["to"]) == (answers[j - 1], answers[j])
                assert flip["after"] < flip["before"]
            found = found or bool(result.flips)
    assert found, "no sweep changed the answer: the flip logic was never exercised"


def test_categories_are_swept_by_name(client, mixed_classifier):
    m = mixed_classifier
    feature = next(f for f in m.schema.features if f.kind == FeatureKind.CATEGORY)
    row = m.reference.iloc[[2]][m.schema.names]
    result = whatif.what_if(client, m.ref, m.schema, row, feature.name, m.reference)
    assert list(result.points["value"]) == [feature.label_of(c) for c in feature.categories]
    assert not result.numeric and result.current == feature.label_of(row.iloc[0][feature.name])
    assert np.allclose(result.points[result.classes].sum(axis=1), 1.0)


def test_regression_sweep_gives_the_value(counting_client, regressor):
    m = regressor
    feature = next(f.name for f in m.schema.features if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER))
    row = m.reference.iloc[[1]][m.schema.names]
    result = whatif.what_if(counting_client, m.ref, m.schema, row, feature, m.reference, points=20)
    assert not result.classes and "prediction" in result.points
    probe = pd.concat([row] * 2, ignore_index=True)
    probe[feature] = result.points["value"].iloc[[0, -1]].to_numpy()
    direct = counting_client.predict(m.ref, probe, m.schema, validate=False).values
    assert result.points["prediction"].iloc[[0, -1]].tolist() == pytest.approx(list(direct))


def test_two_features_make_a_grid_in_one_request(counting_client, mixed_classifier):
    m = mixed_classifier
    names = m.schema.names[:2]
    row = m.reference.iloc[[0]][m.schema.names]
    grid = whatif.what_if_2d(counting_client, m.ref, m.schema, row, (names[0], names[1]), m.reference, points=10)
    assert _posts(counting_client) == 1 and grid.calls == 1
    assert grid.z.shape == (len(grid.y_values), len(grid.x_values))
    assert grid.target in m.schema.class_names and ((grid.z >= 0) & (grid.z <= 1)).all()


def test_unknown_feature_is_named(client, numeric_classifier):
    m = numeric_classifier
    with pytest.raises(ExplainError, match="no feature 'nope'"):
        whatif.what_if(client, m.ref, m.schema, m.reference.head(1), "nope", m.reference)
