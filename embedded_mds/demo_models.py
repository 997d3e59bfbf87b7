"""Train the embedded MDS demo models and write them as MLServer / Seldon model folders.

Run in the app environment: ``python -m embedded_mds.demo_models --home DIR``.
Everything is deterministic (fixed ``random_state``) and trains in a few seconds from data that
ships with installed packages (scikit-learn's wine and digits, Plotly's tips).
The files written for each model are described in ``demo_artifacts``; the cards in ``model_cards``.
The feature schema follows the convention described in ``model_schema``.

Digits convention: the V2 input is one tensor ``image`` (FP32, ``[-1, 8, 8]``, 0..16); the
reference and sample CSVs flatten it row-major into 64 columns ``image_<row>_<col>`` (the tensor input name, then the index: what mds_client.ModelSchema.tensor_columns expects)
(``image_0_0`` .. ``image_7_7``). The pipeline's first step (``served.transformers.Flatten``)
accepts both (n, 8, 8) and (n, 64).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.data

# Callers import these from here, as before the artefact writers and the cards moved out.
from embedded_mds.demo_artifacts import (
    DEMO_MODELS,
    TrainedModel,
    is_up_to_date,
    training_stamp,
    write_model,
    write_seldon_wine,
    write_training_stamp,
)
from embedded_mds.demo_artifacts import SELDON_DEMO_MODELS as SELDON_DEMO_MODELS
from embedded_mds.demo_artifacts import expected_files as expected_files
from embedded_mds.layout import HomeLayout
from embedded_mds.model_cards import MODEL_CARDS as MODEL_CARDS
from embedded_mds.model_schema import classifier_outputs, feature
from embedded_mds.triton_demo import write_triton_demo
from workbench.paths import default_home

RANDOM_STATE = 0
REFERENCE_ROWS = 500
SAMPLE_ROWS = 50

WINE_CLASS_NAMES = ["cultivar_1", "cultivar_2", "cultivar_3"]
TIPS_FEATURES = ["total_bill", "sex", "smoker", "day", "time", "size"]

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


# The units the UCI wine data gives (Forina et al.); the other measures are ratios or indices without one.
WINE_UNITS = {"alcohol": "% vol", "malic_acid": "g/L", "ash": "g/L", "magnesium": "mg/L", "proline": "mg/L"}


def _round(value: float, digits: int = 2) -> float:
    return float(round(float(value), digits))


def classifier_metrics(model, x_test, y_test) -> dict[str, float]:
    """Accuracy on the held-out rows, and the accuracy the model's confidence gives there (the mean of its top
    class probability): the reference the health exporter compares each window's estimate with, like for like."""
    return {"accuracy": _round(model.score(x_test, y_test), 4),
            "mean_confidence": _round(model.predict_proba(x_test).max(axis=1).mean(), 4)}


def _rows(x, x_train) -> dict[str, Any]:
    """The reference and sample frames of a TrainedModel: training rows first, a fixed random sample."""
    return {
        "reference": x_train.head(REFERENCE_ROWS).reset_index(drop=True),
        "sample": x.sample(SAMPLE_ROWS, random_state=RANDOM_STATE).reset_index(drop=True),
    }


def train_wine() -> TrainedModel:
    # sklearn costs ~1 s of imports: only training pays for it.
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
            bounds="observed",  # the range of the training data, not a limit: outside it is a warning
            default=_round(x[column].median()),
            unit=WINE_UNITS.get(column),
        )
        for column in x.columns
    ]
    classes = [int(c) for c in model.classes_]
    return TrainedModel(
        name="wine",
        estimator=model,
        inputs=inputs,
        outputs=classifier_outputs(classes, [WINE_CLASS_NAMES[c] for c in classes]),
        **_rows(x, x_train),
        metrics=classifier_metrics(model, x_test, y_test),
    )


def load_tips():
    """Plotly's tips with smoker as a real boolean and the generous/standard label."""
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
    # sklearn costs ~1 s of imports: only training pays for it.
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    return ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), ["sex", "day", "time"]),
            ("numbers", "passthrough", ["total_bill", "smoker", "size"]),
        ]
    )


def train_tips() -> TrainedModel:
    # sklearn costs ~1 s of imports: only training pays for it.
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
        **_rows(x, x_train),
        metrics=classifier_metrics(model, x_test, y_test),
    )


def train_tip_amount() -> TrainedModel:
    # sklearn costs ~1 s of imports: only training pays for it.
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
        **_rows(x, x_train),
        metrics={
            "mae": _round(mean_absolute_error(y_test, predicted), 4),
            "r2": _round(r2_score(y_test, predicted), 4),
        },
    )


def digits_columns() -> list[str]:
    return [f"image_{row}_{col}" for row in range(8) for col in range(8)]


def train_digits() -> TrainedModel:
    # sklearn costs ~1 s of imports: only training pays for it.
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from embedded_mds.served.transformers import Flatten  # a scikit-learn transformer: sklearn at import

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
        "image", "FP32", "image", "An 8x8 greyscale image of a handwritten digit, one value per pixel.",
        shape=[-1, 8, 8], min=0, max=16, step=1, default=0,
    )
    return TrainedModel(
        name="digits",
        estimator=model,
        inputs=[image],
        outputs=classifier_outputs(classes, [str(c) for c in classes]),
        reference=reference,
        sample=sample,
        metrics=classifier_metrics(model, x_test, y_test),
    )


TRAINERS = {
    "wine": train_wine,
    "tips": train_tips,
    "tip-amount": train_tip_amount,
    "digits": train_digits,
}

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
    write_triton_demo(layout)  # served by Triton, not MLServer: its own folder (embedded_mds/triton_demo.py)
    stamp = {**training_stamp(), "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
             "seconds": round(time.monotonic() - started, 2)}
    write_training_stamp(layout, stamp)
    return True


def main(argv: list[str] | None = None) -> int:
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
