"""Bring the embedded local MDS up and down: MLServer (V2) plus Seldon Core v1 microservices.

    prepare(home)        train demo models if needed, write MLServer settings, validate folders
    up(home, ports)      start every server, wait until ready, write state.json and catalog.yaml
    down(home)           stop every server recorded in state.json (SIGTERM, then SIGKILL)
    status(home)         [(server, url, pid, alive, ready), ...]
    failed(home)         {server: why it is not running} of the optional servers that did not start

Servers (default ports; ``LocalPorts`` changes them):
- ``mlserver``: MLServer 1.7 on 9500 (gRPC 9501, metrics 9502) with wine, tips, tip-amount, digits
  (+ ``echo`` with ``include_test_models``);
- ``wine-v1``: Seldon Core v1 microservice on 9510 (metrics 9511); ``echo-v1`` (test only) on
  9512/9513; the i-th seldon service uses ``seldon_http + 2*i`` / ``seldon_metrics + 2*i``;
- ``alibi``: a second MLServer on 9520/9521/9522 with ``wine-explainer`` (alibi-explain
  AnchorTabular, black box over the wine model) and ``wine-drift`` (alibi-detect TabularDrift).
  It is optional: if it cannot be prepared or started, ``up`` keeps the core running, records why
  in ``LocalMDS.failures`` / state.json ``failed`` and leaves ``explainer``/``drift`` out of the
  catalog. A taken alibi port is such a failure too, not an exception.
- ``wine-v1-explainer``: a Seldon v1 explainer (``served.v1_explainer``: AnchorTabular at
  ``/api/v1.0/explain``, black box over ``wine-v1``) on 9523; optional like ``alibi``, and
  prepared and started with it (``alibi=False`` leaves both out).
- ``sink``: the request-log sink on 9530 (``up(sink=True)``), optional.
- ``prometheus``: Debian's ``/usr/bin/prometheus`` on 9540 scraping every server's metrics port
  (``embedded_mds.prometheus``); optional in the same way (``up(prometheus=False)`` skips it).
- ``health`` (9531) and ``alertmanager`` (9541), with Prometheus: the workbench's model-health exporter and
  webhook receiver, and Debian's Alertmanager routing alerts to it (``embedded_mds.alerting``); optional
  (``up(alertmanager=False)`` skips Alertmanager).
- ``<name>@<version>``: a published Seldon template's version, a Seldon v1 microservice of its own
  (``embedded_mds.template_servers``), optional like ``alibi``; ``mds publish`` starts one while the MDS runs.
- ``mlflow``: an MLflow tracking server with the Model Registry on 9550 (``embedded_mds.mlflow_server``,
  its own venv ``.venvs/mlflow``; store and artifacts under ``<home>/mlflow``); optional in the same way
  (``up(mlflow=False)`` skips it; without the venv ``LocalMDS.failures`` and ``failed(home)`` say
  how to make it). It is not a model: the catalog does not list it; ``LocalMDS.url("mlflow")`` is
  its URL. It is ready 7-14 s after the start, so ``up`` takes that long when it runs.
- ``triton``: NVIDIA Triton (the tritonserver of ``.venvs/triton``) on 9560 (gRPC 9561, metrics 9562) serving the
  Triton demo model (``iris``, Python backend) from ``<home>/triton/models`` (``embedded_mds.triton``); optional
  like MLflow (``up(triton=False)`` skips it; without the venv ``failures`` says how to make it). Ready in about 1.5 s.

Each server runs in its own process group with its log in ``<home>/logs/<server>.log``; server
environments come from ``layout.mlserver_python()`` / ``layout.seldon_python()`` and get
``PYTHONPATH=<repo root>`` so that ``embedded_mds.served`` imports there.

Start-up order: every server starts at once. The core (MLServer + seldon services) must become
ready within `timeout`, else everything started is stopped and `ServerStartError` raised. The
alibi MLServer starts with ``load_models_at_startup: false``; ``wine-drift`` is loaded through
``POST /v2/repository/models/<m>/load`` as soon as that server is live (so its 3-5 s of imports
overlap the core's start), ``wine-explainer`` once the core is ready (AnchorTabular calls the
wine model while loading). Measured on 2 cores (idle): core ready in 2-3.5 s, all with alibi in
about 6 s; first start adds training (1.5 s) and the alibi build (about 4 s). `down` stops all
groups in parallel (about 3 s: MLServer and gunicorn shut down gracefully).

state.json::

    {"version": 1, "home": "/abs/home", "started": "2026-11-26T21:50:00+0000",
     "include_test_models": false, "ready_seconds": 6.1,
     "servers": [{"name": "mlserver", "kind": "mlserver", "pid": 123, "pgid": 123,
                  "url": "http://127.0.0.1:9500", "ports": {"http": 9500, "grpc": 9501, "metrics": 9502},
                  "models": ["digits", "tip-amount", "tips", "wine"],
                  "ready_paths": ["/v2/health/ready", "/v2/models/digits/ready", ...],
                  "log": "logs/mlserver.log", "core": true, "ready_seconds": 2.4},
                 {"name": "wine-v1", "kind": "seldon", "ports": {"http": 9510, "metrics": 9511},
                  "ready_paths": ["/health/ping"], ...},
                 {"name": "alibi", "kind": "mlserver", "core": false, ...}],
     "failed": {"alibi": "why it is not running"}}

`down` and `status` only touch a recorded PID whose command line still names this home (PIDs
get reused), or whose process group still has members.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from embedded_mds import processes, template_servers
from embedded_mds.alerting import alerting_specs
from embedded_mds.catalog_writer import catalog_entries, write_catalog
from embedded_mds.errors import AlreadyRunningError
from embedded_mds.layout import HomeLayout, Prepared, read_state, write_json
from embedded_mds.mlflow_server import mlflow_specs
from embedded_mds.model_folders import (
    validate_mlserver_folder,
    validate_seldon_folder,
    write_test_models,
)
from embedded_mds.ports import LocalPorts
from embedded_mds.prometheus import prometheus_spec
from embedded_mds.server_specs import (
    ALIBI,
    build_specs,
    mlserver_settings,
)
from embedded_mds.startup import RunningServer, start_all, startable
from embedded_mds.triton import triton_specs
from workbench.paths import default_home

DEFAULT_TIMEOUT = 90.0
STATE_VERSION = 1


class ServerStatus(NamedTuple):
    server: str
    url: str
    pid: int
    alive: bool
    ready: bool


@dataclass
class LocalMDS:
    """A running embedded MDS (what `up` returns)."""

    home: Path
    servers: list[dict[str, Any]]
    catalog_path: Path
    state_path: Path
    started: str
    ready_seconds: float
    failures: dict[str, str] = field(default_factory=dict)

    def url(self, server: str) -> str:
        """The base URL of a running server (``"mlserver"``, ``"wine-v1"``, ``"mlflow"``...)."""
        return next(s["url"] for s in self.servers if s["name"] == server)

    def status(self) -> list[ServerStatus]:
        return status(self.home)

    def down(self) -> None:
        down(self.home)

    def __enter__(self) -> LocalMDS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()


def _layout(home: Path | str | None) -> HomeLayout:
    return HomeLayout(Path(home) if home else default_home())


# -- prepare -----------------------------------------------------------------------------------


def prepare(
    home: Path | str | None = None,
    *,
    include_test_models: bool = False,
    ports: LocalPorts | None = None,
    alibi: bool = True,
    force: bool = False,
) -> Prepared:
    """Train what is missing, write server settings and validate every folder; start nothing."""
    # The trainers load plotly's data and joblib (~0.4 s): `status` and `down` do not train.
    from embedded_mds import demo_models

    layout = _layout(home)
    ports = ports or LocalPorts()
    layout.home.mkdir(parents=True, exist_ok=True)
    trained = demo_models.train_all(layout.home, force=force)
    write_test_models(layout, include_test_models)
    write_json(layout.models / "settings.json", mlserver_settings(
        ports.host, ports.mlserver_http, ports.mlserver_grpc, ports.mlserver_metrics))
    core_models = validate_mlserver_folder(layout.models)
    services = list(demo_models.SELDON_DEMO_MODELS) + (["echo-v1"] if include_test_models else [])
    for service in services:
        validate_seldon_folder(layout.seldon_dir(service), needs_model=service != "echo-v1")
    prepared = Prepared(layout, core_models, services, trained=trained)
    if alibi:
        try:
            from embedded_mds import alibi_models

            alibi_models.prepare_alibi(layout, ports, wine_infer_url=(
                f"http://{ports.host}:{ports.mlserver_http}/v2/models/wine/infer"))
            # Started with the core but loads its models later (see up()), so its import time overlaps.
            write_json(layout.alibi_models / "settings.json", mlserver_settings(
                ports.host, ports.alibi_http, ports.alibi_grpc, ports.alibi_metrics, load_at_startup=False))
            prepared.alibi_models = validate_mlserver_folder(layout.alibi_models)
        except Exception as error:  # optional server: never blocks the core
            prepared.alibi_error = f"{type(error).__name__}: {error}"
        try:
            from embedded_mds.seldon_explainer import prepare_v1_explainer

            http, _ = ports.seldon(services.index("wine-v1"))
            prepared.v1_explainers = prepare_v1_explainer(
                layout, f"http://{ports.host}:{http}/api/v1.0/predictions")
        except Exception as error:  # optional, like alibi
            prepared.v1_explainer_error = f"{type(error).__name__}: {error}"
    return prepared


# -- up ----------------------------------------------------------------------------------------


def up(
    home: Path | str | None = None,
    ports: LocalPorts | None = None,
    *,
    include_test_models: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    alibi: bool = True,
    sink: bool = False,
    prometheus: bool = True,
    mlflow: bool = True,
    alertmanager: bool = True,
    triton: bool = True,
) -> LocalMDS:
    """Start every server, wait until all are ready, write state.json and catalog.yaml."""
    layout = _layout(home)
    ports = ports or LocalPorts()
    alive = [s["name"] for s in _recorded_servers(layout) if _ours(layout, s)]
    if alive:
        raise AlreadyRunningError(layout.home, alive)
    layout.state.unlink(missing_ok=True)

    started_at = time.monotonic()
    prepared = prepare(layout.home, include_test_models=include_test_models, ports=ports, alibi=alibi)
    prepared.sink = sink
    failures: dict[str, str] = {}
    if alibi and prepared.alibi_error:
        failures[ALIBI] = prepared.alibi_error
    if alibi and prepared.v1_explainer_error:
        failures["wine-v1-explainer"] = prepared.v1_explainer_error
    specs = build_specs(prepared, ports)
    # published Seldon templates, a microservice per version (optional servers: see embedded_mds/template_servers.py)
    specs += template_servers.specs(layout, ports.host, {port for spec in specs for port in spec.ports.values()})
    if mlflow:  # optional: a missing venv goes to `failures` (see embedded_mds/mlflow_server.py)
        specs += mlflow_specs(layout, ports, failures)
    if triton:  # optional: the Triton demo model; a missing venv goes to `failures` (see embedded_mds/triton.py)
        specs += triton_specs(layout, ports, failures)
    if prometheus:  # optional, like alibi: scrapes every server above (see embedded/prometheus.py)
        specs += alerting_specs(layout, ports, failures, alertmanager=alertmanager)  # health exporter, Alertmanager
        specs.append(prometheus_spec(layout, ports, specs))
    specs = startable(specs, failures)
    running = start_all(layout, specs, timeout, failures)

    ready_seconds = round(time.monotonic() - started_at, 2)
    servers = [_record(layout, r) for r in running]
    state = {
        "version": STATE_VERSION,
        "home": str(layout.home),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "include_test_models": include_test_models,
        "ready_seconds": ready_seconds,
        "servers": servers,
        "failed": failures,
    }
    write_json(layout.state, state)
    write_catalog(layout.catalog, catalog_entries(layout, servers, include_test_models))
    return LocalMDS(layout.home, servers, layout.catalog, layout.state, state["started"], ready_seconds, failures)


def _record(layout: HomeLayout, server: RunningServer) -> dict[str, Any]:
    spec = server.spec
    return {
        "name": spec.name,
        "kind": spec.kind,
        "pid": server.process.pid,
        "pgid": server.process.pid,
        "url": spec.url,
        "ports": spec.ports,
        "models": spec.models,
        "ready_paths": spec.ready_paths + [f"/v2/models/{m}/ready" for m in spec.load_early + spec.load_after_core],
        "log": layout.relative(server.log),
        "core": spec.core,
        "ready_seconds": server.ready_seconds,
    }


# -- down / status -----------------------------------------------------------------------------


def _recorded_servers(layout: HomeLayout) -> list[dict[str, Any]]:
    return (read_state(layout.home) or {}).get("servers", [])


def _ours(layout: HomeLayout, server: dict[str, Any]) -> bool:
    """Alive and still the process we started (guards against PID reuse)."""
    pid = server["pid"]
    if processes.pid_alive(pid):
        return str(layout.home) in processes.cmdline(pid)
    # The leader may be gone while children of its group linger.
    return processes.group_alive(server.get("pgid", pid))


def down(home: Path | str | None = None) -> list[str]:
    """Stop every server recorded in state.json; return the names of those stopped."""
    layout = _layout(home)
    ours = [server for server in _recorded_servers(layout) if _ours(layout, server)]
    processes.stop_groups([server.get("pgid", server["pid"]) for server in ours])
    layout.state.unlink(missing_ok=True)
    return [server["name"] for server in ours]


def failed(home: Path | str | None = None) -> dict[str, str]:
    """Why each optional server of the running MDS is not running (state.json ``failed``)."""
    return dict((read_state(home) or {}).get("failed", {}))


def status(home: Path | str | None = None) -> list[ServerStatus]:
    layout = _layout(home)
    result = []
    for server in _recorded_servers(layout):
        alive = _ours(layout, server)
        ready = alive and all(processes.http_ok(server["url"] + path, timeout=2.0)
                              for path in server.get("ready_paths", []))
        result.append(ServerStatus(server["name"], server["url"], server["pid"], alive, ready))
    return result
