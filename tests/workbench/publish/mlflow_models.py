"""Run in MLflow's environment (.venvs/mlflow) by test_publish_mlflow.py: train small models on mixed columns and save
each as an MLflow model folder, then load each folder back with ``mlflow.pyfunc.load_model`` and predict the rows the
test sends through the workbench, as the answers to compare with.

    python tests/workbench/publish/mlflow_models.py OUT_DIR

writes OUT_DIR/<case>/ (MLflow model folders), OUT_DIR/reference.csv, OUT_DIR/rows.csv, OUT_DIR/expected.json and
OUT_DIR/expected_proba.json (the classifiers' own ``predict_proba`` on rows.csv, with their ``classes_``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def orchard(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "variety": rng.choice(["bramley", "cox", "gala"], n),
        "age_years": rng.integers(1, 40, n),
        "rainfall_mm": rng.normal(700.0, 120.0, n).round(1),
    })
    score = frame["rainfall_mm"] / 100 + (frame["variety"] == "cox") * 2 - frame["age_years"] / 10
    return frame, np.where(score > 7.0, "premium", np.where(score > 5.5, "standard", "juice"))


class YieldModel(mlflow.pyfunc.PythonModel):
    """Tonnes per hectare from the variety, the age and the rain: a custom pyfunc (pickled by value from __main__)."""

    BASE = {"bramley": 30.0, "cox": 22.0, "gala": 26.0}

    def predict(self, context, model_input, params=None):
        base = model_input["variety"].map(self.BASE).fillna(20.0)
        return (base + model_input["rainfall_mm"] / 100.0 - model_input["age_years"] * 0.2).to_numpy()


class BrokenModel(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        raise ValueError("rainfall_mm must be given in inches")


class BareModel(mlflow.pyfunc.PythonModel):
    """No signature, no input example: the workbench cannot know its inputs."""

    def predict(self, context, model_input, params=None):
        return np.asarray(model_input["age_years"], dtype=float) * 2.0


def grade_pipeline(frame: pd.DataFrame, grade: np.ndarray, c: float = 1.0):
    columns = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["variety"]),
                                 ("num", StandardScaler(), ["age_years", "rainfall_mm"])])
    return make_pipeline(columns, LogisticRegression(max_iter=500, C=c)).fit(frame, grade)


class ShelfModel(mlflow.pyfunc.PythonModel):
    """A custom pyfunc around a classifier that also says how sure it is (``classes_``, ``predict_proba``).

    It fits its classifier from its artifact when loaded: this environment's numpy (2.x) pickles arrays that the
    model server's numpy (1.26) cannot read, so a custom pyfunc here carries no fitted arrays."""

    def load_context(self, context):
        frame = pd.read_csv(context.artifacts["training"])
        self.classifier = grade_pipeline(frame.drop(columns="grade"), frame["grade"].to_numpy(), c=0.3)
        self.classes_ = self.classifier.classes_

    def predict(self, context, model_input, params=None):
        return self.classifier.predict(model_input)

    def predict_proba(self, model_input):
        return self.classifier.predict_proba(model_input)


class BiasedModel(ShelfModel):
    """Its probabilities do not back its answer (always the last class): the class alone is served."""

    def predict(self, context, model_input, params=None):
        return np.full(len(model_input), self.classes_[-1])


class WeightedModel(mlflow.pyfunc.PythonModel):
    """Carries a numpy array in its pickle: written here with numpy 2, which the model server's numpy 1.26 cannot
    read."""

    def __init__(self):
        self.weights = np.array([0.5, -0.1])

    def predict(self, context, model_input, params=None):
        return model_input[["rainfall_mm", "age_years"]].to_numpy() @ self.weights


class CutoffModel(mlflow.pyfunc.PythonModel):
    """Grades by a score against a cutoff its caller may move (signature params: a double and a string)."""

    def predict(self, context, model_input, params=None):
        params = params or {}
        rain = model_input["rainfall_mm"] / (25.4 if params.get("rain_unit") == "in" else 1.0)
        score = rain / 100 + (model_input["variety"] == "cox") * 2 - model_input["age_years"] / 10
        return np.where(score > params.get("cutoff", 7.0), "premium", "juice")


CUTOFF_PARAMS = {"cutoff": 7.0, "rain_unit": "mm"}
CHOSEN_PARAMS = {"cutoff": 5.5, "rain_unit": "in"}


