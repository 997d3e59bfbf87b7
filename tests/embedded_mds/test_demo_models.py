"""Demo model training: files, the schema convention, determinism (no servers needed)."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest

from embedded_mds import demo_models
from embedded_mds.layout import HomeLayout

KINDS = {"number", "integer", "category", "boolean", "text", "image"}
DATATYPES = {"FP64", "FP32", "INT64", "BOOL", "BYTES"}


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> HomeLayout:
    home = tmp_path_factory.mktemp("mds-home")
    assert demo_models.train_all(home) is True
    return HomeLayout(home)


def settings(layout: HomeLayout, name: str) -> dict:
    return json.loads((layout.model_dir(name) / "model-settings.json").read_text())


def test_every_file_is_written(layout):
    missing = [str(path) for path in demo_models.expected_files(layout) if not path.exists()]
    assert missing == []


def test_up_to_date_home_is_not_retrained(layout):
    before = (layout.model_dir("wine") / "model.joblib").stat().st_mtime_ns
    assert demo_models.train_all(layout.home) is False
    assert (layout.model_dir("wine") / "model.joblib").stat().st_mtime_ns == before


@pytest.mark.parametrize("name", demo_models.DEMO_MODELS)
def test_model_settings_follow_the_convention(layout, name):
    body = settings(layout, name)
    assert body["name"] == name
    assert body["implementation"] == "mlserver_sklearn.SKLearnModel"
    numeric = all(entry["parameters"]["kind"] in ("number", "integer") for entry in body["inputs"])
    # an all-numeric model declares it also takes its rows as one numeric tensor (explanations send that)
    assert body["parameters"] == {"uri": "./model.joblib", "version": "1", **({"content_type": "np"} if numeric else {})}
    for entry in body["inputs"]:
        params = entry["parameters"]
        assert entry["datatype"] in DATATYPES
        assert params["kind"] in KINDS
        assert params["description"].endswith(".")
        assert ("content_type" in params) == (entry["datatype"] == "BYTES")
        if params["kind"] == "category":
            assert params["categories"] and params["default"] in params["categories"]
        if "min" in params:
            assert params["min"] <= params["default"] <= params["max"]
    kinds = [output["parameters"]["kind"] for output in body["outputs"]]
    assert kinds in (["label", "proba"], ["value"])


@pytest.mark.parametrize(
    ("name", "classes"),
    [
        ("wine", ["cultivar_1", "cultivar_2", "cultivar_3"]),
        ("tips", ["generous", "standard"]),
        ("digits", [str(d) for d in range(10)]),
    ],
)
def test_classifier_outputs_name_classes_in_model_order(layout, name, classes):
    label, proba = settings(layout, name)["outputs"]
    assert label["parameters"]["class_names"] == classes
    assert proba["parameters"]["class_names"] == classes
    assert proba["shape"] == [-1, len(classes)]
    model = joblib.load(layout.model_dir(name) / "model.joblib")
    assert len(model.classes_) == len(classes)


def test_tips_inputs_are_typed_as_specified(layout):
    inputs = {entry["name"]: entry for entry in settings(layout, "tips")["inputs"]}
    assert {name: entry["datatype"] for name, entry in inputs.items()} == {
        "total_bill": "FP64", "sex": "BYTES", "smoker": "BOOL", "day": "BYTES", "time": "BYTES", "size": "INT64",
    }
    assert inputs["total_bill"]["parameters"]["unit"] == "$"
    assert inputs["day"]["parameters"]["categories"] == ["Thur", "Fri", "Sat", "Sun"]
    assert (inputs["size"]["parameters"]["min"], inputs["size"]["parameters"]["max"]) == (1, 6)
    assert settings(layout, "tip-amount")["outputs"][0]["parameters"] == {
        "kind": "value", "unit": "$", "description": "Expected tip in dollars."}


def test_digits_take_one_image_tensor(layout):
    (image,) = settings(layout, "digits")["inputs"]
    assert (image["name"], image["datatype"], image["shape"]) == ("image", "FP32", [-1, 8, 8])
    assert image["parameters"]["kind"] == "image"


@pytest.mark.parametrize("name", demo_models.DEMO_MODELS)
def test_reference_and_sample_hold_feature_columns_in_schema_order(layout, name):
    reference = pd.read_csv(layout.reference_csv(name))
    sample = pd.read_csv(layout.sample_csv(name))
    names = [entry["name"] for entry in settings(layout, name)["inputs"]]
    expected = demo_models.digits_columns() if name == "digits" else names
    assert list(reference.columns) == expected
    assert list(sample.columns) == expected
    assert 0 < len(reference) <= 500
    assert len(sample) == 50


@pytest.mark.parametrize("name", ["tips", "tip-amount"])
def test_tips_pipelines_score_a_mixed_frame(layout, name):
    model = joblib.load(layout.model_dir(name) / "model.joblib")
    frame = pd.read_csv(layout.sample_csv(name))
    assert frame["smoker"].dtype == bool
    assert len(model.predict(frame)) == 50


def test_digits_pipeline_takes_images_and_flat_rows(layout):
    model = joblib.load(layout.model_dir("digits") / "model.joblib")
    flat = pd.read_csv(layout.sample_csv("digits")).to_numpy(dtype="float32")
    assert (model.predict(flat.reshape(-1, 8, 8)) == model.predict(flat)).all()


def test_cards_carry_computed_metrics(layout):
    for name in (*demo_models.DEMO_MODELS, "wine-v1"):
        card = json.loads(layout.card_json(name).read_text())
        assert {"owner", "intended_use", "limitations", "training_data", "metrics", "description"} <= set(card)
    assert json.loads(layout.card_json("wine").read_text())["metrics"]["accuracy"] > 0.9
    assert json.loads(layout.card_json("tip-amount").read_text())["metrics"]["mae"] < 1.5


def test_seldon_wine_folder_and_prediction_schema(layout):
    metadata = json.loads((layout.seldon_dir("wine-v1") / "metadata.json").read_text())
    assert metadata["class_names"] == ["cultivar_1", "cultivar_2", "cultivar_3"]
    assert metadata["feature_names"][0] == "alcohol" and len(metadata["feature_names"]) == 13
    schema = json.loads(layout.schema_json("wine-v1").read_text())
    assert {(r["type"], r["data_type"]) for r in schema["requests"]} == {("REAL", "FLOAT")}
    assert [r["name"] for r in schema["requests"]] == metadata["feature_names"]
    (response,) = schema["responses"]
    assert response["type"] == "PROBA"
    assert [c["name"] for c in response["schema"]] == metadata["class_names"]


def test_training_is_deterministic(layout, tmp_path: Path):
    demo_models.train_all(tmp_path)
    for name in demo_models.DEMO_MODELS:
        assert layout.card_json(name).read_text() == HomeLayout(tmp_path).card_json(name).read_text()
        assert layout.reference_csv(name).read_text() == HomeLayout(tmp_path).reference_csv(name).read_text()
