"""One value at a time: is it valid for its feature, and what does it become on the wire.

Numeric columns are screened with numpy first (``suspect_rows``); only the rows it flags,
and non-numeric columns, are checked value by value in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from mds_client.schema.features import Feature, FeatureKind


def suspect_rows(series: pd.Series, feature: Feature) -> Any:
    """Row positions that need a per-value check; numeric columns are screened with numpy first.

    Batch files have 100,000s of rows: checking every cell in Python would cost more than scoring.
    """
    numeric_kind = feature.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.TENSOR, FeatureKind.IMAGE)
    dtype = series.dtype
    if numeric_kind and pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = series.to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if feature.hard_minimum is not None:
            bad |= values < feature.hard_minimum
        if feature.hard_maximum is not None:
            bad |= values > feature.hard_maximum
        if feature.wire_limits is not None:
            bad |= outside_wire_screen(values, feature.wire_limits)
        if feature.kind == FeatureKind.INTEGER:
            bad |= np.mod(np.nan_to_num(values), 1) != 0
        return np.flatnonzero(bad)
    if feature.kind == FeatureKind.BOOLEAN and pd.api.types.is_bool_dtype(dtype):
        return []
    if feature.kind == FeatureKind.TEXT and not feature.required:
        return []
    return range(len(series))


def outside_wire_screen(values: np.ndarray, limits: tuple[int, int]) -> np.ndarray:
    """Floats at or beyond an integer datatype's limits: a superset, each then checked exactly by
    ``check_value`` (2**63 - 1 and 2**63 are the same float)."""
    low, high = float(limits[0]), float(limits[1])
    bad = (values < low) | (values > high)
    if high != limits[1]:  # a 64-bit limit rounds up as a float: values that round onto it are checked too
        bad |= values == high
    return bad


def screen_numeric(features: Iterable[Feature], frame: pd.DataFrame) -> dict[str, Any]:
    """Rows to check per numeric column, found for all numeric columns in one numpy pass."""
    cols, lows, highs, whole, wired = [], [], [], [], []
    dtypes = dict(zip(frame.columns, frame.dtypes, strict=True))
    for f in features:
        if f.kind not in (FeatureKind.NUMBER, FeatureKind.INTEGER) or f.name not in dtypes:
            continue
        if dtypes[f.name].kind not in "fiu":
            continue
        cols.append(f.name)
        lows.append(-np.inf if f.hard_minimum is None else f.hard_minimum)
        highs.append(np.inf if f.hard_maximum is None else f.hard_maximum)
        whole.append(f.kind == FeatureKind.INTEGER)
        wired.append(f.wire_limits)
    if not cols:
        return {}
    values = np.column_stack([frame[c].to_numpy(dtype=float) for c in cols])
    bad = ~np.isfinite(values)
    if np.isfinite(lows).any():
        bad |= values < np.asarray(lows)
    if np.isfinite(highs).any():
        bad |= values > np.asarray(highs)
    if any(whole):
        bad |= (np.mod(np.nan_to_num(values), 1) != 0) & np.asarray(whole)
    for j, limits in enumerate(wired):
        if limits is not None:
            bad[:, j] |= outside_wire_screen(values[:, j], limits)
    if not bad.any():
        return dict.fromkeys(cols, ())
    return {c: np.flatnonzero(bad[:, j]) for j, c in enumerate(cols)}


DISTINCT_FROM = 64
"""Rows from which a text column is checked one distinct value at a time: a file's category column holds a few values
100,000 times, and checking each cell in Python cost more than the server takes to score the rows."""


def check_value(feature: Feature, value: Any, *, column: str | None = None) -> str | None:
    """The plain-words problem with one value, or None when it fits."""
    name = column or feature.name
    if _is_missing(value):
        if feature.required:
            return f"{name}: value is missing"
        if not feature.missing_allowed:
            return f"{name}: value is missing, and its input type ({feature.wire_datatype}) has no missing value"
        return None
    kind = feature.kind
    if kind in (FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.TENSOR, FeatureKind.IMAGE):
        if isinstance(value, bool):
            return f"{name}: {value!r} is not a number"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return f"{name}: {value!r} is not a number"
        if math.isnan(number) or math.isinf(number):
            return f"{name}: {value!r} is not a finite number"
        if kind == FeatureKind.INTEGER and not float(number).is_integer():
            return f"{name}: {value!r} is not a whole number"
        outside = _outside_wire(feature, value, number)
        if outside:
            return f"{name}: {outside}"
        if feature.hard_minimum is not None and number < feature.hard_minimum:
            return f"{name}: {value!r} is below the minimum {_fmt(feature.hard_minimum)}"
        if feature.hard_maximum is not None and number > feature.hard_maximum:
            return f"{name}: {value!r} is above the maximum {_fmt(feature.hard_maximum)}"
        return None
    if kind == FeatureKind.BOOLEAN:
        if _to_bool(value) is None:
            return f"{name}: {value!r} is not true/false"
        return None
    if kind == FeatureKind.CATEGORY and feature.categories:
        if _match_category(feature, value) is _NO_MATCH:
            shown = ", ".join(feature.label_of(c) for c in feature.categories[:8])
            more = ", ..." if len(feature.categories) > 8 else ""
            return f"{name}: {value!r} is not one of {shown}{more}"
    return None


def _outside_wire(feature: Feature, value: Any, number: float) -> str | None:
    """A whole number the input's wire datatype cannot hold (300 for UINT8, 2**64 for INT64), compared exactly."""
    limits = feature.wire_limits
    if limits is None:
        return None
    if isinstance(value, (int, np.integer)):
        whole = int(value)
    elif number.is_integer():
        whole = int(number)
    else:
        return None
    low, high = limits
    if low <= whole <= high:
        return None
    return f"{value!r} does not fit its input type {feature.wire_datatype} ({low} to {high})"


