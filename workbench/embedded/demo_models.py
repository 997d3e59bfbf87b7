"""Train the embedded MDS demo models and write them as MLServer / Seldon model folders.

Run in the app environment: ``python -m workbench.embedded.demo_models --home DIR``.
Everything is deterministic (fixed ``random_state``) and trains in a few seconds from data that
ships with installed packages (scikit-learn's wine and digits, Plotly's tips).

Layout written under ``<home>`` (see ``layout.HomeLayout``)::

    models/<name>/model.joblib           scikit-learn pipeline (joblib)
    models/<name>/model-settings.json    MLServer 1.7 settings with the feature schema
    reference/<name>.csv                 up to 500 training rows, feature columns in schema order
    samples/<name>.csv                   50 rows for batch demos, feature columns only
    cards/<name>.json                    model card (owner, intended use, metrics we computed, ...)
    seldon/wine-v1/                      the wine pipeline + metadata.json for the Seldon v1 service
    schemas/wine-v1.json                 Seldon ML prediction schema of wine-v1
    demo-models.json                     stamp: what was trained, with which versions

THE SCHEMA CONVENTION (other code parses it; data scientists can follow it for their own models).
Each entry of ``inputs`` in model-settings.json is
``{"name", "datatype", "shape": [-1], "parameters": {...}}`` (the digits image is one FP32 input
of shape ``[-1, 8, 8]``). ``parameters`` holds ``content_type: "str"`` for BYTES inputs only, plus
the feature facts: ``kind`` (number | integer | category | boolean | text | image),
``description`` (one sentence), optional ``min``, ``max``, ``step``, ``unit``, ``categories``
(category only) and ``default``. Classifier ``outputs`` are ``predict`` (kind ``label``, datatype
INT64 or BYTES, shape ``[-1, 1]``) and ``predict_proba`` (kind ``proba``, FP64, shape ``[-1, K]``),
both with ``class_names`` in ``model.classes_`` order; a regressor has one ``predict`` output
(kind ``value``, FP64, with ``unit``).

Verified against MLServer 1.7.1 (see tests/workbench/test_embedded_local_mds.py):
- arbitrary keys in an input's/output's ``parameters`` are accepted and come back verbatim from
  ``GET /v2/models/<m>`` (MLServer's ``Parameters`` model allows extra fields);
- a request ``{"parameters": {"content_type": "pd"}, "inputs": [one per column, BYTES ones with
  parameters.content_type "str"], "outputs": [{"name": "predict"}, {"name": "predict_proba"}]}``
  reaches the tips pipeline as a DataFrame with bool and int64 columns kept, and both outputs come
  back. No deviation from the convention was needed.
- Column order does not matter for the pd codec (the pipelines select columns by name).
- ``GET /v2/models/<m>`` answers ``"versions": []`` although ``parameters.version`` is "1";
  inference responses do carry ``model_version: "1"``. Take the version from the catalog.
- For wine, a single 2-D FP64 tensor (no ``content_type``, columns in schema order) works too:
  MLServer's default NumpyRequestCodec hands the pipeline an ndarray (wine was fitted on a
  DataFrame, so scikit-learn warns; the servers run with that one warning silenced, see
  local_mds). tips / tip-amount need the pd form (their pipelines select columns by name).
- Requests need ``Content-Type: application/json``.

Digits convention: the V2 input is one tensor ``image`` (FP32, ``[-1, 8, 8]``, 0..16); the
reference and sample CSVs flatten it row-major into 64 columns ``image_<row>_<col>`` (the tensor input name, then the index: what mds_client.ModelSchema.tensor_columns expects)
(``image_0_0`` .. ``image_7_7``). The pipeline's first step (``served.transformers.Flatten``)
accepts both (n, 8, 8) and (n, 64).

Cards: ``MODEL_CARDS`` holds the static text; ``metrics`` are computed on a held-out split at
training time and written with the card to ``cards/<name>.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.embedded.layout import HomeLayout

# Bump when a model, its schema or its files change: prepare() retrains when the stamp differs.
TRAINING_VERSION = 3
RANDOM_STATE = 0
REFERENCE_ROWS = 500
SAMPLE_ROWS = 50
MODEL_VERSION = "1"

DEMO_MODELS = ("wine", "tips", "tip-amount", "digits")
SELDON_DEMO_MODELS = ("wine-v1",)

WINE_CLASS_NAMES = ["cultivar_1", "cultivar_2", "cultivar_3"]
TIPS_FEATURES = ["total_bill", "sex", "smoker", "day", "time", "size"]

MODEL_CARDS: dict[str, dict[str, Any]] = {
    "wine": {
        "description": "Predicts the cultivar of an Italian wine from 13 chemical measurements.",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating multiclass prediction, explanation and drift monitoring.",
        "limitations": "178 wines from one region of Italy; not a tool for real wine analysis.",
        "training_data": "scikit-learn wine data set (UCI Wine), 75% stratified training split.",
        "tags": ["demo", "classification", "tabular"],
    },
    "tips": {
        "description": "Predicts whether a restaurant bill gets a generous tip (16% or more).",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating mixed numeric, categorical and boolean inputs.",
        "limitations": "244 bills from one waiter in the 1990s; the target is noisy.",
        "training_data": "Plotly's tips data set, 75% stratified training split.",
        "tags": ["demo", "classification", "tabular", "mixed-types"],
    },
    "tip-amount": {
        "description": "Estimates the tip in dollars for a restaurant bill.",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating regression on mixed numeric and categorical inputs.",
        "limitations": "244 bills from one waiter in the 1990s; errors of about a dollar.",
        "training_data": "Plotly's tips data set, 75% training split.",
        "tags": ["demo", "regression", "tabular", "mixed-types"],
    },
    "digits": {
        "description": "Recognises a handwritten digit in an 8x8 grey-level image.",
        "owner": "workbench-demo",
        "intended_use": "Demonstrating tensor (image) inputs.",
        "limitations": "8x8 images with pixel values 0..16 only, as in the UCI digits set.",
        "training_data": "scikit-learn digits data set (UCI), 75% stratified training split.",
        "tags": ["demo", "classification", "image"],
    },
}
MODEL_CARDS["wine-v1"] = {
    **MODEL_CARDS["wine"],
    "description": "The wine cultivar classifier served as a Seldon Core v1 microservice.",
    "tags": ["demo", "classification", "tabular", "seldon-v1"],
}

WINE_DESCRIPTIONS = {
    "alcohol": "Alcohol content of the wine in percent by volume.",
    "malic_acid": "Malic acid content in grams per litre.",
    "ash": "Ash content in grams per litre.",
    "alcalinity_of_ash": "Alkalinity of the ash.",
    "magnesium": "Magnesium content in milligrams per litre.",
    "total_phenols": "Total phenol content.",
    "flavanoids": "Flavanoid phenol content.",
    "nonflavanoid_phenols": "Non-flavanoid phenol content.",
    "proanthocyanins": "Proanthocyanin content.",
    "color_intensity": "Colour intensity of the wine.",
    "hue": "Hue of the wine.",
    "od280/od315_of_diluted_wines": "Ratio of absorbances at 280 nm and 315 nm of diluted wine.",
    "proline": "Proline (an amino acid) content in milligrams per litre.",
}


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


def feature(
    name: str, datatype: str, kind: str, description: str, *, shape: list[int] | None = None, **facts: Any
) -> dict[str, Any]:
    """One V2 input entry following the schema convention above."""
    parameters: dict[str, Any] = {}
    if datatype == "BYTES":
        parameters["content_type"] = "str"
    parameters["kind"] = kind
    parameters["description"] = description
    parameters.update({key: value for key, value in facts.items() if value is not None})
    return {"name": name, "datatype": datatype, "shape": shape or [-1], "parameters": parameters}


def classifier_outputs(classes: list[Any], class_names: list[str]) -> list[dict[str, Any]]:
    label_type = "BYTES" if isinstance(classes[0], str) else "INT64"
    return [
        {
            "name": "predict",
            "datatype": label_type,
            "shape": [-1, 1],
            "parameters": {"kind": "label", "class_names": class_names},
        },
        {
            "name": "predict_proba",
            "datatype": "FP64",
            "shape": [-1, len(class_names)],
            "parameters": {"kind": "proba", "class_names": class_names},
        },
    ]


def _round(value: float, digits: int = 2) -> float:
    return float(round(float(value), digits))


def train_wine() -> TrainedModel:
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_wine(as_frame=True)
    x, y = data.data, data.target
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=RANDOM_STATE, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(x_train, y_train)
    inputs = [
        feature(
            column,
            "FP64",
            "number",
            WINE_DESCRIPTIONS[column],
            min=_round(x[column].min()),
            max=_round(x[column].max()),
            default=_round(x[column].median()),
        )
        for column in x.columns
    ]
    classes = [int(c) for c in model.classes_]
    return TrainedModel(
        name="wine",
        estimator=model,
        inputs=inputs,
        outputs=classifier_outputs(classes, [WINE_CLASS_NAMES[c] for c in classes]),
        reference=x_train.head(REFERENCE_ROWS).reset_index(drop=True),
        sample=x.sample(SAMPLE_ROWS, random_state=RANDOM_STATE).reset_index(drop=True),
        metrics={"accuracy": _round(model.score(x_test, y_test), 4)},
    )


def load_tips():
    """Plotly's tips with smoker as a real boolean and the generous/standard label."""
    import plotly.data

    tips = plotly.data.tips()
    tips["smoker"] = tips["smoker"].map({"Yes": True, "No": False}).astype(bool)
    tips["size"] = tips["size"].astype("int64")
    tips["label"] = (tips["tip"] / tips["total_bill"] >= 0.16).map({True: "generous", False: "standard"})
    return tips


