"""Seldon Core v1 user models for the embedded MDS (run in the seldon-core environment).

``SklearnModel`` serves a joblib scikit-learn model from a folder holding ``model.joblib`` and
``metadata.json`` (written by ``embedded_mds.demo_models``)::

    {"name": "wine-v1", "version": "1", "platform": "sklearn", "task": "classification",
     "feature_names": [...], "class_names": [...], "features": [<V2-style input entries>]}

The folder comes from the constructor (``model_dir``) or ``$WORKBENCH_SELDON_MODEL_DIR``.

Payloads accepted by ``predict`` (whatever Seldon's wrapper hands over):
- ``data.ndarray`` / ``data.tensor``: a 2-D array; column names from ``data.names`` when given,
  else the model's feature order. A mixed-type ``ndarray`` arrives as strings (numpy makes it so)
  and is coerced back per feature kind;
- ``jsonData``: a list of records (``[{"alcohol": 13.2, ...}]``), a
  ``{"names": [...], "ndarray": [[...]]}`` object, or a column dict (``{"alcohol": [..], ...}``),
  so mixed frames need not be stringified.
Classifiers answer class probabilities with ``class_names`` (so the response carries ``names``);
regressors answer one column named after the target. Unusable payloads raise
``SeldonMicroserviceException`` (HTTP 400, ``MICROSERVICE_BAD_DATA``).

``send_feedback`` counts feedback (``feedback_count``, ``reward_total``, per worker process, shown
by ``/health/status``); seldon itself counts ``seldon_api_model_feedback`` on the metrics port,
but only for a non-zero reward (``SeldonMetrics.update_reward`` skips reward 0).

``Echo`` (test only) answers what the wrapper decoded: ``jsonData`` unchanged, ``data`` as the
numpy array the model would have received (so a mixed ``ndarray`` comes back stringified, which
is the point of the dtype round-trip tests), with ``meta.tags.dtype`` naming the numpy dtype.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from seldon_core.flask_utils import SeldonMicroserviceException

MODEL_DIR_ENV = "WORKBENCH_SELDON_MODEL_DIR"
BAD_DATA = "MICROSERVICE_BAD_DATA"

logger = logging.getLogger(__name__)

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def bad_data(message: str) -> SeldonMicroserviceException:
    return SeldonMicroserviceException(message, status_code=400, reason=BAD_DATA)


def _model_dir(model_dir: str | os.PathLike | None) -> Path:
    folder = model_dir or os.environ.get(MODEL_DIR_ENV)
    if not folder:
        raise ValueError(f"no model folder: pass model_dir or set {MODEL_DIR_ENV}")
    return Path(folder)


def _to_bool(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


class SklearnModel:
    """A joblib scikit-learn model behind Seldon's Python wrapper."""

    def __init__(self, model_dir: str | None = None) -> None:
        self.model_dir = _model_dir(model_dir)
        self.metadata: dict[str, Any] = json.loads((self.model_dir / "metadata.json").read_text())
        self.name: str = self.metadata["name"]
        self.version: str = str(self.metadata.get("version", "1"))
        self.feature_names: list[str] = list(self.metadata["feature_names"])
        self.kinds: dict[str, str] = {
            entry["name"]: entry.get("parameters", {}).get("kind", "number")
            for entry in self.metadata.get("features", [])
        }
        self.task: str = self.metadata.get("task", "classification")
        # Seldon's wrapper reads `class_names` to fill `data.names` of the response.
        self.class_names: list[str] = list(self.metadata.get("class_names") or ["prediction"])
        self.feedback_count = 0
        self.reward_total = 0.0
        self._model = None

    # -- lifecycle -------------------------------------------------------------------------
    def load(self) -> None:
        import joblib

        if self._model is None:
            self._model = joblib.load(self.model_dir / "model.joblib")
            logger.info("loaded %s from %s", self.name, self.model_dir)

    @property
    def model(self):
        if self._model is None:
            self.load()
        return self._model

    # -- prediction ------------------------------------------------------------------------
    def predict(self, X: Any, features_names: list[str] | None = None, meta: dict | None = None):  # noqa: N803
        frame = self.to_frame(X, features_names)
        try:
            if self.task == "classification":
                return np.asarray(self.model.predict_proba(frame), dtype=float)
            return np.asarray(self.model.predict(frame), dtype=float).reshape(-1, 1)
        except ValueError as error:  # scikit-learn's way of rejecting an input
            raise bad_data(f"{self.name} cannot score this input: {error}") from error

    def to_frame(self, X: Any, names: list[str] | None = None) -> pd.DataFrame:  # noqa: N803
        """Turn whatever the wrapper decoded into a frame with the model's columns and types."""
        if isinstance(X, dict):
            if "ndarray" in X:
                frame = self._frame_from_rows(X["ndarray"], X.get("names"))
            elif X and all(isinstance(v, list) for v in X.values()):
                frame = pd.DataFrame(X)
            else:
                frame = pd.DataFrame([X])
        elif isinstance(X, list) and X and all(isinstance(row, dict) for row in X):
            frame = pd.DataFrame.from_records(X)
        else:
            frame = self._frame_from_rows(X, names)
        missing = [name for name in self.feature_names if name not in frame.columns]
        if missing:
            raise bad_data(f"{self.name} needs features {missing}; got columns {list(map(str, frame.columns))}")
        frame = frame[self.feature_names].copy()
        for column in frame.columns:
            frame[column] = self._coerce(column, frame[column])
        return frame

    def _frame_from_rows(self, rows: Any, names: list[str] | None) -> pd.DataFrame:
        try:
            array = np.asarray(rows, dtype=object)
        except ValueError as error:
            raise bad_data(f"rows are not rectangular: {error}") from error
        if array.ndim == 1 and array.size and not isinstance(array[0], (list, np.ndarray)):
            array = array.reshape(1, -1)
        if array.ndim != 2:
            raise bad_data(f"expected a 2-D array of rows, got shape {list(array.shape)}")
        columns = list(names) if names else self.feature_names
        if array.shape[1] != len(columns):
            raise bad_data(f"{self.name} expects {len(columns)} columns per row, got {array.shape[1]}")
        return pd.DataFrame(array, columns=columns)

    def _coerce(self, column: str, values: pd.Series) -> pd.Series:
        kind = self.kinds.get(column, "number")
        try:
            if kind in ("number", "integer"):
                return pd.to_numeric(values, errors="raise").astype(float if kind == "number" else "int64")
            if kind == "boolean":
                return values.map(_to_bool).astype(bool)
            return values.astype(str)
        except (ValueError, TypeError) as error:
            raise bad_data(f"feature {column!r} ({kind}): {error}") from error

    # -- metadata, feedback, health --------------------------------------------------------
    def init_metadata(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "versions": [self.version],
            "platform": self.metadata.get("platform", "sklearn"),
            "inputs": [
                {"messagetype": "ndarray", "schema": {"names": self.feature_names, "shape": [len(self.feature_names)]}}
            ],
            "outputs": [
                {"messagetype": "ndarray", "schema": {"names": self.class_names, "shape": [len(self.class_names)]}}
            ],
            # Seldon requires string values in `custom`.
            "custom": {
                "task": self.task,
                "accepts": "ndarray, tensor, jsonData (records or {names, ndarray})",
                "features": json.dumps(self.metadata.get("features", [])),
            },
        }

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        self.feedback_count += 1
        self.reward_total += float(reward or 0.0)
        logger.info("feedback %d for %s: reward=%s", self.feedback_count, self.name, reward)
        return None

    def health_status(self) -> dict[str, Any]:
        self.model  # noqa: B018 - loads the model, so health means "can predict"
        return {"status": "ok", "model": self.name, "feedback_count": self.feedback_count,
                "reward_total": self.reward_total}

    def tags(self) -> dict[str, str]:
        return {"model": self.name, "version": self.version}


