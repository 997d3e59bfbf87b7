"""The embedded MDS's NVIDIA Triton demo model: trained here (app venv), served by tritonserver's Python backend.

A multinomial logistic regression on scikit-learn's iris data, written as a Triton model folder (Triton's usual
layout: one ``dims: [1]`` FP32 input per column with a batch dimension, ``probabilities`` and a BYTES ``label`` out)::

    triton/models/<name>/config.pbtxt           Triton's model configuration
    triton/models/<name>/1/model.py             embedded_mds/served/triton_classifier.py (numpy only)
    triton/models/<name>/1/classifier.json      scaling, coefficients and class names
    reference/<name>.csv, samples/<name>.csv    as for every demo model
    schemas/<name>.json                         its ML prediction schema: descriptions and class names,
                                                which Triton's metadata cannot carry (the catalog names it)
    cards/<name>.json                           its model card (it runs on NVIDIA Triton)

`write_triton_demo` runs with the other demo models (``demo_models.train_all``), whether or not Triton is installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from embedded_mds.demo_artifacts import TRITON_DEMO_MODELS, TrainedModel
from embedded_mds.layout import HomeLayout, write_json
from embedded_mds.model_cards import MODEL_CARDS
from embedded_mds.model_schema import feature

MODEL_PY = Path(__file__).resolve().parent / "served" / "triton_classifier.py"
SPEC_FILE = "classifier.json"
MAX_BATCH_SIZE = 1024
"""Rows one request may carry (Triton refuses more); the client reads it from the configuration and splits."""
RANDOM_STATE = 0
IRIS_COLUMNS = {  # scikit-learn's column name -> the input's name (Triton's names: no spaces or brackets)
    "sepal length (cm)": "sepal_length", "sepal width (cm)": "sepal_width",
    "petal length (cm)": "petal_length", "petal width (cm)": "petal_width",
}


def train_iris() -> TrainedModel:
    # sklearn costs ~1 s of imports: only training pays for it.
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_iris(as_frame=True)
    x, y = data.data.rename(columns=IRIS_COLUMNS), data.target.map(dict(enumerate(data.target_names)))
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=RANDOM_STATE, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_train, y_train)
    inputs = [
        feature(column, "FP32", "number", f"{column.replace('_', ' ').capitalize()} of the flower in centimetres.",
                shape=[-1, 1], min=round(float(x[column].min()), 1), max=round(float(x[column].max()), 1),
                bounds="observed", default=round(float(x[column].median()), 1), unit="cm")
        for column in x.columns
    ]
    classes = [str(c) for c in model.classes_]
    proba = model.predict_proba(x_test)
    return TrainedModel(
        name=TRITON_DEMO_MODELS[0], estimator=model, inputs=inputs,
        outputs=[{"name": "probabilities", "datatype": "FP32", "shape": [-1, len(classes)], "class_names": classes},
                 {"name": "label", "datatype": "BYTES", "shape": [-1, 1]}],
        reference=x_train.reset_index(drop=True), sample=x.sample(50, random_state=RANDOM_STATE).reset_index(drop=True),
        metrics={"accuracy": round(float(model.score(x_test, y_test)), 4),
                 "mean_confidence": round(float(proba.max(axis=1).mean()), 4)},
    )


def classifier_spec(trained: TrainedModel) -> dict[str, Any]:
    """What ``served/triton_classifier.py`` computes with: standard scaling, then a softmax over linear scores."""
    scaler, regression = trained.estimator[0], trained.estimator[-1]
    coef, intercept = np.asarray(regression.coef_), np.asarray(regression.intercept_)
    if coef.shape[0] == 1:  # two classes: sigmoid(z) is the softmax of (0, z)
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    return {
        "inputs": [{"name": f["name"], "mean": float(m), "scale": float(s)}
                   for f, m, s in zip(trained.inputs, scaler.mean_, scaler.scale_, strict=True)],
        "coef": coef.tolist(), "intercept": intercept.tolist(), "classes": [str(c) for c in regression.classes_],
    }


def config_pbtxt(trained: TrainedModel) -> str:
    """Triton's model configuration: every input ``dims: [1]`` with batching, probabilities and the BYTES label."""
    inputs = ", ".join(f'{{ name: "{f["name"]}" data_type: TYPE_FP32 dims: [ 1 ] }}' for f in trained.inputs)
    n_classes = len(trained.outputs[0]["class_names"])
    return (f'name: "{trained.name}"\nbackend: "python"\nmax_batch_size: {MAX_BATCH_SIZE}\n'
            f"input [ {inputs} ]\n"
            f'output [ {{ name: "probabilities" data_type: TYPE_FP32 dims: [ {n_classes} ] }}, '
            f'{{ name: "label" data_type: TYPE_STRING dims: [ 1 ] }} ]\n'
            "instance_group [ { kind: KIND_CPU count: 1 } ]\n")


def prediction_schema(trained: TrainedModel) -> dict[str, Any]:
    """The catalog's description of the model: what its Triton metadata (names, types, shapes) does not say."""
    return {
        # no "range": that would be a limit, and the training data's range is only what was seen (the reference
        # data says so, and a value outside it is a warning)
        "requests": [{"name": f["name"], "type": "REAL", "data_type": "FLOAT",
                      "description": f["parameters"]["description"]} for f in trained.inputs],
        "responses": [{"name": "probabilities", "type": "PROBA", "data_type": "FLOAT",
                       "schema": [{"name": c} for c in trained.outputs[0]["class_names"]]},
                      {"name": "label", "type": "CATEGORICAL", "data_type": "STRING",
                       "schema": [{"name": c} for c in trained.outputs[0]["class_names"]]}],
    }


def write_triton_model(layout: HomeLayout, trained: TrainedModel) -> None:
    folder = layout.triton_models / trained.name
    (folder / "1").mkdir(parents=True, exist_ok=True)
    write_json(folder / "1" / SPEC_FILE, classifier_spec(trained))
    shutil.copyfile(MODEL_PY, folder / "1" / "model.py")
    (folder / "config.pbtxt").write_text(config_pbtxt(trained))
    for path, frame in ((layout.reference_csv(trained.name), trained.reference),
                        (layout.sample_csv(trained.name), trained.sample)):
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    write_json(layout.schema_json(trained.name), prediction_schema(trained))
    write_json(layout.card_json(trained.name), {**MODEL_CARDS[trained.name], "metrics": trained.metrics})


def write_triton_demo(layout: HomeLayout) -> None:
    write_triton_model(layout, train_iris())