def tips_inputs(tips) -> list[dict[str, Any]]:
    return [
        feature(
            "total_bill", "FP64", "number", "Total bill of the table in dollars, tax included.",
            min=0.0, max=100.0, step=0.01, unit="$", default=_round(tips["total_bill"].median()),
        ),
        feature(
            "sex", "BYTES", "category", "Sex of the person who paid the bill.",
            categories=["Female", "Male"], default="Male",
        ),
        feature("smoker", "BOOL", "boolean", "Whether the party sat in the smoking section.", default=False),
        feature(
            "day", "BYTES", "category", "Day of the week of the meal.",
            categories=["Thur", "Fri", "Sat", "Sun"], default="Sat",
        ),
        feature(
            "time", "BYTES", "category", "Whether the meal was lunch or dinner.",
            categories=["Lunch", "Dinner"], default="Dinner",
        ),
        feature("size", "INT64", "integer", "Number of people at the table.", min=1, max=6, step=1, default=2),
    ]


def tips_preprocessor():
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    return ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), ["sex", "day", "time"]),
            ("numbers", "passthrough", ["total_bill", "smoker", "size"]),
        ]
    )


def train_tips() -> TrainedModel:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    tips = load_tips()
    x, y = tips[TIPS_FEATURES], tips["label"]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=RANDOM_STATE, stratify=y
    )
    model = make_pipeline(
        tips_preprocessor(),
        RandomForestClassifier(n_estimators=100, max_depth=4, random_state=RANDOM_STATE),
    )
    model.fit(x_train, y_train)
    classes = [str(c) for c in model.classes_]
    return TrainedModel(
        name="tips",
        estimator=model,
        inputs=tips_inputs(tips),
        outputs=classifier_outputs(classes, classes),
        reference=x_train.head(REFERENCE_ROWS).reset_index(drop=True),
        sample=x.sample(SAMPLE_ROWS, random_state=RANDOM_STATE).reset_index(drop=True),
        metrics={"accuracy": _round(model.score(x_test, y_test), 4)},
    )


