"""A V2 body of more rows than a model takes in one request, cut by rows (``codecs.v2_parts.split_rows``)."""

from __future__ import annotations

import numpy as np
import pytest

from mds_client.codecs.v2_parts import split_rows
from mds_client.schema.model import Feature, FeatureKind, ModelSchema

COLUMNS = ModelSchema((Feature("size", FeatureKind.NUMBER, wire_shape=(-1, 1)), Feature("city", FeatureKind.TEXT)))
FIXED = ModelSchema((Feature("x", FeatureKind.TENSOR, shape=(2,), wire_shape=(2,)),))


def _body(n: int) -> dict:
    return {"id": "r1", "parameters": {"content_type": "pd"},
            "inputs": [{"name": "size", "datatype": "FP32", "shape": [n, 1], "data": np.arange(n, dtype=np.float32)},
                       {"name": "city", "datatype": "BYTES", "shape": [n], "data": [f"c{i}" for i in range(n)]}]}


def test_rows_are_cut_in_order_with_the_rest_of_the_body_kept():
    parts = split_rows(_body(5), COLUMNS, 5, 2)
    assert [[i["shape"] for i in p["inputs"]] for p in parts] == [[[2, 1], [2]], [[2, 1], [2]], [[1, 1], [1]]]
    assert [p["inputs"][1]["data"] for p in parts] == [["c0", "c1"], ["c2", "c3"], ["c4"]]
    assert [p["inputs"][0]["data"] for p in parts][2] == [4.0]
    assert all(p["parameters"] == {"content_type": "pd"} and p["id"] == "r1" for p in parts)


def test_an_input_without_a_batch_dimension_goes_in_its_declared_shape():
    body = {"inputs": [{"name": "x", "datatype": "FP32", "shape": [3, 2], "data": [[1, 2], [3, 4], [5, 6]]}]}
    parts = split_rows(body, FIXED, 3, 1)
    assert [(p["inputs"][0]["shape"], p["inputs"][0]["data"]) for p in parts] == [([2], [1, 2]), ([2], [3, 4]),
                                                                                  ([2], [5, 6])]


@pytest.mark.parametrize(("body", "n_rows", "per_request"), [
    (_body(2), 2, 2),                                                             # fits in one request
    (_body(2), 2, 0),                                                             # no limit
    ({"inputs": [{"name": "size", "shape": [3], "data": [1, 2]}]}, 3, 1),         # data short of its shape
    ({"inputs": [{"name": "size", "shape": [2], "data": [[1], [2, 3]]}]}, 2, 1),  # ragged
    ({"inputs": [{"name": "size", "shape": [4], "data": [1, 2, 3, 4]},
                 {"name": "city", "shape": [1], "data": ["a"]}]}, 4, 1),          # inputs of other lengths
    ({"data": {"ndarray": [[1], [2]]}}, 2, 1),                                    # not a V2 body
])
def test_a_body_that_cannot_be_cut_by_rows_goes_as_it_is(body, n_rows, per_request):
    assert split_rows(body, COLUMNS, n_rows, per_request) is None
