"""The model registry as a discovery source, for a model NOT published through the workbench, against real peers.

A data scientist logs and registers a pipeline in MLflow themselves (``registry_models.py`` in .venvs/mlflow: mixed
columns, string class names, an optional column, an input example, metrics, a description, ``@champion``); a real
MLServer serves the registered files with MLServer's own MLflow runtime; a catalog file lists it with a ``registry``
key. The analyst's form then comes from the registry's signature, its defaults from the input example, and the model
card says who registered it, when, its run's metrics and where the schema came from.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mds_client import MDSClient, load_catalog
from mds_client.registry import MlflowRegistry
from mds_client.schema import FeatureKind
from tests.registry_fixture import NAME
from workbench.catalog.registry_link import link_registry, registry_facts
from workbench.catalog.service import offline_schema, schema_origin, schema_table
from workbench.predict.service import typical_values

pytestmark = pytest.mark.server


def catalog(tmp_path: Path, url: str, registry: str, **extra) -> Path:
    path = tmp_path / "catalog.yaml"
    entry = {"name": "harvest", "protocol": "v2", "url": url, "model": "hand-grade", "registry": registry, **extra}
    path.write_text(yaml.safe_dump({"models": [entry]}))
    return path


def test_a_hand_registered_models_form_card_and_answers_come_from_the_registry(registered, served, mlflow_registry,
                                                                                tmp_path):
    out, facts_written = registered
    registry = MlflowRegistry(mlflow_registry.url)
    [ref] = link_registry(load_catalog(catalog(tmp_path, served, f"{NAME}@champion")), lambda: registry)
    facts = ref.registered
    assert (facts.name, facts.version, facts.aliases) == (NAME, facts_written["version"], ("champion",))
    assert facts.registered_by == "ana.registrar" and facts.created is not None
    assert facts.metrics["accuracy"] == pytest.approx(facts_written["accuracy"]) and facts.metrics["log_loss"] == 0.4321
    assert ref.description.startswith("Grades a harvest") and facts.note == ""
    assert ref.version == facts.version and not ref.version_in_path  # said on the card, not sent
    shown = registry_facts(facts)
    assert shown["Registry"] == f"version {facts.version} (@champion) of {NAME}"
    assert shown["Registered"].startswith("by ana.registrar on ") and shown["Registered"].endswith(" UTC")

    client = MDSClient()
    schema = client.schema(ref)
    assert schema.source == "mlflow-signature" and schema_origin(schema) == "the MLflow signature in the model registry"
    kinds = {f.name: (f.kind, f.required) for f in schema.features}
    assert kinds == {"cultivar": (FeatureKind.TEXT, True), "tree_age": (FeatureKind.INTEGER, True),
                     "rain_mm": (FeatureKind.NUMBER, True), "soil_ph": (FeatureKind.NUMBER, False)}
    allowed = schema_table(schema).set_index("feature")["allowed"]
    assert allowed["soil_ph"] == "may be empty" and allowed["rain_mm"] == ""  # on the card and the Publish page
    example = facts_written["example"]
    assert {f.name: f.default for f in schema.features} == pytest.approx(example)
    assert typical_values(schema, None) == pytest.approx(example)  # what Predict's form starts from
    rows = pd.read_csv(out / "rows.csv")
    answered = client.predict(ref, rows, schema).labels
    assert list(answered) == json.loads((out / "expected.json").read_text())
    assert set(answered) <= {"premium", "standard", "cider"} and rows["soil_ph"].isna().sum() == 2
    # the server down: the schema still comes from the registry's signature
    assert offline_schema(ref).source == "mlflow-signature"
    registry.close()


@pytest.mark.parametrize("link", [f"models:/{NAME}/1", f"{NAME}/1", "runs:/{run}/model"])
def test_a_version_named_by_number_or_by_its_runs_files_is_found(registered, mlflow_registry, tmp_path, link):
    _, written = registered
    registry = MlflowRegistry(mlflow_registry.url)
    [ref] = link_registry(load_catalog(catalog(tmp_path, "http://127.0.0.1:9", link.format(run=written["run_id"]))),
                          lambda: registry)
    assert (ref.registered.name, ref.registered.version, ref.registered.note) == (NAME, "1", "")
    assert ref.registered.schema is not None and len(ref.registered.schema.features) == 4
    registry.close()


def test_a_schema_written_in_the_catalog_wins_over_the_registrys(registered, served, mlflow_registry, tmp_path):
    schema_file = tmp_path / "harvest.json"
    schema_file.write_text(json.dumps({"requests": [
        {"name": "cultivar", "type": "CATEGORICAL", "data_type": "STRING",
         "category_map": {"jonagold": "Jonagold", "braeburn": "Braeburn", "russet": "Russet"}},
        {"name": "tree_age", "type": "REAL", "data_type": "INT", "range": [1, 60]},
        {"name": "rain_mm", "type": "REAL", "range": [0, 2000]},
        {"name": "soil_ph", "type": "REAL", "range": [3, 10]}]}))
    registry = MlflowRegistry(mlflow_registry.url)
    [ref] = link_registry(load_catalog(catalog(tmp_path, served, f"{NAME}@champion", schema=str(schema_file))),
                          lambda: registry)
    schema = MDSClient().schema(ref)
    assert schema.source == "prediction-schema" and schema_origin(schema) == "the catalog's schema file"
    assert schema.feature("cultivar").kind == FeatureKind.CATEGORY and schema.feature("tree_age").maximum == 60
    # the registry still fills what the catalog leaves out: the example's values as defaults
    assert schema.feature("cultivar").default == registered[1]["example"]["cultivar"]
    registry.close()


def test_with_the_registry_down_the_model_still_lists_with_a_note(served, tmp_path):
    down = MlflowRegistry("http://127.0.0.1:9")  # nothing listens on the discard port
    [ref] = link_registry(load_catalog(catalog(tmp_path, served, f"{NAME}@champion")), lambda: down)
    assert ref.name == "harvest" and ref.registered.schema is None
    assert ref.registered.note.startswith("the model registry is not answering")
    assert registry_facts(ref.registered) == {}
    schema = MDSClient().schema(ref)  # from the server's metadata, as before
    assert schema.source == "v2-metadata" and {f.name for f in schema.features} >= {"cultivar", "soil_ph"}
    [unconfigured] = link_registry(load_catalog(catalog(tmp_path, served, f"{NAME}/1")), lambda: None)
    assert "no model registry is configured" in unconfigured.registered.note


def test_a_version_the_registry_does_not_have_is_said_so(registered, mlflow_registry, tmp_path):
    registry = MlflowRegistry(mlflow_registry.url)
    [ref] = link_registry(load_catalog(catalog(tmp_path, "http://127.0.0.1:9", f"{NAME}/99")), lambda: registry)
    assert ref.registered.version == "" and "not read from the model registry" in ref.registered.note
    assert np.isfinite(len(ref.registered.note))
    registry.close()
