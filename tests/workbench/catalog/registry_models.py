"""Run in MLflow's environment (.venvs/mlflow) by test_registry_link.py: what a data scientist does without the
workbench. Trains a pipeline on mixed columns (a string, an integer, a float and an optional float) with string class
names, logs it with a signature (the optional column ``required: false``) and an input example, registers it, names
version 1 ``@champion``, describes it; then downloads the registered files (what a server would serve) and predicts
the test's rows with ``mlflow.pyfunc.load_model`` for the answers to compare with.

    python tests/workbench/catalog/registry_models.py TRACKING_URI NAME OUT_DIR

writes OUT_DIR/served/ (the registered version's files), OUT_DIR/rows.csv, OUT_DIR/expected.json and
OUT_DIR/registered.json (run id, version, the file location the registry gives).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from mlflow.types import ColSpec, Schema
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

USER = "ana.registrar"
DESCRIPTION = "Grades a harvest from its variety, the trees' age and the rain (registered by hand)."


def harvest(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "cultivar": rng.choice(["jonagold", "braeburn", "russet"], n),
        "tree_age": rng.integers(2, 30, n),
        "rain_mm": rng.normal(650.0, 100.0, n).round(1),
        "soil_ph": rng.normal(6.5, 0.4, n).round(2),
    })
    score = frame["rain_mm"] / 100 + (frame["cultivar"] == "russet") * 1.5 - frame["tree_age"] / 12
    return frame, np.where(score > 6.0, "premium", np.where(score > 4.5, "standard", "cider"))


def main(tracking_uri: str, name: str, out: Path) -> None:
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("hand-registered")
    frame, grade = harvest(300, 5)
    columns = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["cultivar"]),
        ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["tree_age", "rain_mm", "soil_ph"])])
    model = make_pipeline(columns, LogisticRegression(max_iter=500)).fit(frame, grade)
    signature = ModelSignature(
        inputs=Schema([ColSpec("string", "cultivar"), ColSpec("long", "tree_age"), ColSpec("double", "rain_mm"),
                       ColSpec("double", "soil_ph", required=False)]),
        outputs=Schema([ColSpec("string")]))
    example = frame.head(2).copy()
    with mlflow.start_run(tags={"mlflow.user": USER}) as run:
        mlflow.log_metric("accuracy", float((model.predict(frame) == grade).mean()))
        mlflow.log_metric("log_loss", 0.4321)
        mlflow.sklearn.log_model(model, name="model", signature=signature, input_example=example,
                                 registered_model_name=name, pip_requirements=["mlflow", "scikit-learn", "pandas"],
                                 skops_trusted_types=["numpy.dtype"])
    client = MlflowClient()
    version = client.search_model_versions(f"name='{name}'")[0]
    client.update_model_version(name, version.version, description=DESCRIPTION)
    client.set_registered_model_alias(name, "champion", version.version)
    served = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{name}/{version.version}",
                                                 dst_path=str(out / "served"))
    rows, _ = harvest(12, 9)
    rows.loc[[2, 5], "soil_ph"] = np.nan  # the optional column left out of some rows
    rows.to_csv(out / "rows.csv", index=False)
    expected = mlflow.pyfunc.load_model(f"models:/{name}/{version.version}").predict(rows)
    (out / "expected.json").write_text(json.dumps(np.asarray(expected).tolist()))
    (out / "registered.json").write_text(json.dumps({
        "run_id": run.info.run_id, "version": version.version, "source": version.source, "served": served,
        "example": example.iloc[0].to_dict(), "accuracy": float((model.predict(frame) == grade).mean())},
        default=lambda v: v.item()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