def train_tip_amount() -> TrainedModel:
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    tips = load_tips()
    x, y = tips[TIPS_FEATURES], tips["tip"]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=RANDOM_STATE)
    model = make_pipeline(
        tips_preprocessor(),
        GradientBoostingRegressor(n_estimators=100, max_depth=2, learning_rate=0.05, random_state=RANDOM_STATE),
    )
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    return TrainedModel(
        name="tip-amount",
        estimator=model,
        inputs=tips_inputs(tips),
        outputs=[
            {
                "name": "predict",
                "datatype": "FP64",
                "shape": [-1, 1],
                "parameters": {"kind": "value", "unit": "$", "description": "Expected tip in dollars."},
            }
        ],
        reference=x_train.head(REFERENCE_ROWS).reset_index(drop=True),
        sample=x.sample(SAMPLE_ROWS, random_state=RANDOM_STATE).reset_index(drop=True),
        metrics={
            "mae": _round(mean_absolute_error(y_test, predicted), 4),
            "r2": _round(r2_score(y_test, predicted), 4),
        },
    )


def digits_columns() -> list[str]:
    return [f"image_{row}_{col}" for row in range(8) for col in range(8)]


def train_digits() -> TrainedModel:
    import pandas as pd
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from workbench.embedded.served.transformers import Flatten

    data = load_digits()
    images, y = data.images.astype("float32"), data.target
    x_train, x_test, y_train, y_test = train_test_split(
        images, y, test_size=0.25, random_state=RANDOM_STATE, stratify=y
    )
    model = make_pipeline(Flatten(), StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(x_train, y_train)
    classes = [int(c) for c in model.classes_]
    columns = digits_columns()
    reference = pd.DataFrame(x_train[:REFERENCE_ROWS].reshape(-1, 64), columns=columns).astype("int64")
    rows = pd.Series(range(len(images))).sample(SAMPLE_ROWS, random_state=RANDOM_STATE).to_numpy()
    sample = pd.DataFrame(images[rows].reshape(-1, 64), columns=columns).astype("int64")
    image = feature(
        "image", "FP32", "image", "An 8x8 grey-level image of a handwritten digit, one value per pixel.",
        shape=[-1, 8, 8], min=0, max=16, step=1, default=0,
    )
    return TrainedModel(
        name="digits",
        estimator=model,
        inputs=[image],
        outputs=classifier_outputs(classes, [str(c) for c in classes]),
        reference=reference,
        sample=sample,
        metrics={"accuracy": _round(model.score(x_test, y_test), 4)},
    )


TRAINERS = {
    "wine": train_wine,
    "tips": train_tips,
    "tip-amount": train_tip_amount,
    "digits": train_digits,
}


def model_settings(trained: TrainedModel) -> dict[str, Any]:
    return {
        "name": trained.name,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": MODEL_VERSION},
        "inputs": trained.inputs,
        "outputs": trained.outputs,
    }


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)


