"""Code under embedded_mds/served runs inside the server environments: keep it importable there."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from embedded_mds.layout import mlserver_python, seldon_python
from workbench.paths import REPO_ROOT

SERVED = REPO_ROOT / "embedded_mds/served"
ALLOWED = {"numpy", "pandas", "sklearn", "joblib", "mlserver", "seldon_core", "workbench", "flask"}
# Served modules that the embedded MDS starts with the app's own venv (server_specs says which), and what
# that venv adds for them: the Seldon v1 explainer is a Tornado server around an Alibi explainer.
APP_ENV = {"v1_explainer.py": {"alibi", "requests", "tornado"}}
# Modules that run in the environment of a server other than MLServer and seldon-core, and what it adds: the MLflow
# check in .venvs/mlflow, the published MLflow runtime in MLServer's environment with mlserver-mlflow; both share
# mlflow_proba.py (embedded_mds.served, on the path of both). The published scikit-learn runtime runs in MLServer's
# environment with mlserver-sklearn; both published runtimes read each model once through loaded_once.py.
OTHER_ENV = {"mlflow_check.py": {"mlflow", "embedded_mds"},
             "mlflow_runtime.py": {"mlserver_mlflow", "mlflow", "embedded_mds"}, "mlflow_proba.py": {"mlflow"},
             "sklearn_runtime.py": {"mlserver_sklearn", "embedded_mds"},
             # the Triton demo model, run by tritonserver's Python backend stub in .venvs/triton (embedded_mds/triton.py)
             "triton_classifier.py": {"triton_python_backend_utils"}}


def top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(SERVED.glob("*.py")), ids=lambda p: p.name)
def test_served_modules_import_only_what_server_envs_have(path):
    import sys

    foreign = (top_level_imports(path) - ALLOWED - APP_ENV.get(path.name, set()) - OTHER_ENV.get(path.name, set())
               - set(sys.stdlib_module_names) - {"__future__"})
    assert foreign == set()


@pytest.mark.parametrize("init", ["workbench/__init__.py", "embedded_mds/__init__.py"])
def test_package_inits_import_nothing(init):
    assert top_level_imports(REPO_ROOT / init) == set()


@pytest.mark.parametrize(
    ("python", "modules"),
    [
        (mlserver_python, ["embedded_mds.served.transformers", "embedded_mds.served.echo_runtime",
                           "embedded_mds.served.mlflow_runtime", "embedded_mds.served.sklearn_runtime"]),
        (seldon_python, ["embedded_mds.served.seldon_model", "embedded_mds.served.seldon_launcher"]),
    ],
    ids=["mlserver-env", "seldon-env"],
)
def test_served_modules_import_in_their_server_env(python, modules):
    code = "; ".join(f"import {module}" for module in modules)
    done = subprocess.run([str(python()), "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
