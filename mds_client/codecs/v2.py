"""Open Inference Protocol (V2) codec.

Tabular frames go as one input per column with the request-level ``pd``
content type, so each column keeps its own datatype (a string column must not
turn the numbers into strings); BYTES columns carry ``content_type: str``.
Tensor models (one tensor feature, e.g. an 8x8 image) go as one input of
shape [n, *shape]. Each input's shape is the one the server declared (``Feature.wire_dims``): [n] for
[-1], [n, 1] for Triton's column with a batch dimension [-1, 1], the fixed shape of a model without
batching (one row per request: ``MDSClient.predict`` sends several rows one request each).
A numeric model whose own metadata declares ``parameters.content_type: np``
can take its rows as one FP64 [n, k] tensor (``encode_rows_tensor``): explanations send it that way,
since the server then skips building a DataFrame of thousands of rows (about 2.5x cheaper per call).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pandas as pd

from mds_client.codecs.base import NUMPY_DTYPE, interpret, series_datatype, wire_frame
from mds_client.codecs.classification import named_classes, requested_outputs
from mds_client.prediction import Decoded
from mds_client.schema.model import SMALL_FRAME, Feature, ModelSchema, column_dtypes


class V2Codec:
    protocol = "v2"

    def encode(self, frame: pd.DataFrame, schema: ModelSchema, *, request_id: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {}
        if request_id:
            body["id"] = request_id
        if len(frame) > 1 and schema.one_row_per_call:
            raise ValueError(_one_row_message(schema, len(frame)))
        tensor = schema.tensor_feature
        if tensor is not None:
            body["inputs"] = [self._tensor_input(frame, schema, tensor)]
        else:
            frame = wire_frame(frame, schema)
            body["parameters"] = {"content_type": "pd"}
            if len(frame) <= SMALL_FRAME:
                values = frame.to_numpy(dtype=object)
                body["inputs"] = [
                    self._small_input(str(c), values[:, j].tolist(), dtype, schema.feature_or_none(str(c)))
                    for j, (c, dtype) in enumerate(zip(frame.columns, column_dtypes(frame), strict=True))
                ]
            else:
                body["inputs"] = [self._column_input(frame[c], schema.feature_or_none(str(c))) for c in frame.columns]
        # Only names the server declared: a catalog schema's response names never reach the wire
        # (MLServer refuses an output it does not know, e.g. "delayed").
        if schema.wire_outputs:
            body["outputs"] = requested_outputs(schema)
        return body

    def encode_rows_tensor(self, frame: pd.DataFrame, schema: ModelSchema, *, request_id: str = "") -> dict[str, Any]:
        """All rows as one FP64 [n, k] tensor in the schema's feature order, for a model whose V2
        metadata declares numpy requests (``schema.takes_numeric_rows``); request-level ``np``."""
        return self.encode_matrix(frame[schema.names].to_numpy(dtype=np.float64), schema, request_id=request_id)

    def encode_matrix(self, matrix: np.ndarray, schema: ModelSchema, *, request_id: str = "") -> dict[str, Any]:
        """``encode_rows_tensor`` of a numeric [n, k] matrix already in the schema's feature order (an
        explainer's perturbations), with no DataFrame in between."""
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        body: dict[str, Any] = {"id": request_id} if request_id else {}
        body["parameters"] = {"content_type": "np"}
        body["inputs"] = [{"name": "input-0", "shape": list(matrix.shape), "datatype": "FP64",
                           "data": matrix.reshape(-1)}]
        if schema.wire_outputs:
            body["outputs"] = [{"name": name} for name in schema.wire_outputs]
        return body

    @staticmethod
    def _tensor_input(frame: pd.DataFrame, schema: ModelSchema, feature: Feature) -> dict[str, Any]:
        cols = schema.tensor_columns(feature)
        dtype = NUMPY_DTYPE.get(feature.wire_datatype, np.float32)
        matrix = np.ascontiguousarray(frame[cols].to_numpy(dtype=dtype))
        shape = feature.wire_dims(len(frame)) if feature.shape else [len(frame), len(cols)]
        return {"name": feature.name, "shape": shape, "datatype": feature.wire_datatype, "data": matrix.reshape(-1)}

    @staticmethod
    def _column_input(series: pd.Series, feature: Feature | None) -> dict[str, Any]:
        natural = _KIND_DATATYPE.get(series.dtype.kind) or series_datatype(series)
        datatype = feature.datatype if feature is not None and feature.datatype else natural
        shape = feature.wire_dims(len(series)) if feature is not None else [len(series)]
        if natural == "BYTES" or datatype == "BYTES":
            return {
                "name": str(series.name),
                "shape": shape,
                "datatype": "BYTES",
                "parameters": {"content_type": "str"},
                "data": [_text_or_null(v) for v in series.tolist()],
            }
        data = series.to_numpy()
        if datatype != natural or not data.flags.c_contiguous:
            data = np.ascontiguousarray(data, dtype=NUMPY_DTYPE.get(datatype, np.float64))
        return {"name": str(series.name), "shape": shape, "datatype": datatype, "data": data}

    @staticmethod
    def _small_input(name: str, values: list[Any], dtype: Any, feature: Feature | None) -> dict[str, Any]:
        """The same input as ``_column_input``, from plain Python values (one pandas call for all columns)."""
        natural = _KIND_DATATYPE.get(dtype.kind, "BYTES")
        datatype = feature.datatype if feature is not None and feature.datatype else natural
        shape = feature.wire_dims(len(values)) if feature is not None else [len(values)]
        if natural == "BYTES" or datatype == "BYTES":
            data = [_text_or_null(v) for v in values]
            return {"name": name, "shape": shape, "datatype": "BYTES", "parameters": {"content_type": "str"},
                    "data": data}
        if datatype != natural:
            array = np.asarray(values, dtype=NUMPY_DTYPE.get(datatype, np.float64))
            # A 32-bit float as Python's float reads 5.800000190734863 where the person typed 5.8 (on the wire, in
            # the Request tab, the curl snippet): orjson writes float32 with the fewest digits that read back the same.
            values = orjson.loads(orjson.dumps(array, option=orjson.OPT_SERIALIZE_NUMPY)) if array.dtype == np.float32 \
                else array.tolist()
        return {"name": name, "shape": shape, "datatype": datatype, "data": values}

    def decode(self, body: Any, schema: ModelSchema, *, n_rows: int) -> Decoded:
        if not isinstance(body, dict) or not isinstance(body.get("outputs"), list):
            raise ValueError("a V2 response needs an 'outputs' list")
        arrays: dict[str, Any] = {}
        for out in body["outputs"]:
            if not isinstance(out, dict) or "name" not in out or "data" not in out:
                raise ValueError("every V2 output needs a name and data")
            arrays[str(out["name"])] = _output_array(out)
        arrays, schema = named_classes(arrays, schema, n_rows)
        decoded = interpret(arrays, schema, n_rows)
        decoded.request_id = str(body.get("id") or "")
        decoded.served_by = str(body.get("model_name") or "")
        return decoded


def _text_or_null(value: Any) -> str | None:
    """A BYTES cell as text; a missing one (None, NaN) as the wire's missing value, null, never "" nor "nan"
    (MLServer's string codec gives the model None, which an imputer fills)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _one_row_message(schema: ModelSchema, n_rows: int) -> str:
    return (f"the model takes one row per request ({schema.no_batch_reason}), and there are {n_rows} rows: "
            "send one request per row")


# numpy dtype kind -> V2 datatype, for the common dtypes (pandas' type checks cost more than the call).
_KIND_DATATYPE = {"f": "FP64", "i": "INT64", "b": "BOOL"}


def _output_array(out: dict[str, Any]) -> np.ndarray:
    datatype = str(out.get("datatype") or "").upper()
    shape = [int(s) for s in out.get("shape") or []]
    data = out["data"]
    if datatype == "BYTES":
        arr = np.asarray(data, dtype=object)
    else:
        arr = np.asarray(data, dtype=NUMPY_DTYPE.get(datatype))
    if shape and int(np.prod(shape)) == arr.size:
        arr = arr.reshape(shape)
    return arr
