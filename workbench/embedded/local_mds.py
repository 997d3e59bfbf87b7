"""Bring the embedded local MDS up and down: MLServer (V2) plus Seldon Core v1 microservices.

    prepare(home)        train demo models if needed, write MLServer settings, validate folders
    up(home, ports)      start every server, wait until ready, write state.json and catalog.yaml
    down(home)           stop every server recorded in state.json (SIGTERM, then SIGKILL)
    status(home)         [(server, url, pid, alive, ready), ...]

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

Each server runs in its own process group with its log in ``<home>/logs/<server>.log``; server
environments come from ``layout.mlserver_python()`` / ``layout.seldon_python()`` and get
``PYTHONPATH=<repo root>`` so that ``workbench.embedded.served`` imports there.

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

import contextlib
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from workbench.embedded import processes
from workbench.embedded.catalog_writer import CatalogEntry, entry_from_card, write_catalog
from workbench.embedded.errors import (
    AlreadyRunningError,
    EmbeddedMDSError,
    ModelFolderError,
    PortInUseError,
    ServerEnvironmentError,
    ServerStartError,
)
from workbench.embedded.layout import REPO_ROOT, HomeLayout, default_home, mlserver_python, seldon_python

DEFAULT_TIMEOUT = 90.0
STATE_VERSION = 1
MLSERVER = "mlserver"
ALIBI = "alibi"
ECHO_IMPLEMENTATION = "workbench.embedded.served.echo_runtime.EchoRuntime"
SELDON_SKLEARN_CLASS = "workbench.embedded.served.seldon_model.SklearnModel"
SELDON_ECHO_CLASS = "workbench.embedded.served.seldon_model.Echo"
# scikit-learn warns on every 2-D tensor request to a pipeline fitted on a DataFrame; harmless.
SERVER_PYTHONWARNINGS = "ignore::UserWarning:sklearn.utils.validation"
JOBLIB_MAGIC = (b"\x80", b"x", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00", b"\x04\x22\x4d\x18")


@dataclass(frozen=True)
class LocalPorts:
    """Ports of the embedded servers, all on `host`."""

    host: str = "127.0.0.1"
    mlserver_http: int = 9500
    mlserver_grpc: int = 9501
    mlserver_metrics: int = 9502
    seldon_http: int = 9510
    seldon_metrics: int = 9511
    alibi_http: int = 9520
    alibi_grpc: int = 9521
    alibi_metrics: int = 9522

    def seldon(self, index: int) -> tuple[int, int]:
        """(http, metrics) of the index-th seldon service."""
        return self.seldon_http + 2 * index, self.seldon_metrics + 2 * index

    @classmethod
    def from_base(cls, base: int, host: str = "127.0.0.1") -> LocalPorts:
        """The default layout shifted to start at `base` (base..base+22)."""
        return cls(host, base, base + 1, base + 2, base + 10, base + 11, base + 20, base + 21, base + 22)

    @classmethod
    def free(cls, host: str = "127.0.0.1", span: int = 30, start: int = 20000, stop: int = 32000) -> LocalPorts:
        """A layout whose whole span of ports is free now (for tests and parallel homes).

        Searched below 32768 so that Linux never hands the same ports out as ephemeral ones.
        """
        import random

        rng = random.Random(os.getpid() ^ time.time_ns())
        for _ in range(200):
            base = rng.randrange(start, stop - span)
            if all(processes.port_is_free(host, port) for port in range(base, base + span)):
                return cls.from_base(base, host)
        raise EmbeddedMDSError(f"no {span} consecutive free ports found on {host}")


@dataclass
class ServerSpec:
    """One server process to start."""

    name: str
    kind: str  # mlserver | seldon
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

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.ports['http']}"


class ServerStatus(NamedTuple):
    server: str
    url: str
    pid: int
    alive: bool
    ready: bool


@dataclass
class Prepared:
    layout: HomeLayout
    core_models: list[str]
    seldon_services: list[str]
    alibi_models: list[str] = field(default_factory=list)
    alibi_error: str | None = None
    trained: bool = False


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
        return next(s["url"] for s in self.servers if s["name"] == server)

    def status(self) -> list[ServerStatus]:
        return status(self.home)

    def down(self) -> None:
        down(self.home)

    def __enter__(self) -> LocalMDS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()


# -- prepare -----------------------------------------------------------------------------------


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)


def mlserver_settings(host: str, http: int, grpc: int, metrics: int, *, load_at_startup: bool = True) -> dict[str, Any]:
    return {
        "host": host,
        "http_port": http,
        "grpc_port": grpc,
        "metrics_port": metrics,
        "parallel_workers": 0,
        "load_models_at_startup": load_at_startup,
    }


def _write_test_models(layout: HomeLayout, include: bool) -> None:
    echo_dir, echo_seldon = layout.model_dir("echo"), layout.seldon_dir("echo-v1")
    if include:
        _write_json(echo_dir / "model-settings.json",
                    {"name": "echo", "implementation": ECHO_IMPLEMENTATION, "parameters": {"version": "1"}})
        _write_json(echo_seldon / "metadata.json", {"name": "echo-v1", "version": "1"})
        return
    # Remove only what we wrote: MLServer would otherwise serve it.
    settings = echo_dir / "model-settings.json"
    if settings.exists() and ECHO_IMPLEMENTATION in settings.read_text():
        settings.unlink()
        if not any(echo_dir.iterdir()):
            echo_dir.rmdir()


def _check_joblib(name: str, folder: Path, path: Path) -> None:
    if not path.is_file():
        raise ModelFolderError(name, folder, f"{path.name} is missing")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head or not head.startswith(JOBLIB_MAGIC):
        raise ModelFolderError(name, folder, f"{path.name} is not a joblib/pickle file")


def validate_mlserver_folder(models_dir: Path) -> list[str]:
    """Check every model folder MLServer would load; return the model names."""
    names: dict[str, Path] = {}
    for settings_path in sorted(models_dir.glob("**/model-settings.json")):
        folder = settings_path.parent
        try:
            settings = json.loads(settings_path.read_text())
        except (OSError, ValueError) as error:
            raise ModelFolderError(folder.name, folder, f"model-settings.json does not parse ({error})") from error
        if not isinstance(settings, dict) or not settings.get("implementation"):
            raise ModelFolderError(folder.name, folder, "model-settings.json has no 'implementation'")
        name = settings.get("name") or folder.name
        if name in names:
            raise ModelFolderError(name, folder, f"the name is also used by {names[name]}")
        names[name] = folder
        for key in ("inputs", "outputs"):
            if not isinstance(settings.get(key, []), list):
                raise ModelFolderError(name, folder, f"'{key}' must be a list")
        uri = (settings.get("parameters") or {}).get("uri")
        if settings["implementation"].startswith("mlserver_sklearn"):
            _check_joblib(name, folder, (folder / (uri or "model.joblib")).resolve())
        elif uri and "://" not in uri and not (folder / uri).exists():
            raise ModelFolderError(name, folder, f"parameters.uri {uri!r} does not exist")
    return sorted(names)


def validate_seldon_folder(folder: Path, needs_model: bool) -> None:
    try:
        json.loads((folder / "metadata.json").read_text())
    except (OSError, ValueError) as error:
        raise ModelFolderError(folder.name, folder, f"metadata.json is missing or does not parse ({error})") from error
    if needs_model:
        _check_joblib(folder.name, folder, folder / "model.joblib")


def prepare(
    home: Path | str | None = None,
    *,
    include_test_models: bool = False,
    ports: LocalPorts | None = None,
    alibi: bool = True,
    force: bool = False,
) -> Prepared:
    """Train what is missing, write server settings and validate every folder; start nothing."""
    from workbench.embedded import demo_models

    layout = HomeLayout(Path(home) if home else default_home())
    ports = ports or LocalPorts()
    layout.home.mkdir(parents=True, exist_ok=True)
    trained = demo_models.train_all(layout.home, force=force)
    _write_test_models(layout, include_test_models)
    _write_json(layout.models / "settings.json", mlserver_settings(
        ports.host, ports.mlserver_http, ports.mlserver_grpc, ports.mlserver_metrics))
    core_models = validate_mlserver_folder(layout.models)
    services = list(demo_models.SELDON_DEMO_MODELS) + (["echo-v1"] if include_test_models else [])
    for service in services:
        validate_seldon_folder(layout.seldon_dir(service), needs_model=service != "echo-v1")
    prepared = Prepared(layout, core_models, services, trained=trained)
    if alibi:
        try:
            from workbench.embedded import alibi_models

            alibi_models.prepare_alibi(layout, ports, wine_infer_url=(
                f"http://{ports.host}:{ports.mlserver_http}/v2/models/wine/infer"))
            # Started with the core but loads its models later (see up()), so its import time overlaps.
            _write_json(layout.alibi_models / "settings.json", mlserver_settings(
                ports.host, ports.alibi_http, ports.alibi_grpc, ports.alibi_metrics, load_at_startup=False))
            prepared.alibi_models = validate_mlserver_folder(layout.alibi_models)
        except Exception as error:  # optional server: never blocks the core
            prepared.alibi_error = f"{type(error).__name__}: {error}"
    return prepared


# -- up ----------------------------------------------------------------------------------------


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONWARNINGS", SERVER_PYTHONWARNINGS)
    env["PYTHONUNBUFFERED"] = "1"
    for key in ("VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(key, None)
    return env


def _mlserver_argv(python: Path, models_dir: Path) -> list[str]:
    # The venv's `mlserver` script may be missing when only a python path is configured.
    return [str(python), "-c", "import sys; from mlserver.cli import main; sys.exit(main())",
            "start", str(models_dir)]


def _specs(prepared: Prepared, ports: LocalPorts) -> list[ServerSpec]:
    layout = prepared.layout
    mls_python, sel_python = mlserver_python(), seldon_python()
    specs = [
        ServerSpec(
            name=MLSERVER, kind="mlserver", argv=_mlserver_argv(mls_python, layout.models), host=ports.host,
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
            argv=[str(sel_python), "-m", "workbench.embedded.served.seldon_launcher", "--name", service,
                  "--model-dir", str(layout.seldon_dir(service)), "--class", user_class,
                  "--host", ports.host, "--http-port", str(http), "--metrics-port", str(metrics)],
            host=ports.host, ports={"http": http, "metrics": metrics},
            ready_paths=["/health/ping"], models=[service],
        ))
    if prepared.alibi_models and not prepared.alibi_error:
        specs.append(ServerSpec(
            name=ALIBI, kind="mlserver", argv=_mlserver_argv(mls_python, layout.alibi_models), host=ports.host,
            ports={"http": ports.alibi_http, "grpc": ports.alibi_grpc, "metrics": ports.alibi_metrics},
            ready_paths=["/v2/health/live"], models=prepared.alibi_models, core=False,
            load_early=[m for m in prepared.alibi_models if m not in alibi_models_module().CALLS_CORE],
            load_after_core=[m for m in prepared.alibi_models if m in alibi_models_module().CALLS_CORE],
        ))
    return specs


def alibi_models_module():
    from workbench.embedded import alibi_models

    return alibi_models


def _check_environment(spec: ServerSpec) -> None:
    python = Path(spec.argv[0])
    if not python.exists():
        env_var = "WORKBENCH_MLSERVER_PYTHON" if spec.kind == "mlserver" else "WORKBENCH_SELDON_PYTHON"
        raise ServerEnvironmentError(
            spec.name, python, f"Create that environment (see requirements-{spec.kind}.txt) or set {env_var}.")


def _check_ports(spec: ServerSpec) -> None:
    for role, port in spec.ports.items():
        if not processes.port_is_free(spec.host, port):
            raise PortInUseError(spec.name, port, role)


class _Running:
    """A started server while we wait for it."""

    def __init__(self, spec: ServerSpec, process: subprocess.Popen, log: Path, started: float) -> None:
        self.spec, self.process, self.log, self.started = spec, process, log, started
        self.pending = list(spec.ready_paths)
        self.ready_seconds: float | None = None

    def poll_ready(self) -> bool:
        while self.pending and processes.http_ok(self.spec.url + self.pending[0]):
            self.pending.pop(0)
        if not self.pending and self.ready_seconds is None:
            self.ready_seconds = round(time.monotonic() - self.started, 2)
        return not self.pending

    def failure(self, reason: str) -> ServerStartError:
        time.sleep(0.2)  # let the last log lines land
        return ServerStartError(self.spec.name, self.spec.ports["http"], reason, self.log,
                                processes.log_tail(self.log))

    def stop(self) -> None:
        processes.stop_group(self.process.pid)
        self.reap()

    def reap(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)


def _wait_all(running: list[_Running], deadline: float) -> dict[str, ServerStartError]:
    """Wait until every server is ready; return failures by server name."""
    failures: dict[str, ServerStartError] = {}
    waiting = list(running)
    while waiting:
        for server in list(waiting):
            if server.poll_ready():
                waiting.remove(server)
            elif server.process.poll() is not None:
                failures[server.spec.name] = server.failure(f"process exited with code {server.process.returncode}")
                waiting.remove(server)
            elif time.monotonic() > deadline:
                pending = server.pending[0] if server.pending else ""
                failures[server.spec.name] = server.failure(f"not ready in time (waiting for {pending})")
                waiting.remove(server)
            if server.spec.core and server.spec.name in failures:
                return failures  # no point waiting for the rest
        if waiting:
            time.sleep(processes.POLL_SECONDS)
    return failures


def _load_models(server: _Running, models: list[str], deadline: float) -> ServerStartError | None:
    """Load models through MLServer's repository API (each POST returns once loaded)."""
    for model in models:
        remaining = max(1.0, deadline - time.monotonic())
        ok, detail = processes.http_post(f"{server.spec.url}/v2/repository/models/{model}/load", timeout=remaining)
        if not ok:
            return server.failure(f"loading {model} failed: {detail}")
    return None


