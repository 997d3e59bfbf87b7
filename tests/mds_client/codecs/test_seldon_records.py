"""The Seldon codec's jsonData records are pandas' own records, value for value and type for type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client.codecs.seldon import json_records


def _pandas_records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _typed(records: list[dict]) -> list[list[tuple]]:
    # 1 == 1.0 == True: compare the types too
    return [[(key, type(value).__name__, repr(value)) for key, value in row.items()] for row in records]


FRAMES = {
    "mixed": pd.DataFrame({"city": ["Oslo", "Lyon", None], "age": [31, 45, 62], "spend": [1.5, np.nan, 3.25],
                           "member": [True, False, True]}),
    "extension dtypes": pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64"),
                                      "flag": pd.array([True, None, False], dtype="boolean"),
                                      "text": pd.array(["a", None, "c"], dtype="string")}),
    "numpy scalars in an object column": pd.DataFrame({"x": pd.Series([np.int64(4), np.float64(2.5), "s"],
                                                                      dtype=object)}),
    "dates and categories": pd.DataFrame({"day": pd.to_datetime(["2026-01-02", None, "2026-03-04"]),
                                          "size": pd.Categorical(["S", "M", None])}),
    "small ints and floats": pd.DataFrame({"u8": np.array([1, 2, 255], dtype=np.uint8),
                                           "f32": np.array([0.5, np.nan, 2.0], dtype=np.float32)}),
    "a number as a column name": pd.DataFrame({0: ["a", "b"], 1: [1.0, 2.0]}),
    "no rows": pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
    "no columns": pd.DataFrame(index=range(2)),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_records_are_pandas_records_value_and_type(name):
    frame = FRAMES[name]
    assert _typed(json_records(frame)) == _typed(_pandas_records(frame))


def test_rows_are_separate_dicts():
    rows = json_records(FRAMES["mixed"])
    rows[0]["city"] = "Bergen"
    assert rows[1]["city"] == "Lyon" and rows[2]["city"] is None
