"""Prediction: what a model answered, in a shape people and tables can use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pandas as pd


def jsonable(body: Any) -> Any:
    """A body as plain JSON types (numpy arrays become lists), exactly as it went on the wire."""
    return orjson.loads(dump_json(body))


def dump_json(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)


@dataclass
class Decoded:
    """What a codec reads out of a response body, before request facts are attached."""

    labels: list[Any]
    probabilities: pd.DataFrame | None = None
    values: list[float] | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""


@dataclass
class Prediction:
    model: str
    protocol: str
    labels: list[Any]
    """Per row: the class name (classifiers), the value (regression) or the raw output."""
    probabilities: pd.DataFrame | None
    """Per row, one column per class name; None when the model gives none."""
    values: list[float] | None
    outputs: dict[str, Any]
    request_id: str
    request: dict[str, Any]
    response: dict[str, Any]
    latency_ms: float
    url: str
    task: str = "other"

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    def confidence(self, row: int = 0) -> float | None:
        """The probability of the predicted class, when the model gives probabilities."""
        if self.probabilities is None or self.probabilities.empty:
            return None
        return float(self.probabilities.iloc[row].max())

    def to_frame(self) -> pd.DataFrame:
        """One row per input: prediction, confidence, and one p(<class>) column per class."""
        out = pd.DataFrame({"prediction": self.labels})
        if self.probabilities is not None and not self.probabilities.empty:
            probs = self.probabilities.reset_index(drop=True)
            out["confidence"] = probs.max(axis=1).to_numpy()
            for col in probs.columns:
                out[f"p({col})"] = probs[col].to_numpy()
        return out

    def request_json(self) -> dict[str, Any]:
        return jsonable(self.request)

    def response_json(self) -> dict[str, Any]:
        return jsonable(self.response)


def probabilities_frame(matrix: np.ndarray, class_names: tuple[str, ...] | list[str]) -> pd.DataFrame:
    names = list(class_names) if len(class_names) == matrix.shape[1] else [str(i) for i in range(matrix.shape[1])]
    return pd.DataFrame(matrix, columns=names)


def looks_like_probabilities(matrix: np.ndarray) -> bool:
    if matrix.ndim != 2 or matrix.shape[1] < 2 or not np.issubdtype(matrix.dtype, np.floating):
        return False
    if matrix.size == 0:
        return False
    in_range = bool(((matrix >= -1e-9) & (matrix <= 1 + 1e-9)).all())
    return in_range and bool(np.allclose(matrix.sum(axis=1), 1.0, atol=1e-3))