class Echo:
    """Answers what Seldon's wrapper decoded, to round-trip dtypes (test only)."""

    def __init__(self, model_dir: str | None = None) -> None:
        self.name = "echo-v1"
        folder = model_dir or os.environ.get(MODEL_DIR_ENV)
        if folder and (Path(folder) / "metadata.json").exists():
            self.name = json.loads((Path(folder) / "metadata.json").read_text()).get("name", self.name)

    def predict_raw(self, request: Any) -> dict[str, Any]:
        from seldon_core.utils import construct_response_json, extract_request_parts_json

        if isinstance(request, dict) and "jsonData" in request:
            response: dict[str, Any] = {"jsonData": request["jsonData"], "meta": {"tags": {"dtype": "json"}}}
            puid = (request.get("meta") or {}).get("puid")
            if puid:
                response["meta"]["puid"] = puid
            return response
        features, meta, _datadef, _ = extract_request_parts_json(request)
        response = construct_response_json(self, True, request, features, meta)
        response.setdefault("meta", {}).setdefault("tags", {})["dtype"] = str(np.asarray(features).dtype)
        return response

    def init_metadata(self) -> dict[str, Any]:
        return {"name": self.name, "versions": ["1"], "platform": "echo",
                "inputs": [{"messagetype": "jsonData"}], "outputs": [{"messagetype": "jsonData"}]}

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        return None
