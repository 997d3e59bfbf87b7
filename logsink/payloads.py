"""Model payloads as loggers carry them, read into one row per instance.

A request body becomes one dict of feature values per instance: Seldon v1
(``data.names`` + ``ndarray`` | ``tensor``, ``jsonData`` records), Open Inference Protocol V2
(one input per column, or one tensor of shape ``[n, ...]``) and KServe v1 (``instances``).
A response body becomes one ``RowOutput`` per instance, decoded with ``mds_client``'s own codecs,
so a logged call reads exactly as the workbench reads a call it made itself (small answers through
``fast_decode``, which gives the same rows without numpy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from logsink.errors import MalformedEvent
from logsink.fast_decode import fast_rows
from mds_client import ModelSchema, codec_for
from mds_client.codecs.kserve_v1 import is_v1_inputs, rows_key


@dataclass(frozen=True)
class RowOutput:
    label: Any = None
    value: float | None = None
    probabilities: dict[str, float] | None = None
    confidence: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "probabilities": self.probabilities}


@dataclass(frozen=True)
class ResponseRows:
    rows: list[RowOutput]
    error: str | None = None
    """What the server said went wrong (a failed call is logged too, with every row ``error``)."""


def protocol_of(body: Any) -> str:
    if isinstance(body, dict) and ("inputs" in body or "outputs" in body) and not is_v1_inputs(body):
        return "v2"
    if isinstance(body, dict) and ("instances" in body or "predictions" in body or "inputs" in body):
        return "kserve-v1"  # KServe V1 also takes its instances as "inputs"
    return "seldon"


def request_rows(body: Any, schema: ModelSchema | None = None) -> list[dict[str, Any]]:
    """One dict of feature values per instance of a request body."""
    if not isinstance(body, dict):
        raise MalformedEvent("bad_payload", "A request payload must be a JSON object.")
    try:
        protocol = protocol_of(body)
        if protocol == "v2":
            rows = _v2_rows(body, schema)
        elif protocol == "kserve-v1":
            rows = _instances_rows(body[rows_key(body)], schema)
        else:
            rows = _seldon_rows(body)
    except MalformedEvent:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise MalformedEvent("bad_payload", f"The request payload does not read as {protocol}: {exc}.") from None
    if not rows:
        raise MalformedEvent("bad_payload", "The request payload holds no instance.")
    return rows


def _v2_rows(body: dict[str, Any], schema: ModelSchema | None) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise MalformedEvent("bad_payload", "A V2 request needs a non-empty 'inputs' list.")
    columns: dict[str, list[Any]] = {}
    n_rows: int | None = None
    for item in inputs:
        if not isinstance(item, dict) or "name" not in item or "data" not in item:
            raise MalformedEvent("bad_payload", "Every V2 input needs a name, a shape and data.")
        arr = _v2_array(item)
        name = str(item["name"])
        rows = arr.shape[0] if arr.ndim else 1
        if n_rows is not None and rows != n_rows:
            raise MalformedEvent("bad_payload", f"V2 input '{name}' has {rows} rows where the others have {n_rows}.")
        n_rows = rows
        names = list(schema.table_columns()) if schema is not None and not schema.is_empty else []
        if len(inputs) == 1 and arr.ndim == 2 and arr.shape[1] > 1 and len(names) == arr.shape[1]:
            for j, column in enumerate(names):  # one [n, k] tensor of a tabular model: the schema names columns
                columns[column] = arr[:, j].tolist()
        else:
            columns[name] = [_plain(v) for v in (arr.reshape(-1) if arr.ndim == 2 and arr.shape[1] == 1 else arr)]
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _v2_array(item: dict[str, Any]) -> np.ndarray:
    datatype = str(item.get("datatype") or "").upper()
    data = item["data"]
    arr = np.asarray(data, dtype=object if datatype == "BYTES" else None)
    shape = [int(s) for s in item.get("shape") or []]
    if shape and int(np.prod(shape)) == arr.size:
        arr = arr.reshape(shape)
    elif arr.ndim == 0:
        arr = arr.reshape(1)
    return arr


def _seldon_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(body.get("data"), dict):
        return _names_matrix(body["data"])
    if "jsonData" in body:
        payload = body["jsonData"]
        if isinstance(payload, list) and all(isinstance(r, dict) for r in payload):
            return [dict(r) for r in payload]
        if isinstance(payload, dict) and ("ndarray" in payload or "tensor" in payload):
            return _names_matrix(payload)
        if isinstance(payload, dict):
            return [dict(payload)]
        raise MalformedEvent("bad_payload", "Seldon jsonData must be a record, a list of records or names+ndarray.")
    if "strData" in body:
        return [{"strData": body["strData"]}]
    if "binData" in body:
        return [{"binData": body["binData"]}]
    raise MalformedEvent("bad_payload", "A Seldon payload needs data (names + ndarray or tensor), jsonData or strData.")


def _names_matrix(data: dict[str, Any]) -> list[dict[str, Any]]:
    names = [str(n) for n in data.get("names") or []]
    if "ndarray" in data:
        matrix = data["ndarray"]
        if not isinstance(matrix, list):
            raise MalformedEvent("bad_payload", "Seldon data.ndarray must be a list of instances.")
        rows = [r if isinstance(r, list) else [r] for r in matrix]
    elif "tensor" in data:
        tensor = data["tensor"]
        arr = np.asarray(tensor["values"]).reshape([int(s) for s in tensor["shape"]])
        rows = [r.tolist() if isinstance(r, np.ndarray) else [r] for r in (arr if arr.ndim > 1 else arr.reshape(-1, 1))]
    else:
        raise MalformedEvent("bad_payload", "Seldon 'data' needs an ndarray or a tensor.")
    out = []
    for row in rows:
        keys = names if len(names) == len(row) else [str(j) for j in range(len(row))]
        out.append(dict(zip(keys, row, strict=True)))
    return out


def _instances_rows(instances: Any, schema: ModelSchema | None) -> list[dict[str, Any]]:
    if not isinstance(instances, list):
        raise MalformedEvent("bad_payload", "'instances' must be a list.")
    names = list(schema.table_columns()) if schema is not None and not schema.is_empty else []
    out = []
    for row in instances:
        if isinstance(row, dict):
            out.append(dict(row))
        else:
            values = row if isinstance(row, list) else [row]
            keys = names if len(names) == len(values) else [str(j) for j in range(len(values))]
            out.append(dict(zip(keys, values, strict=True)))
    return out


def response_rows(body: Any, protocol: str, schema: ModelSchema | None = None) -> ResponseRows:
    """What the model answered per instance; a failed call gives ``error`` and no rows."""
    if not isinstance(body, dict):
        raise MalformedEvent("bad_payload", "A response payload must be a JSON object.")
    failure = _failure(body)
    if failure:
        return ResponseRows(rows=[], error=failure)
    schema = schema or _NO_SCHEMA
    fast = fast_rows(body, protocol, schema)  # the small common answers, without numpy
    if fast is not None:
        return ResponseRows(rows=[RowOutput(label, value, probs, confidence) for label, value, probs, confidence in fast])
    try:
        n_rows = _response_rows_count(body, protocol)
        decoded = codec_for(protocol).decode(body, schema, n_rows=n_rows)
    except MalformedEvent:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise MalformedEvent("bad_payload", f"The response payload does not read as {protocol}: {exc}.") from None
    rows = []
    matrix = decoded.proba_matrix
    # One tolist() for the whole matrix and max() in Python: per-row numpy calls cost more than the
    # arithmetic on the one-row answers the sink reads thousands of times a second.
    proba_rows = matrix.tolist() if matrix is not None and matrix.size else None
    for i, label in enumerate(decoded.labels):
        probs = None
        confidence = None
        if proba_rows is not None:
            probs = {str(k): float(v) for k, v in zip(decoded.proba_names, proba_rows[i], strict=True)}
            confidence = max(probs.values())
        value = float(decoded.values[i]) if decoded.values is not None else None
        rows.append(RowOutput(label=_plain(label), value=value, probabilities=probs, confidence=confidence))
    return ResponseRows(rows=rows)


_NO_SCHEMA = ModelSchema()  # frozen: one for every response of a model without a schema


def _failure(body: dict[str, Any]) -> str | None:
    status = body.get("status")
    if isinstance(status, dict) and str(status.get("status", "")).upper() == "FAILURE":
        return str(status.get("reason") or status.get("info") or "the model failed")
    if "error" in body and not ("outputs" in body or "data" in body):
        return str(body["error"])
    return None


def _response_rows_count(body: dict[str, Any], protocol: str) -> int:
    if protocol == "kserve-v1":
        return len(body["predictions"]) if isinstance(body.get("predictions"), list) else 1
    if protocol == "v2":
        outputs = body.get("outputs") or []
        first = outputs[0] if outputs and isinstance(outputs[0], dict) else {}
        shape = first.get("shape") or []
        return int(shape[0]) if shape else len(first.get("data") or [])
    data = body.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("ndarray"), list):
            return len(data["ndarray"])
        if isinstance(data.get("tensor"), dict):
            return int(data["tensor"]["shape"][0])
    if isinstance(body.get("jsonData"), list):
        return len(body["jsonData"])
    return 1


def feedback_of(body: Any) -> tuple[str, float | None, Any]:
    """(request id of the call the feedback is about, reward, truth) of a Seldon feedback body."""
    if not isinstance(body, dict):
        raise MalformedEvent("bad_payload", "A feedback payload must be a JSON object.")
    request_id = ""
    for part in ("response", "request"):
        meta = (body.get(part) or {}).get("meta") if isinstance(body.get(part), dict) else None
        if isinstance(meta, dict) and meta.get("puid"):
            request_id = str(meta["puid"])
            break
    reward = body.get("reward")
    try:
        reward = float(reward) if reward is not None else None
    except (TypeError, ValueError):
        raise MalformedEvent("bad_payload", f"Feedback reward {reward!r} is not a number.") from None
    return request_id, reward, body.get("truth")


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