class WeightsModel(mlflow.pyfunc.PythonModel):
    """Grades by a weighted score whose weights its caller may change (a list-valued signature param)."""

    def predict(self, context, model_input, params=None):
        rain_w, cox_w = (params or {}).get("weights", WEIGHTS_PARAMS["weights"])
        score = rain_w * model_input["rainfall_mm"] / 100 + cox_w * (model_input["variety"] == "cox")
        return np.where(score > 7.0, "premium", "juice")


WEIGHTS_PARAMS = {"weights": [1.0, 2.0]}
CHOSEN_WEIGHTS = {"weights": [0.5, 6.0]}


REQUIREMENTS = ["mlflow", "scikit-learn", "pandas"]
"""Given, so that MLflow does not load each model in a process of its own to find them (a minute for four)."""


def main(out: Path) -> None:
    frame, grade = orchard(240, 3)
    rows, _ = orchard(25, 8)
    classifier = grade_pipeline(frame, grade)
    mlflow.sklearn.save_model(classifier, out / "sklearn", signature=infer_signature(frame, classifier.predict(frame)),
                              input_example=frame.head(3), pip_requirements=REQUIREMENTS)
    tonnes = YieldModel().predict(None, frame)
    mlflow.pyfunc.save_model(out / "custom", python_model=YieldModel(), signature=infer_signature(frame, tonnes),
                             input_example=frame.head(2), pip_requirements=REQUIREMENTS)
    mlflow.pyfunc.save_model(out / "broken", python_model=BrokenModel(), signature=infer_signature(frame, tonnes),
                             input_example=frame.head(2), pip_requirements=REQUIREMENTS)
    mlflow.pyfunc.save_model(out / "bare", python_model=BareModel(), pip_requirements=REQUIREMENTS)
    frame.assign(grade=grade).to_csv(out / "training.csv", index=False)
    for case, model in (("shelf", ShelfModel()), ("biased", BiasedModel())):
        mlflow.pyfunc.save_model(out / case, python_model=model, artifacts={"training": str(out / "training.csv")},
                                 input_example=frame.head(4), signature=infer_signature(frame, grade),
                                 pip_requirements=REQUIREMENTS)
    mlflow.pyfunc.save_model(out / "cutoff", python_model=CutoffModel(), input_example=(frame.head(2), CUTOFF_PARAMS),
                             signature=infer_signature(frame, CutoffModel().predict(None, frame), params=CUTOFF_PARAMS),
                             pip_requirements=REQUIREMENTS)
    mlflow.pyfunc.save_model(out / "weights", python_model=WeightsModel(), input_example=(frame.head(2), WEIGHTS_PARAMS),
                             signature=infer_signature(frame, WeightsModel().predict(None, frame), params=WEIGHTS_PARAMS),
                             pip_requirements=REQUIREMENTS)
    mlflow.pyfunc.save_model(out / "weighted", python_model=WeightedModel(), input_example=frame.head(2),
                             pip_requirements=REQUIREMENTS)
    frame.to_csv(out / "reference.csv", index=False)
    rows.to_csv(out / "rows.csv", index=False)
    expected = {case: np.asarray(mlflow.pyfunc.load_model(str(out / case)).predict(rows)).tolist()
                for case in ("sklearn", "custom", "bare", "shelf", "biased", "cutoff", "weights")}
    expected["cutoff-chosen"] = np.asarray(mlflow.pyfunc.load_model(str(out / "cutoff")).predict(
        rows, params=CHOSEN_PARAMS)).tolist()
    expected["weights-chosen"] = np.asarray(mlflow.pyfunc.load_model(str(out / "weights")).predict(
        rows, params=CHOSEN_WEIGHTS)).tolist()
    (out / "expected.json").write_text(json.dumps(expected))
    sklearn = mlflow.sklearn.load_model(str(out / "sklearn"))
    inner = mlflow.pyfunc.load_model(str(out / "shelf")).unwrap_python_model()
    proba = {"sklearn": {"classes": sklearn.classes_.tolist(), "proba": sklearn.predict_proba(rows).tolist()},
             "shelf": {"classes": inner.classes_.tolist(), "proba": inner.predict_proba(rows).tolist()}}
    (out / "expected_proba.json").write_text(json.dumps(proba))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