def range_note(feature: Feature, value: Any, *, column: str | None = None) -> str | None:
    """A warning when a number lies outside the range only *observed* in reference data.

    Such a row is still sent: the model can score it, and drift monitoring must see it.
    """
    if feature.bounds_declared or feature.kind not in (FeatureKind.NUMBER, FeatureKind.INTEGER):
        return None
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    name = column or feature.name
    if feature.minimum is not None and number < feature.minimum:
        return f"{name}: {value!r} is below the lowest value seen in the reference data ({_fmt(feature.minimum)})"
    if feature.maximum is not None and number > feature.maximum:
        return f"{name}: {value!r} is above the highest value seen in the reference data ({_fmt(feature.maximum)})"
    return None


_NO_MATCH = object()


def _match_category(feature: Feature, value: Any) -> Any:
    """The wire value a user value means: the value itself, its label, or its text form."""
    if value in feature.categories:
        return value
    text = str(value)
    for c in feature.categories:
        if str(c) == text or feature.label_of(c) == text:
            return c
    return _NO_MATCH


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and value.strip() == "":
        return True
    return value is pd.NA or value is pd.NaT


_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    if isinstance(value, (float, np.floating)) and value in (0.0, 1.0):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def coerce_series(series: pd.Series, feature: Feature) -> pd.Series:
    kind = feature.kind
    dtype_kind = series.dtype.kind
    # Already the right dtype: nothing to convert (the common case, and the hot path of one-row predicts).
    if kind in (FeatureKind.NUMBER, FeatureKind.TENSOR, FeatureKind.IMAGE) and dtype_kind == "f":
        return series
    if kind in (FeatureKind.INTEGER, FeatureKind.NUMBER) and dtype_kind in "iu":
        return series
    if kind == FeatureKind.BOOLEAN and dtype_kind == "b":
        return series
    if kind in (FeatureKind.NUMBER, FeatureKind.TENSOR, FeatureKind.IMAGE):
        converted = pd.to_numeric(series, errors="coerce")
        return converted if converted.notna().sum() == series.notna().sum() else series
    if kind == FeatureKind.INTEGER:
        converted = pd.to_numeric(series, errors="coerce")
        if converted.notna().all() and (converted % 1 == 0).all() and (converted.abs() < 2.0**63).all():
            return converted.astype("int64")  # beyond int64 it would wrap round: left as is, validate names it
        return series
    if kind == FeatureKind.BOOLEAN:
        values = [_to_bool(v) for v in series.tolist()]
        return pd.Series(values, index=series.index, dtype=bool) if None not in values else series
    if kind == FeatureKind.CATEGORY and feature.categories:
        if len(series) >= DISTINCT_FROM and pd.api.types.infer_dtype(series, skipna=False) == "string":
            # A file's strings: each distinct value matched once (a few values thousands of times).
            codes, uniques = pd.factorize(series.to_numpy())
            matched = [_match_category(feature, v) for v in uniques.tolist()]
            if any(v is _NO_MATCH for v in matched):
                return series
            return pd.Series(np.asarray(matched, dtype=object)[codes], index=series.index,
                             dtype=_category_dtype(feature))
        values = [_match_category(feature, v) for v in series.tolist()]
        if any(v is _NO_MATCH for v in values):
            return series
        return pd.Series(values, index=series.index, dtype=_category_dtype(feature))
    if kind in (FeatureKind.CATEGORY, FeatureKind.TEXT):
        return series.astype(object).where(series.notna(), None)
    return series


