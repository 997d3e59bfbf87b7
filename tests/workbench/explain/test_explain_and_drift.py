"""Explanations, drift and outliers against the real models and the alibi server of the embedded MDS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ExplainError
from workbench.explain import service as explain_service
from workbench.explain.feature_space import FeatureSpace
from workbench.monitor import drift as drift_service


@pytest.fixture(scope="module")
def wine(client, refs):
    ref = refs["wine"]
    return ref, client.schema(ref), pd.read_csv(ref.reference_data)


@pytest.fixture(scope="module")
def tips(client, refs):
    ref = refs["tips"]
    return ref, client.schema(ref), pd.read_csv(ref.reference_data)


def test_feature_space_round_trips_mixed_rows(tips):
    _, schema, reference = tips
    space = FeatureSpace.of(schema)
    frame = reference.head(20)[schema.names]
    back = space.decode(space.encode(frame))
    pd.testing.assert_frame_equal(back.reset_index(drop=True), schema.coerce(frame).reset_index(drop=True),
                                  check_dtype=False)
    assert space.categorical == {1: 2, 2: 2, 3: 4, 4: 2}


def test_anchor_from_the_explainer_server(client, wine, local_mds):
    ref, schema, reference = wine
    assert ref.explainer is not None, f"alibi server not running: {local_mds.failures}"
    result = explain_service.explain_with_server(client, ref, schema, reference.head(1))
    assert result.kind == "anchor" and result.anchor and result.precision >= 0.9
    assert result.target in schema.class_names
    assert all(any(name in cond for name in schema.names) for cond in result.anchor)


def test_shap_attributions_add_up_to_the_prediction(client, tips):
    ref, schema, reference = tips
    row = reference.iloc[[3]]
    result = explain_service.explain_with_shap(client, ref, schema, row, reference, samples=128)
    prediction = client.predict(ref, row, schema)
    probability = float(prediction.probabilities.iloc[0][result.target])
    assert result.target == prediction.labels[0]
    assert result.base_value + sum(result.attributions.values()) == pytest.approx(probability, abs=1e-3)
    assert set(result.attributions) == set(schema.names) and result.summary.startswith("Biggest influences")


def test_feature_effects_sweep_each_feature(client, tips):
    ref, schema, reference = tips
    effects = explain_service.feature_effects(client, ref, schema, reference, ["total_bill", "day"], rows=30, grid=8)
    assert list(effects["day"]["value"]) == ["Thur", "Fri", "Sat", "Sun"]
    bill = effects["total_bill"]
    assert bill["value"].is_monotonic_increasing and len(bill) > 3
    assert np.allclose(bill[list(schema.class_names)].sum(axis=1), 1.0)


def test_explanations_are_cached_in_the_store(client, wine, engine):
    ref, schema, reference = wine
    first = explain_service.explain(engine, client, ref, schema, reference.head(1), reference, kind="shap")
    assert explain_service.cached(engine, ref.name, ref.version, "shap",
                                  reference.head(1).to_dict(orient="records")[0]) == first


def test_image_models_are_refused_in_plain_words(client, refs):
    ref = refs["digits"]
    schema = client.schema(ref)
    with pytest.raises(ExplainError, match="is an image or a tensor"):
        explain_service.explain_with_shap(client, ref, schema, pd.read_csv(ref.reference_data).head(1),
                                          pd.read_csv(ref.reference_data))


def test_drift_is_found_in_shifted_data_and_not_in_reference_data(wine):
    _, schema, reference = wine
    same = drift_service.detect_drift(schema, reference, reference.sample(100, random_state=1), model="wine")
    assert not same.is_drift and "No drift detected" in same.summary
    shifted = reference.sample(100, random_state=2).copy()
    shifted["alcohol"] += 2.0
    report = drift_service.detect_drift(schema, reference, shifted, model="wine")
    assert report.is_drift and report.drifted == ["alcohol"]
    assert report.table().set_index("feature").loc["alcohol", "p_value"] < report.threshold


def test_drift_on_mixed_data_uses_categories(tips):
    _, schema, reference = tips
    shifted = reference.sample(80, random_state=0).copy()
    shifted["day"] = "Sun"
    report = drift_service.detect_drift(schema, reference, shifted, model="tips")
    assert "day" in report.drifted


def test_drift_detector_server_agrees(client, wine):
    ref, schema, reference = wine
    shifted = reference.sample(100, random_state=3).copy()
    shifted["proline"] *= 1.8
    report = drift_service.detect_drift_with_server(client, ref, schema, shifted)
    assert report.is_drift and "proline" in report.drifted and report.source == "drift detector server"


def test_too_few_rows_is_a_clear_error(wine):
    _, schema, reference = wine
    with pytest.raises(drift_service.DriftError, match="at least 20"):
        drift_service.detect_drift(schema, reference, reference.head(5), model="wine")


def test_outliers_flag_absurd_rows(wine):
    _, schema, reference = wine
    current = reference.sample(40, random_state=0).copy()
    current.iloc[0, :] = current.iloc[0, :] * 10
    scores = drift_service.outliers(schema, reference, current, model="wine")
    assert bool(scores["is_outlier"].iloc[0]) and scores["score"].iloc[0] == scores["score"].max()
