"""KServe V1 codec (TensorFlow Serving's REST API, as KServe's ModelServer speaks it).

Requests: ``{"instances": [...]}``, one instance per row. A numeric frame goes as rows of numbers
(``[[5.1, 3.5], ...]``, what every V1 server takes); a frame that mixes text, booleans and numbers goes
as named instances (``[{"city": "lyon", "rooms": 3}, ...]``, the row format with named inputs), so no
value turns into a string on its way into a NumPy array. A tensor model (one tensor feature) sends each
row in the feature's shape. KServe also reads ``{"inputs": [...]}`` as the same list of instances.

Responses: ``{"predictions": [...]}``, one prediction per row: a class name or index, a number, a list
of class probabilities, or an object of named outputs (KServe writes a DataFrame's rows that way);
each is read with what the schema says about the model's outputs. V1 has no request id in the body
and no metadata endpoint (``GET /v1/models/NAME`` says only ``{"name", "ready"}``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mds_client.codecs.base import interpret, wire_frame
from mds_client.prediction import Decoded
from mds_client.schema.model import ModelSchema

REQUEST_KEYS = ("inputs", "instances")
"""Where a V1 request keeps its rows, in the order KServe's ModelServer looks (``inputs`` first)."""
_V2_INPUT_KEYS = ("datatype", "shape", "data")


def rows_key(body: dict[str, Any]) -> str:
    """Which key holds a V1 request's instances."""
    return next((k for k in REQUEST_KEYS if k in body), "instances")


def is_v1_inputs(body: Any) -> bool:
    """Whether ``{"inputs": ...}`` is KServe V1's list of instances rather than V2's list of input tensors."""
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not inputs:
        return False
    return not any(isinstance(item, dict) and any(k in item for k in _V2_INPUT_KEYS) for item in inputs)


class KServeV1Codec:
    protocol = "kserve-v1"

    def encode(self, frame: pd.DataFrame, schema: ModelSchema, *, request_id: str = "") -> dict[str, Any]:
        # request_id: V1 bodies have no place for it; the client sends it as a header.
        del request_id
        tensor = schema.tensor_feature
        if tensor is not None:
            cols = schema.tensor_columns(tensor)
            matrix = np.ascontiguousarray(frame[cols].to_numpy(dtype=np.float64))
            return {"instances": matrix.reshape([len(frame), *(tensor.shape or (len(cols),))])}
        frame = wire_frame(frame, schema)
        if _all_numeric(frame):
            return {"instances": np.ascontiguousarray(frame.to_numpy(dtype=np.float64))}
        return {"instances": _records(frame)}

    def decode(self, body: Any, schema: ModelSchema, *, n_rows: int) -> Decoded:
        if not isinstance(body, dict) or "predictions" not in body:
            raise ValueError("a KServe V1 response needs 'predictions'")
        predictions = body["predictions"]
        if not isinstance(predictions, list):
            raise ValueError("'predictions' must be a list, one prediction per instance")
        if predictions and all(isinstance(p, dict) for p in predictions):
            arrays, names = _named_outputs(predictions)
            return interpret(arrays, schema, n_rows, names=names)
        # One unnamed output: the schema's only output, when it declares one, says how to read it.
        only = schema.outputs[0] if len(schema.outputs) == 1 else None
        name = (only.wire_name or only.name) if only is not None else "predictions"
        return interpret({name: _array(predictions)}, schema, n_rows)


def _named_outputs(predictions: list[dict[str, Any]]) -> tuple[dict[str, np.ndarray], list[str]]:
    """One array per key of the prediction objects; an object of numbers per row (class -> probability)
    becomes a probability matrix whose column names are its keys."""
    arrays: dict[str, np.ndarray] = {}
    names: list[str] = []
    for key in predictions[0]:
        column = [p.get(key) for p in predictions]
        if all(isinstance(v, dict) and v for v in column):
            names = [str(k) for k in column[0]]
            arrays[str(key)] = np.asarray([[float(v.get(k, 0.0)) for k in column[0]] for v in column])
        else:
            arrays[str(key)] = _array(column)
    return arrays, names


def _array(values: list[Any]) -> np.ndarray:
    """The values as an array: numbers as numbers, text as objects, ragged lists as one object per row."""
    if values and all(isinstance(v, str) for v in values):
        return np.asarray(values, dtype=object)
    try:
        return np.asarray(values)
    except ValueError:  # ragged: rows of different lengths
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One object per row, a missing value as null: what ``astype(object).where(notna, None).to_dict("records")``
    gives, in one pass over the values (that chain cost 2-3 ms for a one-row call, most of the client's time)."""
    columns = [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=object)
    return [{c: (None if _missing(v) else v) for c, v in zip(columns, row, strict=True)} for row in values]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _all_numeric(frame: pd.DataFrame) -> bool:
    return all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes)
