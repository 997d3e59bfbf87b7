"""What a request or response document says by itself: how many rows a body carries (whatever its protocol), and the
explanation inside a V2 explainer's answer. Read by ``MDSClient`` for bodies written by hand."""

from __future__ import annotations

import json
from typing import Any


def rows_in_body(body: dict[str, Any]) -> int:
    """The rows a request body carries: V2 inputs' first dimension, Seldon's ndarray / tensor / jsonData, KServe V1's
    instances; 1 when it does not say."""
    inputs = body.get("inputs")
    if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict):
        shape = inputs[0].get("shape") or [1]
        return int(shape[0]) if shape and int(shape[0]) > 0 else 1
    data = body.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("ndarray"), list):
            return len(data["ndarray"])
        tensor = data.get("tensor")
        if isinstance(tensor, dict) and tensor.get("shape"):
            return int(tensor["shape"][0])
    if isinstance(body.get("jsonData"), list):
        return len(body["jsonData"])
    for key in ("inputs", "instances"):  # KServe V1: one instance per row
        if isinstance(body.get(key), list):
            return len(body[key]) or 1
    return 1


def explanation_output(doc: Any) -> Any:
    """The JSON text in a V2 answer's ``explanation`` output, parsed (None when absent)."""
    outputs = doc.get("outputs") if isinstance(doc, dict) else None
    for out in outputs if isinstance(outputs, list) else []:
        if isinstance(out, dict) and out.get("name") == "explanation" and out.get("data"):
            data = out["data"]
            text = data[0] if isinstance(data, list) else data
            try:
                return json.loads(text)
            except (TypeError, ValueError):
                return None
    return None
