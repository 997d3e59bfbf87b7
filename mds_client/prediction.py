"""Prediction: what a model answered, in a shape people and tables can use."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import orjson
import pandas as pd

from mds_client.errors import InputError


def jsonable(body: Any) -> Any:
    """A body as plain JSON types (numpy arrays become lists), exactly as it went on the wire."""
    return orjson.loads(dump_json(body))


def dump_json(body: Any) -> bytes:
    """A request body as JSON bytes; a value JSON cannot carry (a whole number over 64 bits) is an InputError."""
    try:
        return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    except orjson.JSONEncodeError as exc:
        raise InputError(f"The request cannot be written as JSON: {exc} (JSON whole numbers stop at 64 bits); "
                         "send a smaller number, or the value as text.") from None


class _Probabilities:
    """Class probabilities kept as a matrix; the DataFrame is built when someone asks for it.

    Building a DataFrame costs more than a small model's whole answer, and a script that wants
    only labels should not pay for it.
    """

    proba_matrix: np.ndarray | None
    proba_names: list[str]

    @cached_property
    def probabilities(self) -> pd.DataFrame | None:
        """Per row, one column per class name; None when the model gives none."""
        if self.proba_matrix is None:
            return None
        return probabilities_frame(self.proba_matrix, self.proba_names)


@dataclass
class Decoded(_Probabilities):
    """What a codec reads out of a response body, before request facts are attached."""

    labels: list[Any]
    proba_matrix: np.ndarray | None = None
    proba_names: list[str] = field(default_factory=list)
    values: list[float] | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    served_by: str = ""
    """The model that answered (V2 ``model_name``, a Seldon graph's last node): differs from the ref's
    name when an experiment or router splits traffic."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Seldon v1 ``meta`` (tags, routing, requestPath) as the server sent it."""


@dataclass
class Prediction(_Probabilities):
    model: str
    protocol: str
    labels: list[Any]
    """Per row: the class name (classifiers), the value (regression) or the raw output."""
    values: list[float] | None
    outputs: dict[str, Any]
    request_id: str
    request: dict[str, Any]
    response: dict[str, Any]
    latency_ms: float
    url: str
    task: str = "other"
    proba_matrix: np.ndarray | None = None
    """Per row, the probability of each class in ``proba_names`` order (``probabilities`` as a frame)."""
    proba_names: list[str] = field(default_factory=list)
    served_by: str = ""
    """The model that answered: V2 ``model_name`` or Seldon Core v2's ``x-seldon-route`` header (an
    experiment splits traffic between models), a v1 graph's last node; "" when the server does not say."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Seldon v1 ``meta.tags`` / ``routing`` / ``requestPath`` as the server sent them."""
    trace_id: str = ""
    """The W3C trace id sent in this call's ``traceparent`` (32 hex digits)."""

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    def confidence(self, row: int = 0) -> float | None:
        """The probability of the predicted class, when the model gives probabilities."""
        if self.proba_matrix is None or self.proba_matrix.size == 0:
            return None
        return float(self.proba_matrix[row].max())

    def to_frame(self) -> pd.DataFrame:
        """One row per input: prediction, confidence, and one p(<class>) column per class."""
        columns: dict[str, Any] = {"prediction": self.labels}
        probs = self.probabilities
        if probs is not None and not probs.empty:
            matrix = probs.to_numpy()
            columns["confidence"] = matrix.max(axis=1)
            for j, col in enumerate(probs.columns):
                columns[f"p({col})"] = matrix[:, j]
        return pd.DataFrame(columns)  # one frame, not a column at a time (pandas copies its blocks on each insert)

    def request_json(self) -> dict[str, Any]:
        return jsonable(self.request)

    def response_json(self) -> dict[str, Any]:
        return jsonable(self.response)


def joined(parts: list[Prediction]) -> Prediction:
    """One prediction for rows that went in several requests, in order (a model without a batch dimension: one row
    each; a Triton model's ``max_batch_size`` rows each): labels, values, probabilities and outputs row after row;
    ``request`` / ``response`` are ``{"requests": [...]}`` / ``{"responses": [...]}`` of every call; the latency is
    the calls' sum."""
    first = parts[0]
    matrices = [p.proba_matrix for p in parts]
    values = [p.values for p in parts]
    one_row_each = all(p.n_rows == 1 for p in parts)
    outputs = {}
    for name in first.outputs:
        arrays = [np.asarray(p.outputs.get(name)) for p in parts]
        try:  # a model without a batch dimension answers one instance per call: stacked, they get one
            outputs[name] = np.stack(arrays) if one_row_each else np.concatenate(arrays)
        except ValueError:  # shapes that do not stack: keep each call's own
            outputs[name] = arrays
    return Prediction(
        model=first.model, protocol=first.protocol, labels=[label for p in parts for label in p.labels],
        values=None if any(v is None for v in values) else [x for v in values for x in v],  # type: ignore[union-attr]
        outputs=outputs, request_id=first.request_id,
        request={"requests": [p.request for p in parts]}, response={"responses": [p.response for p in parts]},
        latency_ms=sum(p.latency_ms for p in parts), url=first.url, task=first.task,
        proba_matrix=None if any(m is None for m in matrices) else np.vstack(matrices),  # type: ignore[arg-type]
        proba_names=first.proba_names, served_by=first.served_by, meta=first.meta, trace_id=first.trace_id,
    )


def probabilities_frame(matrix: np.ndarray, class_names: tuple[str, ...] | list[str]) -> pd.DataFrame:
    return pd.DataFrame(matrix, columns=proba_columns(matrix, class_names))


def proba_columns(matrix: np.ndarray, class_names: tuple[str, ...] | list[str]) -> list[str]:
    """The class names when they fit the matrix, else the class positions as text."""
    if len(class_names) == matrix.shape[1]:
        return [str(c) for c in class_names]
    return [str(i) for i in range(matrix.shape[1])]


def looks_like_probabilities(matrix: np.ndarray) -> bool:
    if matrix.ndim != 2 or matrix.shape[1] < 2 or matrix.dtype.kind != "f":  # kind "f": np.floating
        return False
    if matrix.size == 0:
        return False
    if matrix.size <= _SMALL:
        # The one-row answers the request-log sink reads thousands of times a second: plain floats,
        # a tenth of the numpy calls' cost. Same test; a NaN makes its row's sum fail it, as below.
        rows = matrix.tolist()
        if min(min(r) for r in rows) < -1e-9 or max(max(r) for r in rows) > 1 + 1e-9:
            return False
        return all(abs(sum(r) - 1.0) <= 1e-3 + 1e-5 for r in rows)
    # min/max and one subtraction instead of np.allclose: same test (|sum - 1| <= atol + rtol).
    if float(matrix.min()) < -1e-9 or float(matrix.max()) > 1 + 1e-9:
        return False
    return float(np.abs(matrix.sum(axis=1) - 1.0).max()) <= 1e-3 + 1e-5


_SMALL = 256
