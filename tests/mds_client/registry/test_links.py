"""How a served model names its registered version, and a signature read into the form's inputs (no server)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mds_client import CatalogError, load_catalog
from mds_client.errors import SchemaError
from mds_client.registry import registry_uri
from mds_client.registry.links import run_id_of
from mds_client.schema import FeatureKind
from mds_client.schema.mlflow_signature import example_frame, from_mlmodel


@pytest.mark.parametrize(("text", "uri"), [
    ("models:/harvest/3", "models:/harvest/3"),
    ("models:/harvest@champion", "models:/harvest@champion"),
    ("harvest@champion", "models:/harvest@champion"),
    ("harvest/3", "models:/harvest/3"),
    ("runs:/0a1b/model", "runs:/0a1b/model"),
    ("mlflow-artifacts:/4/0a1b/artifacts/model", "mlflow-artifacts:/4/0a1b/artifacts/model"),
    ("gs://seldon-models/sklearn/iris", ""),
    ("s3://bucket/harvest/3", ""),
    ("harvest", ""),
    ("harvest/latest", ""),
])
def test_which_uris_name_a_registered_version(text, uri):
    assert registry_uri(text) == uri


@pytest.mark.parametrize(("uri", "run"), [("runs:/0a1b/model", "0a1b"), ("mlflow-artifacts:/4/0a1b/artifacts/model", "0a1b"),
                                          ("mlflow-artifacts:/4/models/m-9/artifacts", ""), ("models:/harvest/3", "")])
def test_the_run_of_a_registered_versions_files(uri, run):
    assert run_id_of(uri) == run


def test_a_catalog_entry_names_its_registered_version_or_is_refused(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("models:\n  - {name: harvest, protocol: v2, url: 'http://127.0.0.1:9', registry: 'harvest@champion'}\n")
    assert load_catalog(path)[0].registry == "models:/harvest@champion"
    path.write_text("models:\n  - {name: harvest, protocol: v2, url: 'http://127.0.0.1:9', registry: 'gs://b/m'}\n")
    with pytest.raises(CatalogError, match=r"registry must name a registered version: NAME/VERSION"):
        load_catalog(path)


def _mlmodel(inputs: list[dict]) -> dict:
    return {"signature": {"inputs": json.dumps(inputs), "outputs": json.dumps([{"type": "string"}])},
            "saved_input_example_info": {"artifact_path": "input_example.json", "type": "dataframe"}}


def test_colspec_columns_become_inputs_of_their_kinds_with_the_examples_defaults():
    example = example_frame(json.dumps({"columns": ["cultivar", "tree_age", "rain_mm", "soil_ph", "organic"],
                                        "data": [["russet", 12, 640.5, None, True]]}).encode())
    schema = from_mlmodel(_mlmodel([
        {"type": "string", "name": "cultivar", "required": True}, {"type": "long", "name": "tree_age"},
        {"type": "double", "name": "rain_mm"}, {"type": "double", "name": "soil_ph", "required": False},
        {"type": "boolean", "name": "organic"}]), example, "version 1 of 'harvest'")
    assert schema.source == "mlflow-signature"
    assert [(f.name, f.kind, f.required, f.default) for f in schema.features] == [
        ("cultivar", FeatureKind.TEXT, True, "russet"), ("tree_age", FeatureKind.INTEGER, True, 12),
        ("rain_mm", FeatureKind.NUMBER, True, 640.5), ("soil_ph", FeatureKind.NUMBER, False, None),
        ("organic", FeatureKind.BOOLEAN, True, True)]


def test_a_plain_matrix_tensor_becomes_one_number_per_column():
    spec = [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]
    example = example_frame(json.dumps({"inputs": [[1.5, 2.0, 0.25]]}).encode())
    schema = from_mlmodel(_mlmodel(spec), example, "v")
    assert [(f.name, f.kind, f.datatype, f.default) for f in schema.features] == [
        ("x0", FeatureKind.NUMBER, "FP32", 1.5), ("x1", FeatureKind.NUMBER, "FP32", 2.0),
        ("x2", FeatureKind.NUMBER, "FP32", 0.25)]


def test_no_signature_is_an_empty_schema_and_a_type_the_form_cannot_send_says_which_input():
    assert from_mlmodel({}, None, "v").is_empty
    with pytest.raises(SchemaError, match="Input 'when' of version 2 of 'harvest' is of MLflow type datetime"):
        from_mlmodel(_mlmodel([{"type": "datetime", "name": "when"}]), None, "version 2 of 'harvest'")
    assert example_frame(b"not json") is None and isinstance(example_frame(b'[{"a": 1}]'), pd.DataFrame)
