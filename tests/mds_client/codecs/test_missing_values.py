"""A missing value on the wire: NaN in a floating-point column is written null by every codec (never 0, never
the text "nan"), where the schema allows one; the real-server check is tests/workbench/predict/test_missing_values.py."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mds_client import Feature, FeatureKind, ModelSchema
from mds_client.codecs.seldon import SeldonCodec
from mds_client.codecs.v2 import V2Codec
from mds_client.prediction import dump_json

SCHEMA = ModelSchema(features=(
    Feature("apiary", FeatureKind.CATEGORY, categories=("hill", "meadow")),
    Feature("mite_count", FeatureKind.NUMBER, required=False),
    Feature("brood_temp_c", FeatureKind.NUMBER),
))
NUMERIC = ModelSchema(features=SCHEMA.features[1:])


def _wire(body) -> dict:
    return json.loads(dump_json(body))


@pytest.mark.parametrize("rows", [1, 40])  # the value-by-value path and the column path
def test_v2_sends_a_missing_number_as_null_in_its_fp64_input(rows):
    frame = pd.DataFrame({"apiary": ["hill"] * rows, "mite_count": [None] * rows, "brood_temp_c": [34.2] * rows})
    assert not SCHEMA.validate(frame)
    inputs = {i["name"]: i for i in _wire(V2Codec().encode(SCHEMA.coerce(frame), SCHEMA))["inputs"]}
    assert inputs["mite_count"]["datatype"] == "FP64"
    assert inputs["mite_count"]["data"] == [None] * rows


@pytest.mark.parametrize(("schema", "field"), [(SCHEMA, "jsonData"), (NUMERIC, "data")])
def test_seldon_sends_a_missing_number_as_null(schema, field):
    frame = pd.DataFrame({"apiary": ["hill"], "mite_count": [np.nan], "brood_temp_c": [34.2]})[list(schema.names)]
    body = _wire(SeldonCodec().encode(schema.coerce(frame), schema))
    if field == "jsonData":
        assert body["jsonData"] == [{"apiary": "hill", "mite_count": None, "brood_temp_c": 34.2}]
    else:
        assert body["data"]["ndarray"] == [[None, 34.2]]


def test_a_required_number_left_empty_is_named_before_anything_is_encoded():
    frame = pd.DataFrame({"apiary": ["hill"], "mite_count": [1.0], "brood_temp_c": [None]})
    assert [str(e) for e in SCHEMA.validate(frame)] == ["row 1, brood_temp_c: value is missing"]
