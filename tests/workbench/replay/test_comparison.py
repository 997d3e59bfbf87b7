"""The comparison's arithmetic on small hand-made tables: changed rows, the confusion table, how far values
move, where the changes concentrate and how big each change is (no server)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.replay.comparison import (
    change_size,
    changed_rows,
    concentration,
    confusion,
    value_moves,
)


@pytest.mark.parametrize(("kind", "logged", "new", "tolerance", "expected"), [
    ("class", ["a", "b", "1"], ["a", "c", 1], 0.0, [False, True, False]),  # 1 answered as an int is logged "1"
    ("class", ["a", "b"], ["a", None], 0.0, [False, True]),
    ("value", [1.0, 2.0, 3.0], [1.0 + 1e-9, 2.5, 2.0], 1e-6, [False, True, True]),
    ("value", [1.0, 2.0], [1.4, 2.6], 0.5, [False, True]),
])
def test_changed_rows(kind, logged, new, tolerance, expected):
    got = changed_rows(kind, pd.Series(logged, dtype=object), pd.Series(new, dtype=object), tolerance)
    assert got.tolist() == expected


def test_confusion_puts_every_class_on_both_axes_in_the_models_order():
    table = confusion(pd.Series(["juice", "standard", "standard", "premium"]),
                      pd.Series(["juice", "premium", "standard", "new"]), ("premium", "standard", "juice"))
    assert table.index.tolist() == table.columns.tolist() == ["premium", "standard", "juice", "new"]
    assert table.loc["standard", "premium"] == 1 and table.loc["standard", "standard"] == 1
    assert table.loc["premium", "new"] == 1 and int(table.to_numpy().sum()) == 4
    assert (table.index.name, table.columns.name) == ("logged", "replayed")


def test_value_moves():
    moves = value_moves(pd.Series([1.0, 2.0, 3.0, 4.0]), pd.Series([1.0, 2.0, 8.0, 5.0]), 0.5)
    assert (moves.mean, moves.median, moves.max, moves.beyond, moves.share_beyond) == (1.5, 0.5, 5.0, 2, 0.5)


def test_a_number_that_changed_rows_share_has_its_standardized_mean_difference():
    inputs = pd.DataFrame({"rain": [10.0, 12.0, 1.0, 3.0, 2.0, 2.0], "noise": [1.0, 2.0, 2.0, 1.0, 1.0, 2.0]})
    changed = np.array([True, True, False, False, False, False])
    table = concentration(inputs, changed, {"rain": "number", "noise": "number"})
    assert table["feature"].tolist() == ["rain", "noise"]
    rain = table.iloc[0]
    pooled = math.sqrt((np.var([10.0, 12.0]) + np.var([1.0, 3.0, 2.0, 2.0])) / 2)
    assert rain["effect"] == pytest.approx((11.0 - 2.0) / pooled)
    assert (rain["changed_rows"], rain["other_rows"]) == (11.0, 2.0)
    assert rain["summary"].startswith("higher where answers change: mean 11 vs 2")


def test_the_most_over_represented_category_is_named_with_cohens_h():
    inputs = pd.DataFrame({"variety": ["gala", "gala", "gala", "cox", "cox", "cox", "gala", "cox"]})
    changed = np.array([True, True, True, False, False, False, False, True])
    row = concentration(inputs, changed, {"variety": "category"}).iloc[0]
    assert (row["category"], row["changed_rows"], row["other_rows"]) == ("gala", 0.75, 0.25)
    assert row["effect"] == pytest.approx(2 * math.asin(math.sqrt(0.75)) - 2 * math.asin(math.sqrt(0.25)))
    assert row["summary"] == "'gala' is 75% of changed rows vs 25% of the others (h +1.05)"


@pytest.mark.parametrize("changed", [[True, True], [False, False]])
def test_nothing_concentrates_when_every_row_or_none_changed(changed):
    assert concentration(pd.DataFrame({"x": [1.0, 2.0]}), np.array(changed), {"x": "number"}).empty


def test_change_size_of_a_class_is_the_probability_taken_from_the_logged_class():
    size = change_size("class", pd.Series(["a", "b"]), pd.Series(["b", "a"]), pd.Series([0.9, 0.6]),
                       pd.Series([0.2, np.nan]))
    assert size[0] == pytest.approx(0.7) and math.isnan(size[1])
    assert change_size("value", pd.Series([1.0]), pd.Series([-2.0]), pd.Series([None]), None).tolist() == [3.0]