def _start_optional(server: _Running, deadline: float, errors: dict[str, ServerStartError]) -> None:
    """Thread body: wait until the optional server is live, then load its independent models."""
    error = _wait_all([server], deadline).get(server.spec.name)
    error = error or _load_models(server, server.spec.load_early, deadline)
    if error:
        errors[server.spec.name] = error


def _finish_optional(server: _Running, deadline: float) -> ServerStartError | None:
    """After the core is ready: load the models that call it, then wait until all are ready."""
    error = _load_models(server, server.spec.load_after_core, deadline)
    if error:
        return error
    server.pending = [f"/v2/models/{m}/ready" for m in server.spec.load_early + server.spec.load_after_core]
    server.ready_seconds = None
    return _wait_all([server], deadline).get(server.spec.name)


def up(
    home: Path | str | None = None,
    ports: LocalPorts | None = None,
    *,
    include_test_models: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    alibi: bool = True,
) -> LocalMDS:
    """Start every server, wait until all are ready, write state.json and catalog.yaml."""
    layout = HomeLayout(Path(home) if home else default_home())
    ports = ports or LocalPorts()
    alive = [s["name"] for s in (read_state(layout.home) or {}).get("servers", []) if _ours(layout, s)]
    if alive:
        raise AlreadyRunningError(layout.home, alive)
    layout.state.unlink(missing_ok=True)

    started_at = time.monotonic()
    prepared = prepare(layout.home, include_test_models=include_test_models, ports=ports, alibi=alibi)
    failures: dict[str, str] = {}
    if alibi and prepared.alibi_error:
        failures[ALIBI] = prepared.alibi_error
    specs = _specs(prepared, ports)
    for spec in specs:
        try:
            _check_environment(spec)
            _check_ports(spec)
        except EmbeddedMDSError as error:
            if spec.core:
                raise
            failures[spec.name] = str(error)
    specs = [spec for spec in specs if spec.name not in failures]

    env = _server_env()
    running: list[_Running] = []

    def start(batch: list[ServerSpec]) -> list[_Running]:
        started = []
        for spec in batch:
            log = layout.log(spec.name)
            process = processes.start_process(spec.argv, log_path=log, env=env, cwd=layout.home)
            started.append(_Running(spec, process, log, time.monotonic()))
        running.extend(started)
        return started

    try:
        start(specs)
        deadline = time.monotonic() + timeout
        optional = [r for r in running if not r.spec.core]
        optional_errors: dict[str, ServerStartError] = {}
        threads = [threading.Thread(target=_start_optional, args=(server, deadline, optional_errors), daemon=True)
                   for server in optional]
        for thread in threads:
            thread.start()
        core_failures = _wait_all([r for r in running if r.spec.core], deadline)
        if core_failures:
            raise next(iter(core_failures.values()))
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for server in optional:
            error = optional_errors.get(server.spec.name) or _finish_optional(server, deadline)
            if error:
                failures[server.spec.name] = str(error)
                server.stop()
                running.remove(server)
    except BaseException:
        processes.stop_groups([server.process.pid for server in running])
        for server in running:
            server.reap()
        raise

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
    _write_json(layout.state, state)
    write_catalog(layout.catalog, catalog_entries(layout, servers, include_test_models))
    return LocalMDS(layout.home, servers, layout.catalog, layout.state, state["started"], ready_seconds, failures)


