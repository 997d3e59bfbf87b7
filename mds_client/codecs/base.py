"""What every codec offers, and the frame preparation they share."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from mds_client.prediction import Decoded, looks_like_probabilities, proba_columns
from mds_client.schema.model import ModelSchema, Output


class Codec(Protocol):
    protocol: str

    def encode(self, frame: pd.DataFrame, schema: ModelSchema, *, request_id: str = "") -> dict[str, Any]:
        """The request body for these rows."""
        ...

    def decode(self, body: Any, schema: ModelSchema, *, n_rows: int) -> Decoded:
        """What the response body says, per row. Raises ProtocolError-worthy ValueError on nonsense."""
        ...


def wire_frame(frame: pd.DataFrame, schema: ModelSchema) -> pd.DataFrame:
    """Schema dtypes, category names as the codes the model expects, schema column order."""
    return schema.coerce(frame) if not schema.is_empty else frame


def series_datatype(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOL"
    if pd.api.types.is_integer_dtype(dtype):
        return "INT64"
    if pd.api.types.is_float_dtype(dtype):
        return "FP64"
    return "BYTES"


NUMPY_DTYPE = {
    "BOOL": np.bool_,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
    "FP16": np.float16,
    "FP32": np.float32,
    "FP64": np.float64,
}


def interpret(
    arrays: dict[str, np.ndarray], schema: ModelSchema, n_rows: int, *, names: list[str] | None = None
) -> Decoded:
    """Turn named output arrays into labels / probabilities / values using what the schema says.

    With no schema, a 2-D float output whose rows sum to 1 is taken for probabilities.
    """
    by_name = {o.name: o for o in schema.outputs}
    by_name.update({o.wire_name: o for o in schema.outputs if o.wire_name})
    kinds: dict[str, Output] = {}
    for name, arr in arrays.items():
        out = by_name.get(name)
        if out is None:
            out = _guess_output(name, arr, schema, names)
        kinds[name] = out
    decoded = Decoded(labels=[], outputs=dict(arrays))
    class_names = schema.class_names
    proba_name = next((n for n, o in kinds.items() if o.kind == "proba"), None)
    if proba_name is not None:
        matrix = np.asarray(arrays[proba_name], dtype=float).reshape(n_rows, -1)
        names_for = kinds[proba_name].class_names or class_names or tuple(names or ())
        decoded.proba_matrix = matrix
        decoded.proba_names = proba_columns(matrix, names_for)
    label_name = next((n for n, o in kinds.items() if o.kind == "label"), None)
    value_name = next((n for n, o in kinds.items() if o.kind == "value"), None)
    if label_name is not None:
        raw = _flat(arrays[label_name], n_rows)
        names_for = kinds[label_name].class_names or class_names
        decoded.labels = [_class_name(v, names_for) for v in raw]
    elif decoded.proba_matrix is not None:
        cols = np.asarray(decoded.proba_names, dtype=object)
        decoded.labels = cols[np.argmax(decoded.proba_matrix, axis=1)].tolist()
    elif value_name is not None:
        values = [float(v) for v in _flat(arrays[value_name], n_rows)]
        decoded.values = values
        decoded.labels = list(values)
    elif arrays:
        first = next(iter(arrays.values()))
        decoded.labels = _rows(first, n_rows)
    return decoded


def _guess_output(name: str, arr: np.ndarray, schema: ModelSchema, names: list[str] | None) -> Output:
    matrix = np.asarray(arr)
    if matrix.ndim == 2 and looks_like_probabilities(matrix):
        return Output(name=name, kind="proba", class_names=schema.class_names or tuple(names or ()))
    if matrix.ndim <= 1 or (matrix.ndim == 2 and matrix.shape[1] == 1):
        if matrix.dtype.kind == "f":  # np.issubdtype(..., np.floating), without its cost per response
            return Output(name=name, kind="value")
        return Output(name=name, kind="label")
    return Output(name=name, kind="tensor")


def _flat(arr: Any, n_rows: int) -> list[Any]:
    matrix = np.asarray(arr)
    if matrix.size == n_rows:
        return matrix.reshape(n_rows).tolist()
    return _rows(matrix, n_rows)


def _rows(arr: Any, n_rows: int) -> list[Any]:
    matrix = np.asarray(arr)
    if matrix.ndim >= 1 and matrix.shape[0] == n_rows:
        return [row.tolist() if isinstance(row, np.ndarray) else row for row in matrix]
    return [matrix.tolist()] * n_rows if n_rows else []


def _class_name(value: Any, class_names: tuple[str, ...]) -> Any:
    if class_names and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if 0 <= int(value) < len(class_names):
            return class_names[int(value)]
    if class_names and isinstance(value, float) and value.is_integer() and 0 <= int(value) < len(class_names):
        return class_names[int(value)]
    return value
