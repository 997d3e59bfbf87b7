"""MLflow for the embedded MDS: a tracking server with the Model Registry, as one optional server.

`mlflow_spec` runs ``python -m mlflow server`` from its own venv (``.venvs/mlflow``, made by
``make .venvs/mlflow/.ok`` from requirements-mlflow.txt; MLflow's pins fight the app's) on
127.0.0.1 with its store in ``<home>/mlflow/mlflow.db`` (SQLite) and the artifacts it serves
(``--serve-artifacts``: runs get ``mlflow-artifacts:/<exp>/<run>/artifacts``) in
``<home>/mlflow/artifacts``. It is optional like Prometheus: a missing venv or a taken port is
recorded in ``LocalMDS.failures`` and the models keep running; it is not a model, so the catalog
does not list it. ``LocalMDS.url("mlflow")`` is its URL.

Measured with MLflow 3.17.2 on 2 cores: ``/health`` answers ``OK`` 7-14 s after the start.
``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false`` (see `server_specs.server_env`) keeps it to 2
processes and about 435 MB instead of 10 and 1.7 GB; the REST API is the same. Its security
middleware wants ``Host`` 127.0.0.1 or localhost and ``Content-Type: application/json`` on POSTs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from embedded_mds.errors import EmbeddedMDSError, ServerEnvironmentError
from embedded_mds.server_specs import ServerSpec
from workbench.paths import REPO_ROOT

if TYPE_CHECKING:
    from embedded_mds.layout import HomeLayout
    from embedded_mds.ports import LocalPorts

MLFLOW = "mlflow"
MLFLOW_PYTHON_ENV = "WORKBENCH_MLFLOW_PYTHON"
READY_PATH = "/health"
# One uvicorn worker: a local registry serves one user, and every worker is one more process of MLflow.
WORKERS = 1


def mlflow_python() -> Path:
    return Path(os.environ.get(MLFLOW_PYTHON_ENV) or REPO_ROOT / ".venvs/mlflow/bin/python")


def mlflow_argv(python: Path, store: Path, artifacts: Path, host: str, port: int) -> list[str]:
    # `python -m mlflow`, not the venv's `mlflow` script: only a python path may be configured.
    return [str(python), "-m", "mlflow", "server",
            "--backend-store-uri", f"sqlite:///{store}",
            "--artifacts-destination", str(artifacts), "--serve-artifacts",
            "--host", host, "--port", str(port), "--workers", str(WORKERS)]


def mlflow_spec(layout: HomeLayout, ports: LocalPorts, *, python: Path | None = None) -> ServerSpec:
    """The optional MLflow server of `layout`'s home; ServerEnvironmentError when its python is missing."""
    python = python or mlflow_python()
    if not python.exists():
        raise ServerEnvironmentError(
            MLFLOW, python, f"Create that environment with `make .venvs/mlflow/.ok` (requirements-mlflow.txt) "
            f"or set {MLFLOW_PYTHON_ENV}. The models run without it.")
    layout.mlflow_artifacts.mkdir(parents=True, exist_ok=True)  # SQLite does not make the store's folder
    return ServerSpec(
        name=MLFLOW, kind="mlflow",
        argv=mlflow_argv(python, layout.mlflow_db, layout.mlflow_artifacts, ports.host, ports.mlflow_http),
        host=ports.host, ports={"http": ports.mlflow_http}, ready_paths=[READY_PATH], models=[], core=False,
        wait=False,
    )


def mlflow_specs(layout: HomeLayout, ports: LocalPorts, failures: dict[str, str], *,
                 python: Path | None = None) -> list[ServerSpec]:
    """[the MLflow spec], or [] with the reason in `failures` (what ``up`` records and ``status`` shows)."""
    try:
        return [mlflow_spec(layout, ports, python=python)]
    except EmbeddedMDSError as error:
        failures[MLFLOW] = str(error)
        return []
