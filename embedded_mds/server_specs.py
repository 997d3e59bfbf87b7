"""What to start: one `ServerSpec` per server process, with its command line, ports and readiness.

`build_specs` turns a prepared home into the list `startup` runs: the core MLServer, one seldon
microservice per service (ports ``LocalPorts.seldon(i)``) and, when it was prepared, the alibi
MLServer. `server_env` is the environment every server runs with (Prometheus and MLflow, the other
optional servers, have their own modules).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedded_mds.alibi_models import CALLS_CORE
from embedded_mds.layout import Prepared, app_python, mlserver_python, repo_pythonpath, seldon_python
from embedded_mds.ports import LocalPorts

MLSERVER = "mlserver"
ALIBI = "alibi"
V1_EXPLAINER_KIND = "explainer"
SINK = "sink"
SELDON_SKLEARN_CLASS = "embedded_mds.served.seldon_model.SklearnModel"
SELDON_ECHO_CLASS = "embedded_mds.served.seldon_model.Echo"
# scikit-learn warns on every 2-D tensor request to a pipeline fitted on a DataFrame; harmless.
SERVER_PYTHONWARNINGS = "ignore::UserWarning:sklearn.utils.validation"
# Read by the MLflow server only (embedded_mds/mlflow_server.py); set for every server because they share
# one environment. Without job execution MLflow starts 2 processes (~435 MB) instead of 10 (~1.7 GB), and
# a local demo has no reason to send MLflow telemetry.
MLFLOW_SERVER_ENV = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "MLFLOW_DISABLE_TELEMETRY": "true"}
MODEL_REPOSITORY: str | None = "embedded_mds.served.model_repository.CachedModelRepository"
"""MLServer's model repository: ours parses each model-settings.json once, not on every load of every model (a
publish loads one); None is MLServer's own (bench/publish_first_answer.py compares the two)."""


@dataclass
class ServerSpec:
    """One server process to start."""

    name: str
    kind: str  # mlserver | seldon | explainer | sink | prometheus | mlflow | triton ...
    argv: list[str]
    host: str
    ports: dict[str, int]
    ready_paths: list[str]
    models: list[str]
    core: bool = True
    # Models loaded through the repository API: `load_early` as soon as the server is live (their
    # imports then overlap the core's start-up), `load_after_core` once the core is ready (they
    # call a core model while loading).
    load_early: list[str] = field(default_factory=list)
    load_after_core: list[str] = field(default_factory=list)
    # False: started and recorded, but `up` does not wait for it to be ready (a slow optional server whose
    # users wait for it themselves: the MLflow registry, ~20 s to start on this machine, is waited for by
    # publishing and by the demo models' registration, so the models answer without waiting for it).
    wait: bool = True
    # The whole environment of this server when it is not `server_env()` (Triton's: see embedded_mds/triton.py).
    env: dict[str, str] | None = None
    # A regular expression for the log lines that say why it failed, put in its failure's first line (Triton's log tail
    # is its tables of models and options; why a model did not load is further up).
    failure_pattern: str | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.ports['http']}"


def mlserver_settings(host: str, http: int, grpc: int, metrics: int, *, load_at_startup: bool = True) -> dict[str, Any]:
    return {
        "host": host,
        "http_port": http,
        "grpc_port": grpc,
        "metrics_port": metrics,
        "parallel_workers": 0,
        "load_models_at_startup": load_at_startup,
        **({"model_repository_implementation": MODEL_REPOSITORY} if MODEL_REPOSITORY else {}),
    }


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = repo_pythonpath(env)
    env.setdefault("PYTHONWARNINGS", SERVER_PYTHONWARNINGS)
    for key, value in MLFLOW_SERVER_ENV.items():
        env.setdefault(key, value)
    env["PYTHONUNBUFFERED"] = "1"
    for key in ("VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(key, None)
    return env


def mlserver_argv(python: Path, models_dir: Path) -> list[str]:
    # The venv's `mlserver` script may be missing when only a python path is configured.
    return [str(python), "-c", "import sys; from mlserver.cli import main; sys.exit(main())",
            "start", str(models_dir)]


def build_specs(prepared: Prepared, ports: LocalPorts) -> list[ServerSpec]:
    layout = prepared.layout
    mls_python, sel_python = mlserver_python(), seldon_python()
    specs = [
        ServerSpec(
            name=MLSERVER, kind="mlserver", argv=mlserver_argv(mls_python, layout.models), host=ports.host,
            ports={"http": ports.mlserver_http, "grpc": ports.mlserver_grpc, "metrics": ports.mlserver_metrics},
            ready_paths=["/v2/health/ready"] + [f"/v2/models/{m}/ready" for m in prepared.core_models],
            models=prepared.core_models,
        )
    ]
    for index, service in enumerate(prepared.seldon_services):
        http, metrics = ports.seldon(index)
        user_class = SELDON_ECHO_CLASS if service == "echo-v1" else SELDON_SKLEARN_CLASS
        specs.append(ServerSpec(
            name=service, kind="seldon",
            argv=[str(sel_python), "-m", "embedded_mds.served.seldon_launcher", "--name", service,
                  "--model-dir", str(layout.seldon_dir(service)), "--class", user_class,
                  "--host", ports.host, "--http-port", str(http), "--metrics-port", str(metrics)],
            host=ports.host, ports={"http": http, "metrics": metrics},
            ready_paths=["/health/ping"], models=[service],
        ))
    if prepared.alibi_models and not prepared.alibi_error:
        specs.append(ServerSpec(
            name=ALIBI, kind="mlserver", argv=mlserver_argv(mls_python, layout.alibi_models), host=ports.host,
            ports={"http": ports.alibi_http, "grpc": ports.alibi_grpc, "metrics": ports.alibi_metrics},
            ready_paths=["/v2/health/live"], models=prepared.alibi_models, core=False,
            load_early=[m for m in prepared.alibi_models if m not in CALLS_CORE],
            load_after_core=[m for m in prepared.alibi_models if m in CALLS_CORE],
        ))
    for name in prepared.v1_explainers:
        specs.append(v1_explainer_spec(prepared, ports, name))
    if prepared.sink:
        specs.append(sink_spec(prepared, ports))
    return specs


def v1_explainer_spec(prepared: Prepared, ports: LocalPorts, name: str) -> ServerSpec:
    """The Seldon v1 explainer (``served.v1_explainer``, app venv: Tornado and alibi), optional.

    Ready once it has loaded its explainer, which needs the v1 model to answer.
    """
    config = prepared.layout.seldon_dir(name) / "explainer.json"
    return ServerSpec(
        name=name, kind=V1_EXPLAINER_KIND, host=ports.host, ports={"http": ports.v1_explainer_http},
        ready_paths=["/health/ready"], models=[name], core=False,
        argv=[str(app_python()), "-m", "embedded_mds.served.v1_explainer", "--config", str(config),
              "--host", ports.host, "--port", str(ports.v1_explainer_http)],
    )


def sink_spec(prepared: Prepared, ports: LocalPorts) -> ServerSpec:
    """The request-log sink (``python -m logsink``, app venv), optional: the MDS works without it."""
    return ServerSpec(
        name=SINK, kind="sink", host=ports.host, ports={"http": ports.sink_http}, ready_paths=["/health"],
        models=[], core=False,
        argv=[str(app_python()), "-m", "logsink", "--host", ports.host, "--port", str(ports.sink_http),
              "--catalog", str(prepared.layout.catalog)],
    )