def _record(layout: HomeLayout, server: _Running) -> dict[str, Any]:
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


def catalog_entries(layout: HomeLayout, servers: list[dict[str, Any]], include_test_models: bool) -> list[CatalogEntry]:
    by_name = {server["name"]: server for server in servers}
    core = by_name[MLSERVER]
    alibi = by_name.get(ALIBI)
    entries: list[CatalogEntry] = []
    for model in ("wine", "tips", "tip-amount", "digits"):
        if model not in core["models"]:
            continue
        entry = entry_from_card(layout, model, protocol="v2", url=core["url"], model=model)
        if model == "wine" and alibi:
            if "wine-explainer" in alibi["models"]:
                entry.explainer = {"protocol": "v2", "url": alibi["url"], "model": "wine-explainer"}
            if "wine-drift" in alibi["models"]:
                entry.drift = {"protocol": "v2", "url": alibi["url"], "model": "wine-drift"}
        entries.append(entry)
    if "wine-v1" in by_name:
        entries.append(entry_from_card(layout, "wine-v1", protocol="seldon", url=by_name["wine-v1"]["url"],
                                       model=None, data_name="wine"))
    if include_test_models:
        if "echo" in core["models"]:
            entries.append(CatalogEntry(name="echo", protocol="v2", url=core["url"], model="echo",
                                        description="Returns every input unchanged (test only).", tags=["test"]))
        if "echo-v1" in by_name:
            entries.append(CatalogEntry(name="echo-v1", protocol="seldon", url=by_name["echo-v1"]["url"],
                                        description="Returns what Seldon decoded (test only).", tags=["test"]))
    return entries


