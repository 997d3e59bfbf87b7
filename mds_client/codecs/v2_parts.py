"""A V2 request body of more rows than the model takes in one request, cut into bodies the server takes.

A body written by hand (the payload check's "Send it", the raw JSON editor) can carry several rows for a model that
takes one per request (a Triton model with ``max_batch_size: 0``, a fixed input shape) or fewer than it holds (a
Triton model's ``max_batch_size``). ``MDSClient.predict_body`` sends each part in order and joins the answers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mds_client.schema.model import ModelSchema


def split_rows(body: dict[str, Any], schema: ModelSchema, n_rows: int, per_request: int) -> list[dict[str, Any]] | None:
    """``body`` cut into bodies of at most ``per_request`` rows each, in order; None when it cannot be cut by rows
    (an input whose first dimension is not ``n_rows``, data that does not fill its shape): then it goes as it is, and
    the server says what it refuses."""
    inputs = body.get("inputs")
    if per_request < 1 or n_rows <= per_request or not isinstance(inputs, list) or not inputs:
        return None
    cut: list[list[dict[str, Any]]] = [[] for _ in range(0, n_rows, per_request)]
    for tensor in inputs:
        pieces = _split_tensor(tensor, schema, n_rows, per_request)
        if pieces is None:
            return None
        for part, piece in zip(cut, pieces, strict=True):
            part.append(piece)
    return [{**body, "inputs": part} for part in cut]


def _split_tensor(tensor: Any, schema: ModelSchema, n_rows: int, per_request: int) -> list[dict[str, Any]] | None:
    shape = tensor.get("shape") if isinstance(tensor, dict) else None
    if not isinstance(shape, list) or not shape or shape[0] != n_rows or "data" not in tensor:
        return None
    flat = _flat(tensor["data"])
    per_row = math.prod(int(d) for d in shape[1:])
    if len(flat) != n_rows * per_row:
        return None
    feature = schema.feature_or_none(str(tensor.get("name") or ""))
    pieces = []
    for start in range(0, n_rows, per_request):
        rows = min(per_request, n_rows - start)
        # An input without a batch dimension goes in the shape it declares (one row); any other as [rows, ...].
        part_shape = list(feature.wire_shape) if feature is not None and not feature.batched else [rows, *shape[1:]]
        data = flat[start * per_row:(start + rows) * per_row]
        pieces.append({**tensor, "shape": part_shape, "data": data})
    return pieces


def _flat(data: Any) -> list[Any]:
    """Nested lists (or an array) as one flat list in row-major order; ragged nesting is flattened too and then does
    not match the shape (the caller checks the count)."""
    if isinstance(data, np.ndarray):
        return data.reshape(-1).tolist()
    if not isinstance(data, list):
        return [data]
    if not any(isinstance(v, list | np.ndarray) for v in data):
        return data
    return [x for v in data for x in _flat(v)]
