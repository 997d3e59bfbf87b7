"""mds_client against real MLServer and seldon-core microservices (the embedded MDS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client import FeatureKind, ModelSchema, PayloadRejected, RepositoryDiscovery
from mds_client.codecs import codec_for

MIXED = pd.DataFrame({
    "price": [16.99, 10.5, 0.0],
    "count": [2, 3, -7],
    "name": ["Female", "Ünïcode ☕", ""],
    "flag": [True, False, True],
})


def test_v2_echo_round_trips_every_dtype(client, refs):
    prediction = client.predict(refs["echo"], MIXED)
    outputs = {o["name"]: o for o in prediction.response["outputs"]}
    assert outputs["price"]["datatype"] == "FP64" and outputs["price"]["data"] == [16.99, 10.5, 0.0]
    assert outputs["count"]["datatype"] == "INT64" and outputs["count"]["data"] == [2, 3, -7]
    assert outputs["name"]["datatype"] == "BYTES" and outputs["name"]["data"] == ["Female", "Ünïcode ☕", ""]
    assert outputs["flag"]["datatype"] == "BOOL" and outputs["flag"]["data"] == [True, False, True]


def test_seldon_echo_round_trips_mixed_rows_as_json_data(client, refs):
    prediction = client.predict(refs["echo-v1"], MIXED)
    assert prediction.response["jsonData"] == MIXED.to_dict(orient="records")


def test_seldon_echo_round_trips_numbers_as_ndarray(client, refs):
    frame = pd.DataFrame({"a": [1.5, -2.0], "b": [3.0, 4.25]})
    prediction = client.predict(refs["echo-v1"], frame)
    assert prediction.response["data"]["ndarray"] == [[1.5, 3.0], [-2.0, 4.25]]
    assert prediction.response["data"]["names"] == ["a", "b"]


@pytest.mark.parametrize("model", ["wine", "wine-v1"])
def test_wine_classifier_on_both_protocols(client, refs, model):
    ref = refs[model]
    schema = client.schema(ref)
    reference = pd.read_csv(ref.reference_data)
    frame = reference.head(5)
    prediction = client.predict(ref, frame, schema)
    assert prediction.n_rows == 5
    assert set(prediction.labels) <= set(schema.class_names)
    assert np.allclose(prediction.probabilities.sum(axis=1), 1.0)
    assert prediction.request_id and prediction.latency_ms > 0
    assert list(prediction.probabilities.columns) == list(schema.class_names)


def test_both_protocols_agree_on_wine(client, refs):
    frame = pd.read_csv(refs["wine"].reference_data).head(20)
    v2 = client.predict(refs["wine"], frame, client.schema(refs["wine"]))
    v1 = client.predict(refs["wine-v1"], frame, client.schema(refs["wine-v1"]))
    assert v2.labels == v1.labels
    assert np.allclose(v2.probabilities.to_numpy(), v1.probabilities.to_numpy())


def test_tips_schema_from_v2_metadata_and_mixed_prediction(client, refs):
    ref = refs["tips"]
    schema = client.schema(ref)
    assert schema.source == "v2-metadata"
    kinds = {f.name: f.kind for f in schema.features}
    assert kinds["total_bill"] == FeatureKind.NUMBER and kinds["sex"] == FeatureKind.CATEGORY
    assert kinds["smoker"] == FeatureKind.BOOLEAN and kinds["size"] == FeatureKind.INTEGER
    row = pd.DataFrame([schema.example(pd.read_csv(ref.reference_data))])
    prediction = client.predict(ref, row, schema)
    assert prediction.labels[0] in schema.class_names
    assert 0.0 <= prediction.confidence() <= 1.0


def test_regression_gives_a_value(client, refs):
    ref = refs["tip-amount"]
    schema = client.schema(ref)
    frame = pd.read_csv(ref.reference_data).head(3)
    prediction = client.predict(ref, frame, schema)
    assert prediction.task == "regression" and len(prediction.values) == 3
    assert all(0 < v < 20 for v in prediction.values)


def test_digits_image_tensor(client, refs):
    ref = refs["digits"]
    schema = client.schema(ref)
    assert schema.tensor_feature is not None and schema.tensor_feature.shape == (8, 8)
    frame = pd.read_csv(ref.reference_data).head(4)
    prediction = client.predict(ref, frame, schema)
    assert set(prediction.labels) <= set(schema.class_names)


def test_seldon_schema_from_prediction_schema_file(client, refs):
    schema = client.schema(refs["wine-v1"])
    assert not schema.is_empty and len(schema.features) == 13
    assert schema.class_names == client.schema(refs["wine"]).class_names


def test_seldon_bad_payload_is_rejected_with_its_reason(client, refs):
    with pytest.raises(PayloadRejected) as info:
        client.predict_body(refs["wine-v1"], {"data": {"ndarray": "not an array"}})
    assert "MICROSERVICE_BAD_DATA" in str(info.value) and info.value.status == 400


def test_v2_wrong_shape_is_an_error_naming_the_model(client, refs):
    body = codec_for("v2").encode(pd.DataFrame({"alcohol": [13.0]}), ModelSchema())
    with pytest.raises(Exception) as info:
        client.predict_body(refs["wine"], body)
    assert "wine" in str(info.value)


def test_repository_index_lists_ready_models(refs):
    models = {r.name: r for r in RepositoryDiscovery(refs["wine"].endpoint).list_models()}
    assert {"wine", "tips", "tip-amount", "digits"} <= set(models)
    assert models["wine"].status == "ready"


def test_status_of_ready_models(client, refs):
    for name in ("wine", "wine-v1"):
        assert client.status(refs[name]).status == "ready"
