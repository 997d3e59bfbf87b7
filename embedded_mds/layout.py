"""Where the embedded MDS keeps its files, and where the server environments live.

``HomeLayout`` names every path under the MDS home so that no other module builds paths by hand.
The home defaults to ``$WORKBENCH_HOME`` or ``<repo>/.mds``; the server pythons default to the
repo's ``.venvs`` and are overridden by ``WORKBENCH_MLSERVER_PYTHON`` / ``WORKBENCH_SELDON_PYTHON``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.paths import REPO_ROOT, default_home

MLSERVER_PYTHON_ENV = "WORKBENCH_MLSERVER_PYTHON"
SELDON_PYTHON_ENV = "WORKBENCH_SELDON_PYTHON"
APP_PYTHON_ENV = "WORKBENCH_APP_PYTHON"


def mlserver_python() -> Path:
    return Path(os.environ.get(MLSERVER_PYTHON_ENV) or REPO_ROOT / ".venvs/mlserver/bin/python")


def seldon_python() -> Path:
    return Path(os.environ.get(SELDON_PYTHON_ENV) or REPO_ROOT / ".venvs/seldon/bin/python")


def app_python() -> Path:
    """The app's own python (the request-log sink runs in it), else the one running now."""
    configured = os.environ.get(APP_PYTHON_ENV)
    if configured:
        return Path(configured)
    venv = REPO_ROOT / ".venvs/app/bin/python"
    return venv if venv.exists() else Path(sys.executable)


def repo_pythonpath(env: Mapping[str, str]) -> str:
    """`env`'s PYTHONPATH with the repo root first: the server envs import `embedded_mds` from it."""
    return os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))


@dataclass(frozen=True)
class HomeLayout:
    """Paths under one embedded MDS home."""

    home: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", Path(self.home).expanduser().resolve())

    # MLServer "core" instance: one folder, settings.json + one sub-folder per model.
    @property
    def models(self) -> Path:
        return self.home / "models"

    def model_dir(self, name: str) -> Path:
        return self.models / name

    # MLServer "alibi" instance (explainer + drift detector), separate so it cannot take the core down.
    @property
    def alibi_models(self) -> Path:
        return self.home / "alibi-models"

    def alibi_model_dir(self, name: str) -> Path:
        return self.alibi_models / name

    @property
    def seldon(self) -> Path:
        return self.home / "seldon"

    def seldon_dir(self, name: str) -> Path:
        return self.seldon / name

    def reference_csv(self, name: str) -> Path:
        return self.home / "reference" / f"{name}.csv"

    def sample_csv(self, name: str) -> Path:
        return self.home / "samples" / f"{name}.csv"

    def schema_json(self, name: str) -> Path:
        return self.home / "schemas" / f"{name}.json"

    def card_json(self, name: str) -> Path:
        return self.home / "cards" / f"{name}.json"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def log(self, server: str) -> Path:
        return self.logs / f"{server}.log"

    # Prometheus (optional): its prometheus.yml and its TSDB.
    @property
    def prometheus_config(self) -> Path:
        return self.home / "prometheus" / "prometheus.yml"

    @property
    def prometheus_data(self) -> Path:
        return self.home / "prometheus" / "data"

    # Alert rules Prometheus loads (``rule_files: [prometheus/rules/*.yml]``), written by the health exporter
    # and by the app when someone changes a model's rules.
    @property
    def prometheus_rules(self) -> Path:
        return self.home / "prometheus" / "rules"

    @property
    def alert_rules(self) -> Path:
        return self.prometheus_rules / "mds-model-health.yml"

    # Alertmanager (optional): its alertmanager.yml, its data (silences, notification log), the webhook's token.
    @property
    def alerting(self) -> Path:
        return self.home / "alerting"

    @property
    def alertmanager_config(self) -> Path:
        return self.alerting / "alertmanager.yml"

    @property
    def alertmanager_data(self) -> Path:
        return self.alerting / "data"

    @property
    def webhook_token(self) -> Path:
        return self.alerting / "webhook-token"

    # MLflow (optional): tracking + Model Registry store (SQLite) and the artifacts it serves.
    @property
    def mlflow_dir(self) -> Path:
        return self.home / "mlflow"

    @property
    def mlflow_db(self) -> Path:
        return self.mlflow_dir / "mlflow.db"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.mlflow_dir / "artifacts"

    # NVIDIA Triton (optional): its model repository (one folder per model) and the Python backend it runs them with.
    @property
    def triton_dir(self) -> Path:
        return self.home / "triton"

    @property
    def triton_models(self) -> Path:
        return self.triton_dir / "models"

    @property
    def state(self) -> Path:
        return self.home / "state.json"

    @property
    def catalog(self) -> Path:
        return self.home / "catalog.yaml"

    @property
    def training_stamp(self) -> Path:
        return self.home / "demo-models.json"

    @property
    def alibi_stamp(self) -> Path:
        return self.home / "alibi-models.json"

    def relative(self, path: Path) -> str:
        """A path relative to the home (and so to catalog.yaml), with forward slashes."""
        return Path(path).resolve().relative_to(self.home).as_posix()


def write_json(path: Path, payload: Any) -> None:
    """Write two-space indented JSON to a sibling ``.tmp`` and rename it: a server or reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)


@dataclass
class Prepared:
    """What ``local_mds.prepare`` made in a home: the models and services each server will load."""

    layout: HomeLayout
    core_models: list[str]
    seldon_services: list[str]
    alibi_models: list[str] = field(default_factory=list)
    alibi_error: str | None = None
    v1_explainers: list[str] = field(default_factory=list)
    v1_explainer_error: str | None = None
    trained: bool = False
    sink: bool = False


def read_state(home: Path | str | None = None) -> dict[str, Any] | None:
    """The ``state.json`` that ``up`` wrote in ``home`` (servers, URLs, pids), or None when there is none."""
    layout = HomeLayout(Path(home) if home else default_home())
    try:
        return json.loads(layout.state.read_text())
    except (OSError, ValueError):
        return None
