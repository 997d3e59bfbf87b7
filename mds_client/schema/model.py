"""The model schema: what goes in (features) and what comes out (outputs).

One internal shape whatever the source (V2 metadata, Seldon v1 metadata,
Seldon's ML prediction schema, a catalog override, reference data); the
parsers live in ``schema_sources``. The form, the validator and the codecs all
read this, so a feature's facts are written down once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from mds_client.schema.cells import (
    check_value,
    coerce_series,
    column_dtypes,
    range_note,
    screen_numeric,
    text_as_is,
    typical_value,
)
from mds_client.schema.column_checks import column_problems
from mds_client.schema.features import DEFAULT_DATATYPE, TABULAR_KINDS, Feature, FeatureKind
from mds_client.schema.params import Param

__all__ = [
    "DEFAULT_DATATYPE", "TABULAR_KINDS", "CellError", "Feature", "FeatureKind", "ModelSchema", "Output", "check_value",
    "column_dtypes",
]


SMALL_FRAME = 16
"""Frames of at most this many rows are checked and encoded value by value."""


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
    wire_name: str = ""
    """The name the server itself declares for this output (V2 metadata), "" when it declares none.

    A catalog schema may rename and describe an output; only ``wire_name`` ever goes on the wire."""
    classification: int = 0
    """Classes the server names from a label file (Triton's ``label_filename``): asked for with its
    classification extension, the answer's ``score:index:label`` strings give probabilities and class names."""


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
    request_content_type: str = ""
    """The request content type the serving model's own V2 metadata declares (model-level
    ``parameters.content_type``, e.g. ``np``: one numeric tensor); never taken from a catalog schema."""
    params: tuple[Param, ...] = ()
    """The inference parameters the serving model's own V2 metadata lists (an MLflow signature's params)."""
    rows_per_request: int = 0
    """The most rows the server takes in one request, from its configuration (a Triton model's ``max_batch_size``;
    1 for ``max_batch_size: 0``, whatever shapes the metadata declares); 0 when it sets no limit."""

    # -- shape of the schema -------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def feature(self, name: str) -> Feature:
        return self._features_by_name[name]

    def feature_or_none(self, name: str) -> Feature | None:
        return self._features_by_name.get(name)

    @cached_property
    def _features_by_name(self) -> dict[str, Feature]:
        return {f.name: f for f in self.features}

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
    def one_row_per_call(self) -> bool:
        """Each request carries one row, so the client sends several rows one request each: the server declared fixed
        input shapes with no batch dimension, or its configuration says the model takes none (Triton's
        ``max_batch_size: 0``, where a ``[-1]`` input is a length, not a batch)."""
        return self.rows_per_request == 1 or any(not f.batched for f in self.features)

    @property
    def no_batch_reason(self) -> str:
        """Why the model takes one row per request, in words ("" when it takes several)."""
        fixed = next((f for f in self.features if not f.batched), None)
        if fixed is not None:
            return f"its input {fixed.name} has the fixed shape {list(fixed.wire_shape)}, no batch dimension"
        if self.rows_per_request == 1:
            return "its server's configuration gives it no batch dimension (max_batch_size 0)"
        return ""

    @property
    def takes_numeric_rows(self) -> bool:
        """The model declared (V2 ``content_type: np``) that it takes rows as one numeric [n, k] tensor,
        and every feature is a number: what explanations send their thousands of rows as."""
        return (self.request_content_type == "np" and bool(self.features)
                and all(f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) for f in self.features))

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
        if "proba" in kinds or "label" in kinds or self.class_names:
            return "classification"
        if "value" in kinds:
            return "regression"
        return "other"

    @cached_property
    def wire_outputs(self) -> tuple[str, ...]:
        """Output names a V2 request may ask for: only those the server declared, none otherwise."""
        return tuple(dict.fromkeys(o.wire_name for o in self.outputs if o.wire_name))

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
        if self._fits_as_is(frame):
            return frame  # already in schema dtypes and order: the one-row predict path
        out = {}
        changed = False
        for col in self.table_columns():
            if col not in frame.columns:
                continue
            series = frame[col]
            out[col] = coerce_series(series, self._feature_of_column(col))
            changed = changed or out[col] is not series
        if not changed and list(out) == list(frame.columns):
            return frame  # already in schema dtypes and order: the one-row predict path
        return pd.DataFrame(out, index=frame.index)

    def _fits_as_is(self, frame: pd.DataFrame) -> bool:
        """Columns in schema order with dtypes that need no conversion: checked on dtypes alone."""
        if list(frame.columns) != self.table_columns():
            return False
        for col, dtype in zip(frame.columns, column_dtypes(frame), strict=True):
            kind, feature = dtype.kind, self._column_features[col]
            if feature.kind in (FeatureKind.NUMBER, FeatureKind.TENSOR, FeatureKind.IMAGE) and kind in "fiu":
                continue
            if feature.kind == FeatureKind.INTEGER and kind in "iu":
                continue
            if feature.kind == FeatureKind.BOOLEAN and kind == "b":
                continue
            if kind == "O" and len(frame) <= SMALL_FRAME and text_as_is(frame[col], feature):
                continue  # the form's text and category cells, already as the wire wants them
            return False
        return True

    def _feature_of_column(self, column: str) -> Feature:
        return self._column_features[column]

    def validate(self, frame: pd.DataFrame) -> list[CellError]:
        """Every bad cell, by row position and column, in plain words."""
        errors: list[CellError] = []
        for col in self.missing_columns(frame):
            errors.append(CellError(-1, col, f"{col}: column is missing"))
        if self.is_empty:
            return errors
        if len(frame) <= SMALL_FRAME:
            # A few rows (the form, a compare): plain Python over the values beats numpy set-up,
            # and touches pandas once instead of once per column.
            values = frame.to_numpy(dtype=object)
            position = {c: j for j, c in enumerate(frame.columns)}
            for col in self.table_columns():
                j = position.get(col)
                if j is None:
                    continue
                feature = self._column_features[col]
                for i, value in enumerate(values[:, j].tolist()):
                    message = check_value(feature, value, column=col)
                    if message:
                        errors.append(CellError(i, col, message))
            return errors
        screened = screen_numeric(self.features, frame)
        for col in self.table_columns():
            if col not in frame.columns:
                continue
            rows = screened.get(col)
            if rows is not None and len(rows) == 0:
                continue
            for i, message in column_problems(frame[col], self._feature_of_column(col), col, rows):
                errors.append(CellError(i, col, message))
        errors.sort(key=lambda e: (e.row, self._column_order(e.column)))
        return errors

    def range_warnings(self, frame: pd.DataFrame) -> list[CellError]:
        """Cells outside the range only observed in reference data: warnings, the rows are still sent."""
        notes: list[CellError] = []
        for f in self.features:
            if f.bounds_declared or f.name not in frame.columns or (f.minimum is None and f.maximum is None):
                continue
            numbers = pd.to_numeric(frame[f.name], errors="coerce").to_numpy(dtype=float)
            low = -np.inf if f.minimum is None else f.minimum
            high = np.inf if f.maximum is None else f.maximum
            for i in np.flatnonzero((numbers < low) | (numbers > high)):
                message = range_note(f, frame[f.name].iat[int(i)])
                if message:
                    notes.append(CellError(int(i), f.name, message))
        notes.sort(key=lambda e: (e.row, self._column_order(e.column)))
        return notes

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
                    row[col] = typical_value(reference, col, f)
            else:
                row[f.name] = typical_value(reference, f.name, f)
        return row

    def with_features(self, features: list[Feature]) -> ModelSchema:
        return replace(self, features=tuple(features))
