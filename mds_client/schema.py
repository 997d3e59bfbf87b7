"""The model schema: what goes in (features) and what comes out (outputs).

One internal shape whatever the source (V2 metadata, Seldon v1 metadata,
Seldon's ML prediction schema, a catalog override, reference data); the
parsers live in ``schema_sources``. The form, the validator and the codecs all
read this, so a feature's facts are written down once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd


class FeatureKind(StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    CATEGORY = "category"
    BOOLEAN = "boolean"
    TEXT = "text"
    TENSOR = "tensor"
    IMAGE = "image"


TABULAR_KINDS = frozenset(
    {FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.CATEGORY, FeatureKind.BOOLEAN, FeatureKind.TEXT}
)

# V2 datatypes a feature kind travels as when nothing more specific is known.
DEFAULT_DATATYPE = {
    FeatureKind.NUMBER: "FP64",
    FeatureKind.INTEGER: "INT64",
    FeatureKind.CATEGORY: "BYTES",
    FeatureKind.BOOLEAN: "BOOL",
    FeatureKind.TEXT: "BYTES",
    FeatureKind.TENSOR: "FP32",
    FeatureKind.IMAGE: "FP32",
}


@dataclass(frozen=True)
class Feature:
    name: str
    kind: FeatureKind
    datatype: str = ""
    """V2 datatype on the wire (FP64, INT64, BOOL, BYTES, ...); empty: from ``kind``."""
    shape: tuple[int, ...] = ()
    """Per-instance shape for tensors and images, e.g. (8, 8)."""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    categories: tuple[Any, ...] = ()
    """Values sent on the wire, in order."""
    category_labels: dict[Any, str] = field(default_factory=dict)
    """Readable names for wire values (Seldon's category_map); the form shows these."""
    one_hot: bool = False
    """Sent as one 0/1 column per category (Seldon's ONE_HOT)."""
    default: Any = None
    description: str = ""
    unit: str = ""
    required: bool = True

    @property
    def wire_datatype(self) -> str:
        return self.datatype or DEFAULT_DATATYPE[self.kind]

    @property
    def is_tensor(self) -> bool:
        return self.kind in (FeatureKind.TENSOR, FeatureKind.IMAGE)

    def label_of(self, value: Any) -> str:
        return self.category_labels.get(value, str(value))

    def value_of_label(self, label: str) -> Any:
        for value, name in self.category_labels.items():
            if name == label:
                return value
        return label


@dataclass(frozen=True)
class Output:
    name: str
    kind: str = "tensor"
    """label (a class per row), proba (class probabilities), value (regression), text, tensor."""
    class_names: tuple[str, ...] = ()
    datatype: str = ""
    shape: tuple[int, ...] = ()
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row + 1}, {self.message}"


