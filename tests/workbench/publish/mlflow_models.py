"""Run in MLflow's environment (.venvs/mlflow) by test_publish_mlflow.py: train small models on mixed columns and save
each as an MLflow model folder, then load each folder back with ``mlflow.pyfunc.load_model`` and predict the rows the
test sends through the workbench, as the answers to compare with.

    python tests/workbench/publish/mlflow_models.py OUT_DIR

writes OUT_DIR/<case>/ (MLflow model folders), OUT_DIR/reference.csv, OUT_DIR/rows.csv and OUT_DIR/expected.json.
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


REQUIREMENTS = ["mlflow", "scikit-learn", "pandas"]
"""Given, so that MLflow does not load each model in a process of its own to find them (a minute for four)."""


def main(out: Path) -> None:
    frame, grade = orchard(240, 3)
    rows, _ = orchard(25, 8)
    columns = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["variety"]),
                                 ("num", StandardScaler(), ["age_years", "rainfall_mm"])])
    classifier = make_pipeline(columns, LogisticRegression(max_iter=500)).fit(frame, grade)
    mlflow.sklearn.save_model(classifier, out / "sklearn", signature=infer_signature(frame, classifier.predict(frame)),
                              input_example=frame.head(3), pip_requirements=REQUIREMENTS)
    tonnes = YieldModel().predict(None, frame)
    mlflow.pyfunc.save_model(out / "custom", python_model=YieldModel(), signature=infer_signature(frame, tonnes),
                             input_example=frame.head(2), pip_requirements=REQUIREMENTS)
    mlflow.pyfunc.save_model(out / "broken", python_model=BrokenModel(), signature=infer_signature(frame, tonnes),
                             input_example=frame.head(2), pip_requirements=REQUIREMENTS)
    mlflow.pyfunc.save_model(out / "bare", python_model=BareModel(), pip_requirements=REQUIREMENTS)
    frame.to_csv(out / "reference.csv", index=False)
    rows.to_csv(out / "rows.csv", index=False)
    expected = {case: np.asarray(mlflow.pyfunc.load_model(str(out / case)).predict(rows)).tolist()
                for case in ("sklearn", "custom", "bare")}
    (out / "expected.json").write_text(json.dumps(expected))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
