"""Codecs, offline: bodies are what the protocols define, and dtypes survive the trip."""

import numpy as np
import orjson
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from mds_client.codecs import codec_for
from mds_client.errors import CatalogError
from mds_client.prediction import dump_json
from mds_client.schema.model import Feature, FeatureKind, ModelSchema, Output

MIXED = pd.DataFrame({
    "total_bill": [16.99, 10.34],
    "sex": ["Female", "Male"],
    "smoker": [False, True],
    "size": [2, 3],
})


def wire(body):
    return orjson.loads(dump_json(body))


def test_v2_one_input_per_column_with_its_own_datatype():
    body = wire(codec_for("v2").encode(MIXED, ModelSchema(), request_id="abc"))
    assert body["id"] == "abc" and body["parameters"] == {"content_type": "pd"}
    inputs = {i["name"]: i for i in body["inputs"]}
    assert inputs["total_bill"] == {"name": "total_bill", "shape": [2], "datatype": "FP64", "data": [16.99, 10.34]}
    assert inputs["sex"]["datatype"] == "BYTES" and inputs["sex"]["parameters"] == {"content_type": "str"}
    assert inputs["smoker"]["data"] == [False, True] and inputs["smoker"]["datatype"] == "BOOL"
    assert inputs["size"]["data"] == [2, 3] and inputs["size"]["datatype"] == "INT64"
    assert "outputs" not in body


def test_v2_tensor_model_sends_one_tensor_of_the_declared_shape():
    schema = ModelSchema((Feature("image", FeatureKind.IMAGE, datatype="FP32", shape=(2, 2)),),
                         (Output("predict", "label", class_names=("a", "b"), wire_name="predict"),))
    frame = pd.DataFrame([[0, 1, 2, 3], [4, 5, 6, 7]], columns=schema.table_columns())
    body = wire(codec_for("v2").encode(frame, schema))
    assert body["inputs"] == [{"name": "image", "shape": [2, 2, 2], "datatype": "FP32",
                               "data": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]}]
    assert body["outputs"] == [{"name": "predict"}]


def test_v2_decode_maps_codes_to_class_names_and_reads_probabilities():
    schema = ModelSchema((), (Output("predict", "label", class_names=("c1", "c2", "c3")),
                              Output("predict_proba", "proba", class_names=("c1", "c2", "c3"))))
    response = {"model_name": "wine", "id": "r1", "outputs": [
        {"name": "predict", "datatype": "INT64", "shape": [2, 1], "data": [2, 0]},
        {"name": "predict_proba", "datatype": "FP64", "shape": [2, 3], "data": [0.1, 0.2, 0.7, 0.8, 0.1, 0.1]}]}
    decoded = codec_for("v2").decode(response, schema, n_rows=2)
    assert decoded.labels == ["c3", "c1"] and decoded.request_id == "r1"
    assert list(decoded.probabilities.columns) == ["c1", "c2", "c3"]
    assert decoded.probabilities.iloc[0]["c3"] == pytest.approx(0.7)


def test_v2_decode_without_schema_guesses_regression_and_probabilities():
    value = {"model_name": "m", "outputs": [{"name": "predict", "datatype": "FP64", "shape": [2, 1], "data": [1.5, 2.5]}]}
    decoded = codec_for("v2").decode(value, ModelSchema(), n_rows=2)
    assert decoded.values == [1.5, 2.5] and decoded.labels == [1.5, 2.5]
    proba = {"model_name": "m", "outputs": [{"name": "out", "datatype": "FP32", "shape": [1, 2], "data": [0.25, 0.75]}]}
    decoded = codec_for("v2").decode(proba, ModelSchema(), n_rows=1)
    assert decoded.labels == ["1"]


@pytest.mark.parametrize("body", [[], {"outputs": "x"}, {"outputs": [{"data": [1]}]}])
def test_v2_decode_refuses_what_is_not_v2(body):
    with pytest.raises(ValueError):
        codec_for("v2").decode(body, ModelSchema(), n_rows=1)


def test_seldon_numeric_frame_is_ndarray_with_names():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
    body = wire(codec_for("seldon").encode(frame, ModelSchema(), request_id="p1"))
    assert body == {"data": {"names": ["a", "b"], "ndarray": [[1.0, 3.0], [2.0, 4.0]]}, "meta": {"puid": "p1"}}


def test_seldon_mixed_frame_goes_as_json_records_keeping_types():
    body = wire(codec_for("seldon").encode(MIXED, ModelSchema()))
    assert body["jsonData"][0] == {"total_bill": 16.99, "sex": "Female", "smoker": False, "size": 2}


