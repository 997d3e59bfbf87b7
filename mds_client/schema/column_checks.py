"""A column's bad cells at once: the numeric screen's rows checked one by one, a text column's distinct values once.

``ModelSchema.validate`` calls ``column_problems`` for each column of a large frame; ``cells.check_value`` says
what is wrong with one value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mds_client.schema.cells import DISTINCT_FROM, check_value, suspect_rows
from mds_client.schema.features import Feature


def column_problems(series: pd.Series, feature: Feature, column: str, rows: Any = None) -> list[tuple[int, str]]:
    """``(row position, message)`` for the bad cells of one column; ``rows``: the positions to check (by default
    those ``suspect_rows`` flags)."""
    if rows is None:
        rows = suspect_rows(series, feature)
        if isinstance(rows, range) and len(rows) >= DISTINCT_FROM and _all_text(series):
            return _distinct_problems(series, feature, column)
    values = series.to_numpy() if series.dtype == object else None  # the cells themselves, without pandas' lookup
    problems = []
    for i in rows:
        message = check_value(feature, series.iat[i] if values is None else values[i], column=column)
        if message:
            problems.append((int(i), message))
    return problems


def _all_text(series: pd.Series) -> bool:
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")


def _distinct_problems(series: pd.Series, feature: Feature, column: str) -> list[tuple[int, str]]:
    """``column_problems`` of a column of strings (and missing cells): each distinct value checked once."""
    codes, uniques = pd.factorize(series.to_numpy(), use_na_sentinel=True)
    bad = {code: message for code, value in enumerate(uniques.tolist())
           if (message := check_value(feature, value, column=column))}
    if (codes < 0).any():
        missing = check_value(feature, None, column=column)
        if missing:
            bad[-1] = missing
    if not bad:
        return []
    hit = np.isin(codes, list(bad))
    return [(i, bad[code]) for i, code in zip(np.flatnonzero(hit).tolist(), codes[hit].tolist(), strict=True)]