def text_as_is(series: pd.Series, feature: Feature) -> bool:
    """Whether ``coerce_series`` would leave this text or category column's values as they are: every value a string,
    and for a category with a list, one of its values exactly (a one-row call then skips building a new frame,
    about 0.4 ms)."""
    if feature.kind == FeatureKind.CATEGORY and feature.categories:
        return all(isinstance(v, str) and v in feature.categories for v in series.tolist()) and \
            _category_dtype(feature) is object
    return feature.kind in (FeatureKind.CATEGORY, FeatureKind.TEXT) and all(isinstance(v, str) for v in series.tolist())


def _category_dtype(feature: Feature) -> Any:
    if all(isinstance(c, (bool, np.bool_)) for c in feature.categories):
        return bool
    if all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in feature.categories):
        return "int64"
    if all(isinstance(c, (int, float, np.number)) for c in feature.categories):
        return "float64"
    return object


def typical_value(reference: pd.DataFrame | None, column: str, feature: Feature) -> Any:
    if reference is not None and column in reference.columns and reference[column].notna().any():
        series = reference[column].dropna()
        if feature.kind == FeatureKind.NUMBER or feature.is_tensor:
            return float(series.median())
        if feature.kind == FeatureKind.INTEGER:
            return round(float(series.median()))
        mode = series.mode()
        value = mode.iloc[0] if len(mode) else series.iloc[0]
        return value.item() if hasattr(value, "item") else value
    if feature.default is not None:
        return feature.default
    if feature.kind == FeatureKind.CATEGORY and feature.categories:
        return feature.categories[0]
    if feature.kind == FeatureKind.BOOLEAN:
        return False
    if feature.kind in (FeatureKind.NUMBER, FeatureKind.TENSOR, FeatureKind.IMAGE):
        return float(feature.minimum) if feature.minimum is not None else 0.0
    if feature.kind == FeatureKind.INTEGER:
        return int(feature.minimum) if feature.minimum is not None else 0
    return ""


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def column_dtypes(frame: pd.DataFrame) -> list[Any]:
    """Each column's dtype, in order. ``frame.dtypes`` builds a Series (about 0.1 ms, twice in a one-row call); a
    few columns read one by one cost a quarter of that."""
    if len(frame.columns) > 8 or not frame.columns.is_unique:
        return frame.dtypes.tolist()
    return [frame[c].dtype for c in frame.columns]
