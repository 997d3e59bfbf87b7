"""Run the servers of a `ServerSpec` list and wait until they are ready.

Every server starts at once. The core servers must all become ready before the deadline, else
everything started is stopped and the first `ServerStartError` raised. An optional server (alibi)
never fails the start: a thread waits until it is live and loads its independent models meanwhile,
the models that call the core are loaded once the core is ready, and whatever goes wrong is
returned as a failure with that server stopped.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from pathlib import Path

from embedded_mds import processes
from embedded_mds.errors import EmbeddedMDSError, PortInUseError, ServerEnvironmentError, ServerStartError
from embedded_mds.layout import HomeLayout
from embedded_mds.server_specs import ServerSpec, server_env


def check_environment(spec: ServerSpec) -> None:
    python = Path(spec.argv[0])
    if not python.exists():
        if spec.kind == "prometheus":
            raise ServerEnvironmentError(spec.name, python, "Install Debian's prometheus (`apt-get install "
                                         "prometheus`) or set WORKBENCH_PROMETHEUS_BINARY.", what="program")
        if spec.kind == "alertmanager":
            raise ServerEnvironmentError(spec.name, python, "Install Debian's prometheus-alertmanager (`apt-get "
                                         "install prometheus-alertmanager`) or set WORKBENCH_ALERTMANAGER_BINARY.",
                                         what="program")
        env_var = {"mlserver": "WORKBENCH_MLSERVER_PYTHON", "explainer": "WORKBENCH_APP_PYTHON",
                   "health": "WORKBENCH_APP_PYTHON", "mlflow": "WORKBENCH_MLFLOW_PYTHON"}.get(
            spec.kind, "WORKBENCH_SELDON_PYTHON")
        raise ServerEnvironmentError(
            spec.name, python, f"Create that environment (see requirements-{spec.kind}.txt) or set {env_var}.")


def check_ports(spec: ServerSpec) -> None:
    for role, port in spec.ports.items():
        if not processes.port_is_free(spec.host, port):
            raise PortInUseError(spec.name, port, role)


def startable(specs: list[ServerSpec], failures: dict[str, str]) -> list[ServerSpec]:
    """The specs whose environment and ports are fine; a core problem raises, an optional one goes to `failures`."""
    for spec in specs:
        try:
            check_environment(spec)
            check_ports(spec)
        except EmbeddedMDSError as error:
            if spec.core:
                raise
            failures[spec.name] = str(error)
    return [spec for spec in specs if spec.name not in failures]


class RunningServer:
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
        found = processes.log_matches(self.log, self.spec.failure_pattern) if self.spec.failure_pattern else []
        reason = f"{reason} ({'; '.join(found)})" if found else reason
        return ServerStartError(self.spec.name, self.spec.ports["http"], reason, self.log,
                                processes.log_tail(self.log))

    def stop(self) -> None:
        processes.stop_group(self.process.pid)
        self.reap()

    def reap(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)


def wait_all(running: list[RunningServer], deadline: float) -> dict[str, ServerStartError]:
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


def load_models(server: RunningServer, models: list[str], deadline: float) -> ServerStartError | None:
    """Load models through MLServer's repository API (each POST returns once loaded)."""
    for model in models:
        remaining = max(1.0, deadline - time.monotonic())
        ok, detail = processes.http_post(f"{server.spec.url}/v2/repository/models/{model}/load", timeout=remaining)
        if not ok:
            return server.failure(f"loading {model} failed: {detail}")
    return None


def start_optional(server: RunningServer, deadline: float, errors: dict[str, ServerStartError]) -> None:
    """Thread body: wait until the optional server is live, then load its independent models."""
    error = wait_all([server], deadline).get(server.spec.name)
    error = error or load_models(server, server.spec.load_early, deadline)
    if error:
        errors[server.spec.name] = error


def finish_optional(server: RunningServer, deadline: float) -> ServerStartError | None:
    """After the core is ready: load the models that call it, then wait until all are ready."""
    error = load_models(server, server.spec.load_after_core, deadline)
    if error:
        return error
    server.pending = [f"/v2/models/{m}/ready" for m in server.spec.load_early + server.spec.load_after_core]
    server.ready_seconds = None
    return wait_all([server], deadline).get(server.spec.name)


def start_all(layout: HomeLayout, specs: list[ServerSpec], timeout: float,
              failures: dict[str, str]) -> list[RunningServer]:
    """Start `specs` and wait; return the servers that are up, optional failures go to `failures`."""
    env = server_env()
    running: list[RunningServer] = []
    try:
        for spec in specs:
            log = layout.log(spec.name)
            process = processes.start_process(spec.argv, log_path=log, env=spec.env or env, cwd=layout.home)
            # Recorded at once, so a failure starting the next one still stops this one.
            running.append(RunningServer(spec, process, log, time.monotonic()))
        deadline = time.monotonic() + timeout
        optional = [r for r in running if not r.spec.core and r.spec.wait]
        optional_errors: dict[str, ServerStartError] = {}
        threads = [threading.Thread(target=start_optional, args=(server, deadline, optional_errors), daemon=True)
                   for server in optional]
        for thread in threads:
            thread.start()
        core_failures = wait_all([r for r in running if r.spec.core], deadline)
        if core_failures:
            raise next(iter(core_failures.values()))
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for server in optional:
            error = optional_errors.get(server.spec.name) or finish_optional(server, deadline)
            if error:
                failures[server.spec.name] = str(error)
                server.stop()
                running.remove(server)
    except BaseException:
        processes.stop_groups([server.process.pid for server in running])
        for server in running:
            server.reap()
        raise
    return running