def write_model(layout: HomeLayout, trained: TrainedModel) -> None:
    import joblib

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
    from importlib.metadata import version  # cheaper than importing scikit-learn

    return {"training_version": TRAINING_VERSION, "sklearn": version("scikit-learn"), "models": list(DEMO_MODELS)}


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
    return files


def is_up_to_date(layout: HomeLayout) -> bool:
    try:
        stamp = json.loads(layout.training_stamp.read_text())
    except (OSError, ValueError):
        return False
    stamp.pop("trained_at", None)
    stamp.pop("seconds", None)
    return stamp == training_stamp() and all(path.exists() for path in expected_files(layout))


def train_all(home: Path | str, *, force: bool = False) -> bool:
    """Train and write every demo model unless already up to date; True when it trained."""
    layout = HomeLayout(Path(home))
    if not force and is_up_to_date(layout):
        return False
    started = time.monotonic()
    layout.training_stamp.unlink(missing_ok=True)
    trained = {name: trainer() for name, trainer in TRAINERS.items()}
    for model in trained.values():
        write_model(layout, model)
    write_seldon_wine(layout, trained["wine"])
    stamp = {**training_stamp(), "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
             "seconds": round(time.monotonic() - started, 2)}
    write_json(layout.training_stamp, stamp)
    return True


def main(argv: list[str] | None = None) -> int:
    from workbench.embedded.layout import default_home

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="embedded MDS home (default: WORKBENCH_HOME or <repo>/.mds)")
    parser.add_argument("--force", action="store_true", help="retrain even when up to date")
    args = parser.parse_args(argv)
    home = args.home or default_home()
    started = time.monotonic()
    trained = train_all(home, force=args.force)
    verb = "trained" if trained else "up to date:"
    print(f"{verb} {', '.join(DEMO_MODELS)} in {home} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
