"""KServe V1 codec: each dtype keeps its type on the wire, each prediction form reads back (no server)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client import ModelRef, codec_for, jsonable
from mds_client.schema.model import Feature, FeatureKind, ModelSchema, Output
from mds_client.schema.sources import from_reference

CODEC = codec_for("kserve-v1")
MIXED = pd.DataFrame({"size": [9.5, 4.25], "rooms": [3, 1], "city": ["paris", "lyon"], "organic": [True, False]})


@pytest.mark.parametrize("column,values", [
    ("size", [9.5, 4.25]), ("rooms", [3, 1]), ("city", ["paris", "lyon"]), ("organic", [True, False]),
])
def test_each_dtype_keeps_its_json_type_in_a_mixed_frame(column, values):
    body = jsonable(CODEC.encode(MIXED, from_reference(MIXED)))
    assert [row[column] for row in body["instances"]] == values
    assert [type(row[column]) for row in body["instances"]] == [type(v) for v in values]


def test_numeric_frame_goes_as_rows_in_column_order():
    frame = pd.DataFrame({"a": [1.5, 2.0], "b": [3, 4]})
    assert jsonable(CODEC.encode(frame, from_reference(frame))) == {"instances": [[1.5, 3.0], [2.0, 4.0]]}


def test_missing_values_are_null_and_the_request_id_never_in_the_body():
    frame = pd.DataFrame({"city": ["paris", None], "size": [1.0, 2.0]})
    body = jsonable(CODEC.encode(frame, ModelSchema(), request_id="abc"))
    assert body == {"instances": [{"city": "paris", "size": 1.0}, {"city": None, "size": 2.0}]}


def test_tensor_feature_rows_in_its_shape():
    schema = ModelSchema((Feature("pixels", FeatureKind.TENSOR, shape=(2, 2)),))
    frame = pd.DataFrame([[0, 1, 2, 3], [4, 5, 6, 7]], columns=schema.tensor_columns(schema.features[0]))
    assert jsonable(CODEC.encode(frame, schema))["instances"][1] == [[4.0, 5.0], [6.0, 7.0]]


PROBA = ModelSchema((), (Output("quality", kind="proba", class_names=("bronze", "gold", "silver")),))
LABEL = ModelSchema((), (Output("quality", kind="label", class_names=("bronze", "gold", "silver")),))


@pytest.mark.parametrize("case,body,schema,labels", [
    ("text labels", {"predictions": ["gold", "bronze"]}, ModelSchema(), ["gold", "bronze"]),
    ("class indexes named by the schema", {"predictions": [1, 0]}, LABEL, ["gold", "bronze"]),
    ("probabilities named by the schema", {"predictions": [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]]}, PROBA, ["gold", "bronze"]),
    ("probabilities without a schema", {"predictions": [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]]}, ModelSchema(), ["1", "0"]),
    ("regression", {"predictions": [12.5, 3.25]}, ModelSchema(), [12.5, 3.25]),
    ("named outputs per row", {"predictions": [{"label": "gold", "score": 0.7}, {"label": "bronze", "score": 0.6}]},
     ModelSchema(), ["gold", "bronze"]),
    ("probabilities as objects", {"predictions": [{"proba": {"bronze": 0.1, "gold": 0.9}},
                                                  {"proba": {"bronze": 0.8, "gold": 0.2}}]}, ModelSchema(),
     ["gold", "bronze"]),
])
def test_each_prediction_form_reads_back(case, body, schema, labels):
    decoded = CODEC.decode(body, schema, n_rows=2)
    assert decoded.labels == labels, case
    assert decoded.request_id == ""


def test_probabilities_keep_their_matrix_and_names():
    decoded = CODEC.decode({"predictions": [[0.1, 0.7, 0.2]]}, PROBA, n_rows=1)
    assert decoded.proba_names == ["bronze", "gold", "silver"]
    np.testing.assert_allclose(decoded.proba_matrix, [[0.1, 0.7, 0.2]])


def test_regression_values():
    assert CODEC.decode({"predictions": [12.5, 3.25]}, ModelSchema(), n_rows=2).values == [12.5, 3.25]


@pytest.mark.parametrize("body", [{"outputs": []}, {"predictions": "gold"}, ["gold"]])
def test_nonsense_is_a_value_error(body):
    with pytest.raises(ValueError):
        CODEC.decode(body, ModelSchema(), n_rows=1)


def test_round_trip_through_the_catalog_schema_never_changes_the_wire():
    described = ModelSchema((Feature("size", FeatureKind.NUMBER, description="ha"),
                             Feature("city", FeatureKind.CATEGORY, categories=("lyon", "paris"))), PROBA.outputs)
    bare = from_reference(MIXED[["size", "city"]])
    assert jsonable(CODEC.encode(MIXED[["size", "city"]], described)) == jsonable(CODEC.encode(MIXED[["size", "city"]], bare))


@pytest.mark.parametrize("path,url", [
    ("predict_url", "http://kserve:8080/v1/models/orchard:predict"),
    ("explain_url", "http://kserve:8080/v1/models/orchard:explain"),
    ("ready_url", "http://kserve:8080/v1/models/orchard"),
    ("metadata_url", "http://kserve:8080/v1/models/orchard"),
])
def test_v1_paths(path, url):
    assert getattr(ModelRef("orchard", "kserve-v1", "http://kserve:8080/"), path) == url
    assert ModelRef("orchard", "kserve-v1", "http://kserve:8080").feedback_url is None


def test_records_are_what_pandas_writes_for_every_column_kind():
    """The one-pass records equal pandas' own chain (object cast, missing as None, records), type for type."""
    from mds_client.codecs.kserve_v1 import _records

    frame = pd.DataFrame({
        "number": [1.5, np.nan, 2.0], "whole": [1, 2, 3], "small": pd.Series([3, 4, 5], dtype="uint8"),
        "nullable": pd.array([1, None, 3], dtype="Int64"), "text": ["x", None, "z"], "flag": [True, False, True],
        "when": pd.to_datetime(["2020-01-01", None, "2020-01-02"]), "mixed": ["a", 2, np.nan]})
    expected = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    got = _records(frame)
    assert got == expected
    assert [[type(v) for v in row.values()] for row in got] == [[type(v) for v in row.values()] for row in expected]
