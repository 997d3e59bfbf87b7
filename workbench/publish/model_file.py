"""A researcher's model file, loaded and tried on its own reference rows before anything is published.

A pickled or joblib scikit-learn model (a pipeline, or an XGBoost / LightGBM model with scikit-learn's
interface) is loaded here, in the app's environment, and must answer its reference rows; its classes and
the kind of its answer (class or value) are read from it. Loading a pickle runs the code it names: only
the roles allowed to publish may hand one in (``workbench.auth``).
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd

from workbench.publish.errors import PublishError

MAX_MODEL_BYTES = 512 * 1024 * 1024
CHECK_ROWS = 200
"""Reference rows the model must answer before it is published (all of them when there are fewer)."""


@dataclass(frozen=True)
class CheckedModel:
    """A loaded model that answered its own reference rows."""

    estimator: Any
    data: bytes
    kind: str
    """What the model is, for people: its class name (``Pipeline``, ``XGBClassifier``...)."""
    classes: tuple[Any, ...]
    """The classes in ``predict_proba`` column order; empty for a regressor."""
    has_proba: bool
    """True when the model also gives each class's probability (``predict_proba``)."""
    predictions: tuple[Any, ...]
    """Its answers on the checked reference rows."""

    @property
    def is_classifier(self) -> bool:
        return bool(self.classes)


def load_model(data: bytes, name: str) -> Any:
    """The object in a joblib or pickle file, or a ``PublishError`` saying why it is not a model."""
    if len(data) > MAX_MODEL_BYTES:
        raise PublishError(f"{name} is {len(data) / 1e6:,.0f} MB; a published model may be at most "
                           f"{MAX_MODEL_BYTES / 1e6:,.0f} MB.", hint="Publish a smaller model, or serve it yourself.")
    try:
        estimator = joblib.load(io.BytesIO(data))
    except ModuleNotFoundError as exc:
        raise PublishError(f"{name} needs the package '{exc.name}', which the model server does not have.",
                           hint="Publish a scikit-learn, XGBoost or LightGBM model, or ask for the package.") from None
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError, AttributeError,
            ImportError) as exc:
        raise PublishError(f"{name} is not a pickled or joblib model ({type(exc).__name__}: {exc}).",
                           hint="Save the model with joblib.dump(model, 'model.joblib') and publish that file.") \
            from None
    if not callable(getattr(estimator, "predict", None)):
        raise PublishError(f"{name} holds a {type(estimator).__name__}, which has no predict method.",
                           hint="Publish the fitted model or pipeline itself.")
    return estimator


def check_model(data: bytes, name: str, reference: pd.DataFrame) -> CheckedModel:
    """Load ``data`` and have it answer the first ``CHECK_ROWS`` reference rows."""
    estimator = load_model(data, name)
    if reference.empty:
        raise PublishError("The reference data has no rows.", hint="Give the rows the model was trained on "
                           "(a sample will do), with the columns it expects and no target column.")
    rows = reference.head(CHECK_ROWS)
    try:
        answers = np.asarray(estimator.predict(rows))
    except Exception as exc:  # any failure of the researcher's code: its message is what to show
        raise PublishError(f"The model failed on its own reference rows: {type(exc).__name__}: {exc}",
                           hint="Check that the reference columns are the ones the model was trained on.") from None
    if (answers.ndim != 1 and not (answers.ndim == 2 and answers.shape[1] == 1)) or len(answers) != len(rows):
        raise PublishError(f"The model answered {len(rows)} rows with an array of shape {answers.shape}; "
                           "one answer per row is needed.", hint="Publish a model whose predict gives one answer "
                           "(a class or a value) per row.")
    found = getattr(estimator, "classes_", None)
    classes = tuple(np.asarray(found).reshape(-1).tolist()) if found is not None else ()
    return CheckedModel(estimator=estimator, data=data, kind=type(estimator).__name__, classes=classes,
                        has_proba=bool(classes) and callable(getattr(estimator, "predict_proba", None)),
                        predictions=tuple(answers.reshape(-1).tolist()))