@dataclass(frozen=True)
class ModelSchema:
    features: tuple[Feature, ...] = ()
    outputs: tuple[Output, ...] = ()
    source: str = "none"
    """Where the facts came from: v2-metadata, seldon-metadata, prediction-schema, reference-data, ..."""
    messagetype: str = ""
    """For Seldon v1: the payload field the model expects (ndarray, tensor, jsonData, strData)."""

    # -- shape of the schema -------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def feature(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def is_empty(self) -> bool:
        return not self.features

    @property
    def tensor_feature(self) -> Feature | None:
        """The single tensor input of an image/tensor model, if that is what this is."""
        if len(self.features) == 1 and self.features[0].is_tensor:
            return self.features[0]
        return None

    @property
    def class_names(self) -> tuple[str, ...]:
        for kind in ("proba", "label"):
            for out in self.outputs:
                if out.kind == kind and out.class_names:
                    return out.class_names
        return ()

    @property
    def task(self) -> str:
        """classification, regression or other: decides how a result is shown."""
        kinds = {o.kind for o in self.outputs}
        if "proba" in kinds or self.class_names:
            return "classification"
        if "value" in kinds:
            return "regression"
        return "other"

    def output(self, kind: str) -> Output | None:
        return next((o for o in self.outputs if o.kind == kind), None)

    # -- columns ---------------------------------------------------------------
    def tensor_columns(self, feature: Feature) -> list[str]:
        """Flat column names of a tensor feature in a table (image_0_0, image_0_1, ...)."""
        dims = feature.shape or (1,)
        return [f"{feature.name}_" + "_".join(map(str, idx)) for idx in np.ndindex(*dims)]

    def table_columns(self) -> list[str]:
        """The columns a CSV/batch file for this model has, in order."""
        return list(self._column_features)

    @cached_property
    def _column_features(self) -> dict[str, Feature]:
        columns: dict[str, Feature] = {}
        for f in self.features:
            for col in self.tensor_columns(f) if f.is_tensor else [f.name]:
                columns[col] = f
        return columns

    def missing_columns(self, frame: pd.DataFrame) -> list[str]:
        return [c for c in self.table_columns() if c not in frame.columns and self._required_col(c)]

    def _required_col(self, column: str) -> bool:
        feature = self._column_features.get(column)
        return True if feature is None else feature.required

    # -- conversion ------------------------------------------------------------
    def coerce(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Bring user data to the dtypes the schema declares.

        Values that do not convert are left as they were; ``validate`` names them.
        Columns the schema does not know are dropped: they are not the model's.
        """
        if self.is_empty:
            return frame
        out = {}
        changed = False
        for col in self.table_columns():
            if col not in frame.columns:
                continue
            series = frame[col]
            out[col] = _coerce_series(series, self._feature_of_column(col))
            changed = changed or out[col] is not series
        if not changed and list(out) == list(frame.columns):
            return frame  # already in schema dtypes and order: the one-row predict path
        return pd.DataFrame(out, index=frame.index)

    def _feature_of_column(self, column: str) -> Feature:
        return self._column_features[column]

    def validate(self, frame: pd.DataFrame) -> list[CellError]:
        """Every bad cell, by row position and column, in plain words."""
        errors: list[CellError] = []
        for col in self.missing_columns(frame):
            errors.append(CellError(-1, col, f"{col}: column is missing"))
        if self.is_empty:
            return errors
        screened = self._screen_numeric(frame)
        for col in self.table_columns():
            if col not in frame.columns:
                continue
            rows = screened.get(col)
            if rows is not None and len(rows) == 0:
                continue
            feature = self._feature_of_column(col)
            series = frame[col]
            for i in _suspect_rows(series, feature) if rows is None else rows:
                message = check_value(feature, series.iat[i], column=col)
                if message:
                    errors.append(CellError(int(i), col, message))
        errors.sort(key=lambda e: (e.row, self._column_order(e.column)))
        return errors

    def _screen_numeric(self, frame: pd.DataFrame) -> dict[str, Any]:
        """Rows to check per numeric column, found for all numeric columns in one numpy pass."""
        cols, lows, highs, whole = [], [], [], []
        dtypes = dict(zip(frame.columns, frame.dtypes, strict=True))
        for f in self.features:
            if f.kind not in (FeatureKind.NUMBER, FeatureKind.INTEGER) or f.name not in dtypes:
                continue
            if dtypes[f.name].kind not in "fiu":
                continue
            cols.append(f.name)
            lows.append(-np.inf if f.minimum is None else f.minimum)
            highs.append(np.inf if f.maximum is None else f.maximum)
            whole.append(f.kind == FeatureKind.INTEGER)
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
        if not bad.any():
            return dict.fromkeys(cols, ())
        return {c: np.flatnonzero(bad[:, j]) for j, c in enumerate(cols)}

    def _column_order(self, column: str) -> int:
        return self._column_index.get(column, -1)

    @cached_property
    def _column_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self._column_features)}

    def example(self, reference: pd.DataFrame | None = None) -> dict[str, Any]:
        """A typical input row: the reference data's median/mode, else declared defaults."""
        row: dict[str, Any] = {}
        for f in self.features:
            if f.is_tensor:
                for col in self.tensor_columns(f):
                    row[col] = _typical(reference, col, f)
            else:
                row[f.name] = _typical(reference, f.name, f)
        return row

    def with_features(self, features: list[Feature]) -> ModelSchema:
        return replace(self, features=tuple(features))


def _suspect_rows(series: pd.Series, feature: Feature) -> Any:
    """Row positions that need a per-value check; numeric columns are screened with numpy first.

    Batch files have 100,000s of rows: checking every cell in Python would cost more than scoring.
    """
    numeric_kind = feature.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.TENSOR, FeatureKind.IMAGE)
    dtype = series.dtype
    if numeric_kind and pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = series.to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if feature.minimum is not None:
            bad |= values < feature.minimum
        if feature.maximum is not None:
            bad |= values > feature.maximum
        if feature.kind == FeatureKind.INTEGER:
            bad |= np.mod(np.nan_to_num(values), 1) != 0
        return np.flatnonzero(bad)
    if feature.kind == FeatureKind.BOOLEAN and pd.api.types.is_bool_dtype(dtype):
        return []
    if feature.kind == FeatureKind.TEXT and not feature.required:
        return []
    return range(len(series))


def check_value(feature: Feature, value: Any, *, column: str | None = None) -> str | None:
    """The plain-words problem with one value, or None when it fits."""
    name = column or feature.name
    if _is_missing(value):
        return f"{name}: value is missing" if feature.required else None
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
        if feature.minimum is not None and number < feature.minimum:
            return f"{name}: {value!r} is below the minimum {_fmt(feature.minimum)}"
        if feature.maximum is not None and number > feature.maximum:
            return f"{name}: {value!r} is above the maximum {_fmt(feature.maximum)}"
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


def _coerce_series(series: pd.Series, feature: Feature) -> pd.Series:
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
        if converted.notna().all() and (converted % 1 == 0).all():
            return converted.astype("int64")
        return series
    if kind == FeatureKind.BOOLEAN:
        values = [_to_bool(v) for v in series.tolist()]
        return pd.Series(values, index=series.index, dtype=bool) if None not in values else series
    if kind == FeatureKind.CATEGORY and feature.categories:
        values = [_match_category(feature, v) for v in series.tolist()]
        if any(v is _NO_MATCH for v in values):
            return series
        return pd.Series(values, index=series.index, dtype=_category_dtype(feature))
    if kind in (FeatureKind.CATEGORY, FeatureKind.TEXT):
        return series.astype(object).where(series.notna(), None)
    return series


def _category_dtype(feature: Feature) -> Any:
    if all(isinstance(c, (bool, np.bool_)) for c in feature.categories):
        return bool
    if all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in feature.categories):
        return "int64"
    if all(isinstance(c, (int, float, np.number)) for c in feature.categories):
        return "float64"
    return object


def _typical(reference: pd.DataFrame | None, column: str, feature: Feature) -> Any:
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
