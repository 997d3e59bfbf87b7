"""Start a real MLServer for a test fixture: one way for every fixture that serves a model repository of its own
(tests/grpc_fixture.py, tests/publish_fixture.py).

MLServer runs from its own environment on free loopback ports (REST, gRPC, metrics), in a process group of its
own; the caller stops it with ``processes.stop_group(pid)``.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from embedded_mds import processes
from embedded_mds.layout import mlserver_python, write_json
from embedded_mds.ports import LocalPorts
from embedded_mds.server_specs import mlserver_argv, mlserver_settings, server_env

START_TIMEOUT_S = 90.0


def start_mlserver(models: Path, home: Path, *, ready: str = "/v2/health/ready",
                   timeout: float = START_TIMEOUT_S) -> tuple[subprocess.Popen, LocalPorts, str]:
    """MLServer over the repository ``models`` (log in ``home/mlserver.log``), once ``ready`` (a path) answers 200.

    Returns the process, its ports and its REST URL; RuntimeError with the log's tail if it exits or is not ready
    within ``timeout`` seconds (and then it is stopped)."""
    models.mkdir(parents=True, exist_ok=True)
    ports = LocalPorts.free()
    write_json(models / "settings.json", mlserver_settings(ports.host, ports.mlserver_http, ports.mlserver_grpc,
                                                           ports.mlserver_metrics))
    log = home / "mlserver.log"
    process = processes.start_process(mlserver_argv(mlserver_python(), models), log_path=log, env=server_env(),
                                      cwd=home)
    url = f"http://{ports.host}:{ports.mlserver_http}"
    deadline = time.monotonic() + timeout
    while not processes.http_ok(url + ready, timeout=2):
        if process.poll() is not None or time.monotonic() > deadline:
            processes.stop_group(process.pid)
            raise RuntimeError(f"MLServer did not start: {processes.log_tail(log, 40)}")
        time.sleep(0.3)
    return process, ports, url
