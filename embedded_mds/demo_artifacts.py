"""Write a trained demo model's artefacts: the files servers, catalog and app read.

Layout written under ``<home>`` (see ``layout.HomeLayout``)::

    models/<name>/model.joblib           scikit-learn pipeline (joblib)
    models/<name>/model-settings.json    MLServer 1.7 settings with the feature schema
    reference/<name>.csv                 up to 500 training rows, feature columns in schema order
    samples/<name>.csv                   50 rows for batch demos, feature columns only
    cards/<name>.json                    model card (owner, intended use, metrics we computed, ...)
    seldon/wine-v1/                      the wine pipeline + metadata.json for the Seldon v1 service
    schemas/wine-v1.json                 Seldon ML prediction schema of wine-v1
    demo-models.json                     stamp: what was trained, with which versions

The stamp decides whether ``demo_models.train_all`` trains again (``is_up_to_date``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joblib

from embedded_mds.layout import HomeLayout, write_json
from embedded_mds.model_cards import MODEL_CARDS

# Bump when a model, its schema or its files change: prepare() retrains when the stamp differs.
TRAINING_VERSION = 9  # 8, 9: the Triton demo model (embedded_mds/triton_demo.py); 4: all-numeric models declare content_type np (rows as one tensor); 5: wine units; 6: embedded_mds moved out of workbench (pickles name its classes); 7: cards' mean_confidence
MODEL_VERSION = "1"

DEMO_MODELS = ("wine", "tips", "tip-amount", "digits")
SELDON_DEMO_MODELS = ("wine-v1",)
TRITON_DEMO_MODELS = ("iris",)
"""Served by NVIDIA Triton from ``<home>/triton/models`` (embedded_mds/triton_demo.py writes them)."""


@dataclass
class TrainedModel:
    """One trained model and everything written next to it."""

    name: str
    estimator: Any
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    reference: Any  # pandas.DataFrame, feature columns only
    sample: Any  # pandas.DataFrame, feature columns only
    metrics: dict[str, float] = field(default_factory=dict)


NUMERIC_KINDS = ("number", "integer")


def model_settings(trained: TrainedModel) -> dict[str, Any]:
    parameters: dict[str, Any] = {"uri": "./model.joblib", "version": MODEL_VERSION}
    if all((entry.get("parameters") or {}).get("kind") in NUMERIC_KINDS for entry in trained.inputs):
        # Declared in the metadata (MLServer returns it): this model also takes its rows as one numeric
        # tensor, which explanations use; one input per column stays the form shown to people.
        parameters["content_type"] = "np"
    return {
        "name": trained.name,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": parameters,
        "inputs": trained.inputs,
        "outputs": trained.outputs,
    }



def write_model(layout: HomeLayout, trained: TrainedModel) -> None:
    folder = layout.model_dir(trained.name)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(trained.estimator, folder / "model.joblib")
    write_json(folder / "model-settings.json", model_settings(trained))
    for path, frame in ((layout.reference_csv(trained.name), trained.reference),
                        (layout.sample_csv(trained.name), trained.sample)):
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    write_json(layout.card_json(trained.name), {**MODEL_CARDS[trained.name], "metrics": trained.metrics})


def seldon_metadata(wine: TrainedModel, name: str) -> dict[str, Any]:
    """Metadata the Seldon v1 user model (served.seldon_model) reads next to its joblib."""
    proba = wine.outputs[1]["parameters"]["class_names"]
    return {
        "name": name,
        "version": MODEL_VERSION,
        "platform": "sklearn",
        "task": "classification",
        "feature_names": [entry["name"] for entry in wine.inputs],
        "class_names": proba,
        "features": wine.inputs,
    }


def prediction_schema(wine: TrainedModel) -> dict[str, Any]:
    """Seldon's ML prediction schema for wine-v1."""
    return {
        "requests": [
            {
                "name": entry["name"],
                "type": "REAL",
                "data_type": "FLOAT",
                "range": [entry["parameters"]["min"], entry["parameters"]["max"]],
            }
            for entry in wine.inputs
        ],
        "responses": [
            {
                "name": "probabilities",
                "type": "PROBA",
                "data_type": "FLOAT",
                "schema": [{"name": name} for name in wine.outputs[1]["parameters"]["class_names"]],
            }
        ],
    }


def write_seldon_wine(layout: HomeLayout, wine: TrainedModel) -> None:
    folder = layout.seldon_dir("wine-v1")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(layout.model_dir("wine") / "model.joblib", folder / "model.joblib")
    write_json(folder / "metadata.json", seldon_metadata(wine, "wine-v1"))
    write_json(layout.schema_json("wine-v1"), prediction_schema(wine))
    write_json(layout.card_json("wine-v1"), {**MODEL_CARDS["wine-v1"], "metrics": wine.metrics})


def training_stamp() -> dict[str, Any]:
    return {"training_version": TRAINING_VERSION, "sklearn": version("scikit-learn"),
            "models": list(DEMO_MODELS + TRITON_DEMO_MODELS)}


def expected_files(layout: HomeLayout) -> list[Path]:
    files: list[Path] = []
    for name in DEMO_MODELS:
        files += [
            layout.model_dir(name) / "model.joblib",
            layout.model_dir(name) / "model-settings.json",
            layout.reference_csv(name),
            layout.sample_csv(name),
            layout.card_json(name),
        ]
    files += [layout.seldon_dir("wine-v1") / "model.joblib", layout.seldon_dir("wine-v1") / "metadata.json",
              layout.schema_json("wine-v1"), layout.card_json("wine-v1")]
    for name in TRITON_DEMO_MODELS:
        folder = layout.triton_models / name
        files += [folder / "config.pbtxt", folder / "1" / "model.py", folder / "1" / "classifier.json",
                  layout.reference_csv(name), layout.sample_csv(name), layout.schema_json(name), layout.card_json(name)]
    return files


def is_up_to_date(layout: HomeLayout) -> bool:
    try:
        stamp = json.loads(layout.training_stamp.read_text())
    except (OSError, ValueError):
        return False
    stamp.pop("trained_at", None)
    stamp.pop("seconds", None)
    return stamp == training_stamp() and all(path.exists() for path in expected_files(layout))



def write_training_stamp(layout: HomeLayout, stamp: dict[str, Any]) -> None:
    write_json(layout.training_stamp, stamp)
