"""A model someone registered in MLflow by hand, not through the workbench (the session fixtures ``registered`` and
``served``): ``registry_models.py`` in .venvs/mlflow logs and registers a pipeline as ``harvest-grade@champion``, and
the publish tests' MLServer serves the registered files with MLServer's own MLflow runtime (no workbench code).

Session fixtures, so that the catalog tests and the browser test of its card share one registration a worker (a
module fixture imported into a second module registered a second version and copied the files again)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from embedded_mds.mlflow_server import mlflow_python
from embedded_mds.server_specs import server_env
from tests.mlflow_fixture import require_mlflow
from tests.publish_fixture import PublishServer

SCRIPT = Path(__file__).parent / "workbench" / "catalog" / "registry_models.py"
NAME = "harvest-grade"


@pytest.fixture(scope="session")
def registered(mlflow_registry, tmp_path_factory) -> tuple[Path, dict]:
    """The hand-registered model: its files, the test rows, MLflow's own answers and what was registered."""
    require_mlflow()
    out = tmp_path_factory.mktemp("hand-registered")
    done = subprocess.run([str(mlflow_python()), str(SCRIPT), mlflow_registry.url, NAME, str(out)],
                          capture_output=True, text=True, timeout=300, env=server_env(), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, json.loads((out / "registered.json").read_text())


@pytest.fixture(scope="session")
def served(registered, publish_server: PublishServer) -> str:
    """The registered files served by a real MLServer with MLServer's own MLflow runtime (no workbench code)."""
    out, _ = registered
    folder = publish_server.home / "models" / "hand-grade"
    shutil.copytree(out / "served", folder / "model")
    (folder / "model-settings.json").write_text(json.dumps({
        "name": "hand-grade", "implementation": "mlserver_mlflow.MLflowRuntime",
        "parameters": {"uri": str(folder / "model")}}))
    answer = requests.post(f"{publish_server.url}/v2/repository/models/hand-grade/load", timeout=120)
    assert answer.status_code == 200, answer.text
    return publish_server.url
