"""Declared limits are errors; ranges only observed in reference data are warnings (the row is sent).

A shifted row must still be scored (the model can, and drift monitoring has to see it); a value
outside a limit the schema declares is refused before anything is sent.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mds_client import InputError
from mds_client.schema.sources import from_prediction_schema, from_reference, from_v2_metadata, resolve


def test_reference_data_gives_observed_ranges_that_only_warn():
    schema = from_reference(pd.DataFrame({"alcohol": [11.0, 14.8], "n": [1, 3]}))
    alcohol = schema.feature("alcohol")
    assert (alcohol.minimum, alcohol.maximum, alcohol.bounds_declared) == (11.0, 14.8, False)
    shifted = pd.DataFrame({"alcohol": [15.2], "n": [2]})
    assert schema.validate(shifted) == []
    (note,) = schema.range_warnings(shifted)
    assert str(note) == "row 1, alcohol: 15.2 is above the highest value seen in the reference data (14.8)"


def test_bounds_a_schema_declares_are_errors():
    declared = from_prediction_schema({"requests": [{"name": "alcohol", "type": "REAL", "range": [11, 14.8]}]})
    assert declared.feature("alcohol").bounds_declared
    (error,) = declared.validate(pd.DataFrame({"alcohol": [15.2]}))
    assert error.message == "alcohol: 15.2 is above the maximum 14.8"


def test_v2_metadata_marks_observed_bounds_and_resolve_keeps_where_bounds_came_from():
    meta = {"inputs": [{"name": "a", "datatype": "FP64", "shape": [-1], "parameters": {"min": 0, "max": 1, "bounds": "observed"}},
                       {"name": "b", "datatype": "FP64", "shape": [-1]}]}
    parsed = from_v2_metadata(meta)
    assert not parsed.feature("a").bounds_declared
    merged = resolve([parsed, from_reference(pd.DataFrame({"a": [0.5], "b": [2.0]}))])
    b = merged.feature("b")
    assert (b.minimum, b.maximum, b.bounds_declared) == (2.0, 2.0, False)  # filled from reference: still a warning


def test_a_shifted_row_is_scored_by_the_real_model(client, refs):
    ref = refs["wine"]
    schema = client.schema(ref)
    row = pd.read_csv(ref.reference_data).head(1).copy()
    row["alcohol"] = 15.2  # above the 14.83 seen in training
    assert schema.validate(row) == [] and len(schema.range_warnings(row)) == 1
    prediction = client.predict(ref, row, schema)
    assert prediction.labels[0] in schema.class_names


def test_a_declared_limit_is_still_refused_before_sending(client, refs):
    ref = refs["tips"]
    schema = client.schema(ref)
    row = pd.DataFrame([schema.example(pd.read_csv(ref.reference_data))])
    row["size"] = 9
    with pytest.raises(InputError, match="size: 9 is above the maximum 6"):
        client.predict(ref, row, schema)
