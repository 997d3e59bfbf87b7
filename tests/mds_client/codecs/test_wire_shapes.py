"""The V2 codec sends each input in the shape the server declared: [-1], Triton's [-1, 1] column, [-1, k], a fixed
shape without a batch dimension (one row per request); with no declaration, [n] and [n, *shape] as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client.codecs import V2Codec
from mds_client.prediction import Prediction, joined
from mds_client.schema.model import Feature, FeatureKind, ModelSchema
from mds_client.schema.sources import from_prediction_schema, from_v2_metadata, resolve

CODEC = V2Codec()


def column_schema(shape: list[int] | None) -> ModelSchema:
    spec = {"name": "size", "datatype": "FP32"} | ({"shape": shape} if shape is not None else {})
    return from_v2_metadata({"inputs": [spec, {"name": "city", "datatype": "BYTES"} | (
        {"shape": shape} if shape is not None else {})]})


@pytest.mark.parametrize(("declared", "rows", "sent"), [
    (None, 3, [3]),          # nothing declared: one value per row
    ([-1], 3, [3]),
    ([-1, 1], 3, [3, 1]),    # Triton's one column per input with a batch dimension
    ([-1, 1], 1, [1, 1]),
    ([1], 1, [1]),           # no batch dimension: one row, the declared shape itself
])
def test_a_column_goes_in_the_declared_shape(declared, rows, sent):
    frame = pd.DataFrame({"size": np.arange(rows, dtype=float), "city": ["Lyon"] * rows})
    body = CODEC.encode(frame, column_schema(declared))
    assert [i["shape"] for i in body["inputs"]] == [sent, sent]
    assert len(body["inputs"][1]["data"]) == rows


@pytest.mark.parametrize("rows", [3, 40])  # the small-frame and the column paths
def test_both_encoding_paths_agree_on_shapes(rows):
    frame = pd.DataFrame({"size": np.arange(rows, dtype=float), "city": ["Lyon"] * rows})
    body = CODEC.encode(frame, column_schema([-1, 1]))
    assert [i["shape"] for i in body["inputs"]] == [[rows, 1], [rows, 1]]


@pytest.mark.parametrize(("declared", "rows", "sent"), [
    ([-1, 4], 2, [2, 4]),
    ([-1, 2, 2], 2, [2, 2, 2]),
    ([-1, 4, 1], 2, [2, 4, 1]),   # a trailing 1 the instance shape drops, put back on the wire
    ([4], 1, [4]),                # no batching: one instance as declared
])
def test_a_tensor_goes_in_the_declared_shape(declared, rows, sent):
    schema = from_v2_metadata({"inputs": [{"name": "pixels", "datatype": "FP32", "shape": declared}]})
    frame = pd.DataFrame(np.ones((rows, 4)), columns=schema.table_columns())
    body = CODEC.encode(frame, schema)
    assert body["inputs"][0]["shape"] == sent and body["inputs"][0]["data"].size == rows * 4


def test_several_rows_for_a_model_without_batching_are_refused_by_name():
    schema = from_v2_metadata({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2]}]})
    assert schema.one_row_per_call
    with pytest.raises(ValueError, match=r"one row per request \(its input x has the fixed shape \[2\]"):
        CODEC.encode(pd.DataFrame({"x_0": [1.0, 2.0], "x_1": [3.0, 4.0]}), schema)


def test_a_declaration_that_does_not_fit_the_feature_is_not_used():
    feature = Feature("x", FeatureKind.TENSOR, shape=(4,), wire_shape=(-1, 3))
    assert feature.wire_dims(2) == [2, 4]
    assert Feature("y", FeatureKind.NUMBER, wire_shape=(-1, -1)).wire_dims(5) == [5]


def test_a_catalog_schema_keeps_the_shape_its_server_declares():
    catalog = from_prediction_schema({"requests": [{"name": "size", "type": "REAL"}, {"name": "city", "type": "TEXT"}]})
    schema = resolve([catalog, column_schema([-1, 1])])
    assert schema.source == "prediction-schema"
    body = CODEC.encode(pd.DataFrame({"size": [1.0, 2.0], "city": ["a", "b"]}), schema)
    assert [i["shape"] for i in body["inputs"]] == [[2, 1], [2, 1]]


def test_predictions_of_one_row_each_join_row_after_row():
    def one(value: float, proba: list[float]) -> Prediction:
        return Prediction(model="m", protocol="v2", labels=[value], values=[value], outputs={"y": np.array([value])},
                          request_id="r", request={"inputs": []}, response={"outputs": []}, latency_ms=2.0, url="u",
                          task="regression", proba_matrix=np.array([proba]), proba_names=["a", "b"])
    both = joined([one(1.0, [0.2, 0.8]), one(2.0, [0.6, 0.4])])
    assert both.labels == [1.0, 2.0] and both.values == [1.0, 2.0] and both.latency_ms == 4.0
    assert both.outputs["y"].tolist() == [[1.0], [2.0]]
    assert both.proba_matrix.tolist() == [[0.2, 0.8], [0.6, 0.4]]
    assert both.request == {"requests": [{"inputs": []}, {"inputs": []}]}