# -- down / status -----------------------------------------------------------------------------


def read_state(home: Path | str | None = None) -> dict[str, Any] | None:
    layout = HomeLayout(Path(home) if home else default_home())
    try:
        return json.loads(layout.state.read_text())
    except (OSError, ValueError):
        return None


def _ours(layout: HomeLayout, server: dict[str, Any]) -> bool:
    """Alive and still the process we started (guards against PID reuse)."""
    pid = server["pid"]
    if processes.pid_alive(pid):
        return str(layout.home) in processes.cmdline(pid)
    # The leader may be gone while children of its group linger.
    return processes.group_alive(server.get("pgid", pid))


def down(home: Path | str | None = None) -> list[str]:
    """Stop every server recorded in state.json; return the names of those stopped."""
    layout = HomeLayout(Path(home) if home else default_home())
    state = read_state(layout.home)
    ours = [server for server in (state or {}).get("servers", []) if _ours(layout, server)]
    processes.stop_groups([server.get("pgid", server["pid"]) for server in ours])
    layout.state.unlink(missing_ok=True)
    return [server["name"] for server in ours]


def status(home: Path | str | None = None) -> list[ServerStatus]:
    layout = HomeLayout(Path(home) if home else default_home())
    state = read_state(layout.home)
    result = []
    for server in (state or {}).get("servers", []):
        alive = _ours(layout, server)
        ready = alive and all(processes.http_ok(server["url"] + path, timeout=2.0)
                              for path in server.get("ready_paths", []))
        result.append(ServerStatus(server["name"], server["url"], server["pid"], alive, ready))
    return result
