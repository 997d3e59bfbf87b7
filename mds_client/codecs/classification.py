"""Triton's classification extension: class names from a model's label file, asked for per request.

An output whose configuration names a ``label_filename`` (``Output.classification``: k classes) is asked
for with ``parameters: {"classification": k}``; Triton then answers it as BYTES ``"score:index:label"``
strings, each row's k classes by falling score. ``named_classes`` turns them back into the [n, k]
probabilities in index order, the output's class names taken from the labels, so a prediction reads
'ripe', not '1'.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from mds_client.schema.model import ModelSchema


def requested_outputs(schema: ModelSchema) -> list[dict[str, Any]]:
    """The V2 request's ``outputs``: each declared name, a labelled one with its classification count."""
    counts = {o.wire_name: o.classification for o in schema.outputs if o.wire_name and o.classification}
    return [{"name": name, "parameters": {"classification": counts[name]}} if name in counts else {"name": name}
            for name in schema.wire_outputs]


def named_classes(arrays: dict[str, Any], schema: ModelSchema, n_rows: int) -> tuple[dict[str, Any], ModelSchema]:
    """``arrays`` with each classification answer as probabilities, and the schema with its class names."""
    labelled = {o.wire_name or o.name: o for o in schema.outputs if o.classification}
    if not labelled:
        return arrays, schema
    arrays = dict(arrays)
    for name, output in labelled.items():
        arr = arrays.get(name)
        parsed = read_classes(arr, n_rows) if arr is not None and np.asarray(arr).dtype == object else None
        if parsed is None:
            continue
        arrays[name], names = parsed
        outputs = tuple(replace(o, kind="proba", class_names=names) if o is output else o for o in schema.outputs)
        schema = replace(schema, outputs=outputs)
    return arrays, schema


def read_classes(arr: Any, n_rows: int) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """``"score:index:label"`` strings of ``n_rows`` rows as (probabilities [n, k] by index, labels by index);
    None when they are not that (another server's text output)."""
    flat = np.asarray(arr, dtype=object).reshape(-1)
    if n_rows < 1 or flat.size == 0 or flat.size % n_rows:
        return None
    k = flat.size // n_rows
    matrix = np.zeros((n_rows, k))
    names: list[str | None] = [None] * k
    for position, item in enumerate(flat):
        text = item.decode("utf-8", errors="replace") if isinstance(item, bytes) else str(item)
        parts = text.split(":", 2)
        try:
            score, index = float(parts[0]), int(parts[1])
        except (IndexError, ValueError):
            return None
        if not 0 <= index < k:
            return None
        matrix[position // k, index] = score
        names[index] = parts[2] if len(parts) == 3 and parts[2] else str(index)
    return matrix, tuple(n if n is not None else str(i) for i, n in enumerate(names))
