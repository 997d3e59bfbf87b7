"""validate() names every bad cell by row and column, in plain words; coerce() fixes dtypes."""

import pandas as pd
import pytest

from mds_client.schema.model import Feature, FeatureKind, ModelSchema

SCHEMA = ModelSchema((
    Feature("weight_kg", FeatureKind.NUMBER, minimum=0, maximum=500),
    Feature("count", FeatureKind.INTEGER),
    Feature("colour", FeatureKind.CATEGORY, categories=("red", "blue")),
    Feature("flag", FeatureKind.BOOLEAN),
    Feature("sex", FeatureKind.CATEGORY, categories=(0, 1), category_labels={0: "Female", 1: "Male"}),
))


@pytest.mark.parametrize("column,value,message", [
    ("weight_kg", "heavy", "weight_kg: 'heavy' is not a number"),
    ("weight_kg", -1, "weight_kg: -1 is below the minimum 0"),
    ("weight_kg", 501, "weight_kg: 501 is above the maximum 500"),
    ("weight_kg", None, "weight_kg: value is missing"),
    ("count", 1.5, "count: 1.5 is not a whole number"),
    ("colour", "green", "colour: 'green' is not one of red, blue"),
    ("flag", "maybe", "flag: 'maybe' is not true/false"),
    ("sex", "Other", "sex: 'Other' is not one of Female, Male"),
])
def test_each_bad_cell_is_named(column, value, message):
    row = {"weight_kg": 70.0, "count": 2, "colour": "red", "flag": True, "sex": "Male"}
    row[column] = value
    errors = SCHEMA.validate(pd.DataFrame([row, dict(row)]))
    assert [(e.row, e.column, e.message) for e in errors] == [(0, column, message), (1, column, message)]


def test_valid_rows_pass_and_missing_columns_are_reported():
    good = pd.DataFrame([{"weight_kg": "70", "count": "2", "colour": "blue", "flag": "yes", "sex": "Female"}])
    assert SCHEMA.validate(good) == []
    errors = SCHEMA.validate(good.drop(columns=["count"]))
    assert [(e.row, e.column) for e in errors] == [(-1, "count")]


def test_coerce_gives_schema_dtypes_and_category_codes():
    frame = pd.DataFrame([{"weight_kg": "70.5", "count": "2", "colour": "blue", "flag": "no", "sex": "Male",
                           "extra": "dropped"}])
    out = SCHEMA.coerce(frame)
    assert list(out.columns) == ["weight_kg", "count", "colour", "flag", "sex"]
    assert out["weight_kg"].dtype == float and out["count"].dtype == "int64"
    assert out["flag"].dtype == bool and not out["flag"].iloc[0]
    assert out["sex"].iloc[0] == 1 and out["sex"].dtype == "int64"


def test_example_prefers_reference_data():
    ref = pd.DataFrame({"weight_kg": [60.0, 70.0, 80.0], "count": [1, 3, 3], "colour": ["blue", "blue", "red"]})
    row = SCHEMA.example(ref)
    assert row["weight_kg"] == 70.0 and row["count"] == 3 and row["colour"] == "blue"
    assert row["flag"] is False and row["sex"] == 0
