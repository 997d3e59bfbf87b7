"""An MLflow 3 logged model names no run: its registered version is found by its source (``models:/m-<id>``), from
that URI or from the location of its files, against the real MLflow server (SQLite, served artifacts)."""

from __future__ import annotations

import json
import subprocess

import pytest

from embedded_mds.mlflow_server import mlflow_python
from embedded_mds.server_specs import server_env
from mds_client.registry import MlflowRegistry, RegistryNotFound
from mds_client.registry.links import linked_version, logged_model_of, read_facts

pytestmark = pytest.mark.server

LOG_SCRIPT = """
import json, sys
import mlflow, pandas as pd

class Grade(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return ["premium" if s > 6.0 else "juice" for s in model_input["score"]]

mlflow.set_tracking_uri(sys.argv[1])
frame = pd.DataFrame({"variety": ["cox", "gala"], "trees": [3, 41], "score": [5.5, 7.25]})
with mlflow.start_run():
    kept = mlflow.pyfunc.log_model(name="grader", python_model=Grade(), input_example=frame)
    loose = mlflow.pyfunc.log_model(name="draft", python_model=Grade())
version = mlflow.register_model(kept.model_uri, "logged-grader")
print(json.dumps({"uri": kept.model_uri, "id": kept.model_id, "version": version.version, "source": version.source,
                  "files": mlflow.get_logged_model(kept.model_id).artifact_location, "loose": loose.model_uri,
                  "loose_files": mlflow.get_logged_model(loose.model_id).artifact_location}))
"""


@pytest.fixture(scope="module")
def logged(mlflow_registry) -> dict:
    if not mlflow_python().exists():
        pytest.skip("MLflow's environment is missing: make setup")
    done = subprocess.run([str(mlflow_python()), "-c", LOG_SCRIPT, mlflow_registry.url], capture_output=True,
                          text=True, timeout=300, env=server_env(), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def registry(mlflow_registry):
    client = MlflowRegistry(mlflow_registry.url)
    yield client
    client.close()


def test_a_logged_models_uri_and_its_files_location_both_find_its_registered_version(logged, registry):
    assert logged["uri"] == logged["source"] == f"models:/{logged['id']}"  # what MLflow 3 registers
    assert logged["files"].startswith("mlflow-artifacts:/") and f"/models/{logged['id']}/" in logged["files"]
    for uri in (logged["uri"], logged["files"]):
        assert logged_model_of(uri) == logged["id"]
        version = linked_version(registry, uri)
        assert (version.name, version.version) == ("logged-grader", str(logged["version"]))
    facts = read_facts(registry, logged["files"])
    assert (facts.name, facts.version, facts.note) == ("logged-grader", str(logged["version"]), "")
    assert [(f.name, f.default) for f in facts.schema.features] == [("variety", "cox"), ("trees", 3),
                                                                   ("score", 5.5)]


def test_a_logged_model_never_registered_is_named_not_guessed(logged, registry):
    loose_id = logged_model_of(logged["loose"])
    for uri in (logged["loose"], logged["loose_files"]):
        with pytest.raises(RegistryNotFound, match=f"No registered version was made from the logged model {loose_id}"):
            linked_version(registry, uri)
    assert "not read from the model registry" in read_facts(registry, logged["loose"]).note


@pytest.mark.parametrize(("uri", "model_id"), [
    ("models:/m-0a1b2c", "m-0a1b2c"), ("mlflow-artifacts:/4/models/m-0a1b2c/artifacts", "m-0a1b2c"),
    ("mlflow-artifacts:/4/models/m-0a1b2c/artifacts/MLmodel", "m-0a1b2c"), ("models:/harvest/3", ""),
    ("models:/m-harvest/3", ""), ("mlflow-artifacts:/4/0a1b/artifacts/model", ""), ("runs:/m-0a1b/model", "")])
def test_which_uris_name_a_logged_model(uri, model_id):
    assert logged_model_of(uri) == model_id