def test_seldon_one_hot_features_expand_to_columns():
    schema = ModelSchema((Feature("x", FeatureKind.NUMBER),
                          Feature("city", FeatureKind.CATEGORY, categories=(0, 1),
                                  category_labels={0: "city_a", 1: "city_b"}, one_hot=True)))
    body = wire(codec_for("seldon").encode(pd.DataFrame({"x": [1.0], "city": ["city_b"]}), schema))
    assert body["data"] == {"names": ["x", "city_a", "city_b"], "ndarray": [[1.0, 0.0, 1.0]]}


def test_seldon_decode_probabilities_with_names_and_puid():
    response = {"data": {"names": ["a", "b"], "ndarray": [[0.9, 0.1]]}, "meta": {"puid": "xyz"}}
    decoded = codec_for("seldon").decode(response, ModelSchema(), n_rows=1)
    assert decoded.labels == ["a"] and decoded.request_id == "xyz"
    tensor = {"data": {"names": [], "tensor": {"shape": [2, 1], "values": [3.0, 4.0]}}, "meta": {}}
    assert codec_for("seldon").decode(tensor, ModelSchema(), n_rows=2).values == [3.0, 4.0]


def test_unknown_protocol_is_a_catalog_error():
    with pytest.raises(CatalogError, match="grpc"):
        codec_for("grpc")


names = st.text(alphabet="abcdefghij_", min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(data_frames([
    column("f", elements=st.floats(allow_nan=False, allow_infinity=False, width=64)),
    column("i", elements=st.integers(-(2**53), 2**53)),
    column("s", elements=st.text(max_size=12)),
    column("b", elements=st.booleans()),
]))
def test_v2_encoding_keeps_every_value_and_dtype(frame):
    if frame.empty:
        return
    body = wire(codec_for("v2").encode(frame, ModelSchema()))
    inputs = {i["name"]: i for i in body["inputs"]}
    assert [inputs[c]["datatype"] for c in "fisb"] == ["FP64", "INT64", "BYTES", "BOOL"]
    for col in "fisb":
        assert inputs[col]["data"] == frame[col].tolist()
        assert inputs[col]["shape"] == [len(frame)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0, 1, allow_nan=False), min_size=3, max_size=3), min_size=1, max_size=20))
def test_v2_probability_decoding_picks_the_largest(rows):
    matrix = np.asarray(rows)
    matrix = matrix / np.where(matrix.sum(axis=1, keepdims=True) == 0, 1, matrix.sum(axis=1, keepdims=True))
    matrix[matrix.sum(axis=1) == 0] = [1.0, 0.0, 0.0]
    schema = ModelSchema((), (Output("predict_proba", "proba", class_names=("x", "y", "z")),))
    response = {"model_name": "m", "outputs": [
        {"name": "predict_proba", "datatype": "FP64", "shape": list(matrix.shape), "data": matrix.reshape(-1).tolist()}]}
    decoded = codec_for("v2").decode(response, schema, n_rows=len(rows))
    assert decoded.labels == [("x", "y", "z")[i] for i in matrix.argmax(axis=1)]


def test_small_and_large_frames_encode_alike():
    """Frames of up to SMALL_FRAME rows take a value-by-value path; both must write the same body."""
    from mds_client.schema.model import SMALL_FRAME

    big = pd.concat([MIXED] * 20, ignore_index=True)
    assert len(big) > SMALL_FRAME >= len(MIXED)
    whole = wire(codec_for("v2").encode(big, ModelSchema()))
    part = wire(codec_for("v2").encode(MIXED, ModelSchema()))
    for w, p in zip(whole["inputs"], part["inputs"], strict=True):
        assert w["datatype"] == p["datatype"] and w["data"] == p["data"] * 20
    schema = ModelSchema((Feature("total_bill", FeatureKind.NUMBER, datatype="FP32"),
                          Feature("size", FeatureKind.NUMBER, datatype="FP64")))
    small = wire(codec_for("v2").encode(MIXED[["total_bill", "size"]], schema))
    large = wire(codec_for("v2").encode(big[["total_bill", "size"]], schema))
    assert [i["datatype"] for i in small["inputs"]] == [i["datatype"] for i in large["inputs"]] == ["FP32", "FP64"]
    assert large["inputs"][1]["data"][:2] == small["inputs"][1]["data"] == [2.0, 3.0]
