"""A one-row call's text and category cells skip the coercion that would leave them as they are
(``cells.text_as_is``), and only those: a value that needs matching ('Lyon' for 'lyon', a label, a number) still
goes through ``coerce_series``, and the frame sent is the one full coercion gives."""

from __future__ import annotations

import pandas as pd
import pytest

from mds_client.schema.cells import coerce_series, text_as_is
from mds_client.schema.model import Feature, FeatureKind, ModelSchema

CITY = Feature("city", FeatureKind.CATEGORY, categories=("lyon", "paris"))
FREE = Feature("city", FeatureKind.CATEGORY)
NOTE = Feature("city", FeatureKind.TEXT)
CODED = Feature("city", FeatureKind.CATEGORY, categories=(0, 1), category_labels={0: "lyon", 1: "paris"})


@pytest.mark.parametrize(("feature", "values", "as_is"), [
    (CITY, ["lyon"], True),
    (CITY, ["lyon", "paris"], True),
    (CITY, ["Lyon"], False),       # matched to 'lyon' by coercion
    (CITY, ["nice"], False),       # not a category: coercion leaves it, validation names it
    (CITY, [None], False),
    (FREE, ["anything"], True),
    (NOTE, ["a note"], True),
    (NOTE, [3], False),            # a number in a text column: made text
    (NOTE, [float("nan")], False),
    (CODED, ["lyon"], False),      # a label whose wire value is a code
])
def test_only_cells_coercion_would_leave_alone_are_taken_as_they_are(feature, values, as_is):
    series = pd.Series(values, dtype=object)
    assert text_as_is(series, feature) is as_is
    if as_is:
        assert coerce_series(series, feature).tolist() == values


@pytest.mark.parametrize("city", ["lyon", "Lyon", "paris"])
def test_a_one_row_frame_is_coerced_as_the_full_path_coerces_it(city):
    schema = ModelSchema((Feature("size", FeatureKind.NUMBER), CITY, Feature("organic", FeatureKind.BOOLEAN)))
    row = pd.DataFrame({"size": [3.5], "city": [city], "organic": [True]})
    expected = pd.DataFrame({c: coerce_series(row[c], schema.feature(c)) for c in row.columns})
    pd.testing.assert_frame_equal(schema.coerce(row), expected)
