"""Class probabilities of an MLflow classifier, beside the class its pyfunc answers (MLflow's and MLServer's envs).

``mlflow.pyfunc`` answers only ``predict``: a scikit-learn (XGBoost, LightGBM) classifier's ``predict_proba`` is
out of its reach. When the model inside the pyfunc (the flavor's raw model, or a custom ``PythonModel``) has
``classes_`` and a ``predict_proba(rows)``, the check (mlflow_check.py) tries it on the model's own rows and the
served runtime (mlflow_runtime.py) answers it as ``predict_proba``, the rows first brought to the signature exactly
as ``pyfunc.predict`` brings them. Probabilities are served only when their likeliest class is the class the pyfunc
answers on every checked row: numbers shown as "how sure" must belong to the answer beside them.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from mlflow.pyfunc import _validate_prediction_input  # the signature enforcement pyfunc.predict applies

UNWRAPS = ("get_raw_model", "unwrap_python_model")
"""Where a pyfunc keeps the model it wraps: the flavor's own model, else a custom PythonModel."""


def probability_model(model: Any) -> Any | None:
    """The model inside ``model`` (a ``PyFuncModel``) that gives class probabilities, None when there is none."""
    for unwrap in UNWRAPS:
        with contextlib.suppress(Exception):
            inner = getattr(model, unwrap)()
            if getattr(inner, "classes_", None) is not None and callable(getattr(inner, "predict_proba", None)):
                return inner
    return None


def class_names(inner: Any) -> list[Any]:
    return np.asarray(inner.classes_).reshape(-1).tolist()


def probabilities(model: Any, inner: Any, data: Any, params: dict[str, Any] | None = None) -> np.ndarray:
    """``inner.predict_proba`` of ``data`` after the signature's enforcement: one row per input row, one column per
    class in ``classes_`` order."""
    enforced, _ = _validate_prediction_input(data, params, model.metadata.get_input_schema(),
                                             model.metadata.get_params_schema())
    return np.asarray(inner.predict_proba(enforced), dtype=np.float64)


def agrees(proba: np.ndarray, classes: list[Any], predictions: Any) -> bool:
    """True when ``proba`` is a probability per class for each answered row and its likeliest class is the answer."""
    answers = np.asarray(predictions).reshape(-1)
    if proba.ndim != 2 or proba.shape != (len(answers), len(classes)) or not np.isfinite(proba).all():
        return False
    likeliest = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    return all(str(a) == str(b) for a, b in zip(likeliest, answers, strict=True))
