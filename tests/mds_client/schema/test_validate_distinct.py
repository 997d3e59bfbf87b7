"""A large file's text columns are checked one distinct value at a time: the same problems as cell by cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client.schema.cells import DISTINCT_FROM, _category_dtype, _match_category, check_value, coerce_series
from mds_client.schema.features import Feature, FeatureKind
from mds_client.schema.model import ModelSchema

FEATURES = (
    Feature("plan", FeatureKind.CATEGORY, categories=("basic", "plus", "pro")),
    Feature("grade", FeatureKind.CATEGORY, categories=(0, 1, 2), category_labels={0: "low", 1: "mid", 2: "high"}),
    Feature("note", FeatureKind.TEXT),
    Feature("member", FeatureKind.BOOLEAN),
    Feature("age", FeatureKind.INTEGER, minimum=0, maximum=120),
    Feature("comment", FeatureKind.TEXT, required=False),
)
SCHEMA = ModelSchema(FEATURES, ())


def _cell_by_cell(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    found = []
    for feature in FEATURES:
        for i, value in enumerate(frame[feature.name].tolist()):
            message = check_value(feature, value, column=feature.name)
            if message:
                found.append((i, feature.name, message))
    order = {f.name: k for k, f in enumerate(FEATURES)}
    return sorted(found, key=lambda e: (e[0], order[e[1]]))


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "plan": rng.choice(["basic", "plus", "pro", "Pro", "gold", "", " ", None, np.nan], rows).astype(object),
        "grade": rng.choice(["low", "mid", "high", "0", "2", "top"], rows).astype(object),
        "note": rng.choice(["ok", "fine", "", None], rows).astype(object),
        "member": rng.choice(["yes", "no", "true", "maybe", None], rows).astype(object),
        "age": pd.Series(rng.choice([1, 30, "old", None, 200], rows), dtype=object),  # mixed: cell by cell
        "comment": rng.choice(["x", None], rows).astype(object),
    })


@pytest.mark.parametrize("rows", [DISTINCT_FROM - 1, DISTINCT_FROM, 5_000])
def test_validate_names_every_bad_cell_as_the_cell_check_does(rows):
    frame = _frame(rows, seed=rows)
    found = [(e.row, e.column, e.message) for e in SCHEMA.validate(frame)]
    assert found == _cell_by_cell(frame)
    assert {column for _, column, _ in found} >= {"plan", "grade", "note", "member", "age"}


def test_a_clean_text_column_of_many_rows_has_no_problem():
    frame = pd.DataFrame({"plan": ["basic", "plus", "pro"] * 40_000})
    schema = ModelSchema((FEATURES[0],), ())
    assert schema.validate(frame) == []


@pytest.mark.parametrize("feature", [FEATURES[0], FEATURES[1]], ids=["names", "codes with labels"])
@pytest.mark.parametrize("rows", [DISTINCT_FROM - 1, 5_000])
def test_a_category_column_is_coerced_as_cell_by_cell(feature, rows):
    rng = np.random.default_rng(rows)
    good = ["basic", "plus", "pro"] if feature.name == "plan" else ["low", "mid", "high", "0", "2"]
    series = pd.Series(rng.choice(good, rows).astype(object), name=feature.name, index=range(7, 7 + rows))
    coerced = coerce_series(series, feature)
    expected = pd.Series([_match_category(feature, v) for v in series.tolist()], index=series.index,
                         dtype=_category_dtype(feature), name=feature.name)
    pd.testing.assert_series_equal(coerced, expected, check_names=False)
    unknown = series.copy()
    unknown.iloc[-1] = "gold"
    assert coerce_series(unknown, feature) is unknown  # left as it was: validate names the cell
