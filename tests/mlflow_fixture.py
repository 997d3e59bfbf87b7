"""A standalone MLflow tracking server + Model Registry for the tests: ``.venvs/mlflow``, a tmp dir, a free port.

`start_mlflow` runs the same command as the embedded MDS's ``mlflow`` server
(`embedded_mds.mlflow_server.mlflow_argv`: SQLite store and served artifacts under the tmp dir,
127.0.0.1, one worker, job execution off) in its own process group and waits until ``/health``
answers; `stop_mlflow` stops the group (a couple of its processes linger a few seconds after
SIGTERM). `require_mlflow` skips the tests locally when the venv is missing (``make
.venvs/mlflow/.ok``) and fails them in CI (``CI=true``): CI must not go green by skipping them.
The session fixture ``mlflow_registry`` in tests/conftest.py uses these; ``mlflow_cases`` holds the tests' own
MLflow model folders.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from embedded_mds import processes
from embedded_mds.mlflow_server import READY_PATH, mlflow_argv, mlflow_python
from embedded_mds.server_specs import MLFLOW_SERVER_ENV, server_env

# Ready in about 14 s on 2 cores when idle; a busy machine (a parallel test run) takes longer.
START_TIMEOUT_S = 90.0
LOG_TAIL_LINES = 40


@dataclass
class MlflowServer:
    url: str
    process: subprocess.Popen
    home: Path
    log: Path
    ready_seconds: float

    def stop(self) -> None:
        processes.stop_group(self.process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):  # stop_group killed the group: only reaping is late
            self.process.wait(timeout=1)


def require_mlflow(python: Path | None = None) -> Path:
    """The MLflow venv's python; skip (locally) or fail (CI=true) when it is missing."""
    python = python or mlflow_python()
    if not python.exists():
        reason = f"no MLflow environment at {python} (make .venvs/mlflow/.ok)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the MLflow tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"MLflow tests skipped: {reason}")
    return python


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env() -> dict[str, str]:
    env = {**os.environ, **MLFLOW_SERVER_ENV}
    for key in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH"):  # the app venv's settings must not leak in
        env.pop(key, None)
    return env


def start_mlflow(tmp_dir: Path, *, python: Path | None = None, timeout: float = START_TIMEOUT_S) -> MlflowServer:
    """Start MLflow with its store and artifacts in `tmp_dir`; RuntimeError with its log tail if it is not ready."""
    python = python or mlflow_python()
    artifacts = tmp_dir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    log = tmp_dir / "mlflow.log"
    port = _free_port()
    argv = mlflow_argv(python, tmp_dir / "mlflow.db", artifacts, "127.0.0.1", port)
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   env=_env(), cwd=tmp_dir, start_new_session=True)
    server = MlflowServer(f"http://127.0.0.1:{port}", process, tmp_dir, log, 0.0)
    deadline = started + timeout
    while not processes.http_ok(server.url + READY_PATH):
        if process.poll() is not None:
            time.sleep(0.2)  # let the last log lines land
            raise RuntimeError(f"MLflow exited with code {process.returncode} before {READY_PATH} answered; "
                               f"last lines of {log}:\n{processes.log_tail(log, LOG_TAIL_LINES)}")
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"MLflow was not ready in {timeout:.0f} s ({server.url}{READY_PATH}); "
                               f"last lines of {log}:\n{processes.log_tail(log, LOG_TAIL_LINES)}")
        time.sleep(processes.POLL_SECONDS)
    server.ready_seconds = round(time.monotonic() - started, 2)
    return server


def stop_mlflow(server: MlflowServer) -> None:
    server.stop()


MLFLOW_MODELS_SCRIPT = Path(__file__).parent / "workbench" / "publish" / "mlflow_models.py"


@pytest.fixture(scope="session")
def mlflow_cases(tmp_path_factory) -> Path:
    """The tests' own MLflow model folders, saved once per worker by ``mlflow_models.py`` in .venvs/mlflow, with
    reference.csv, rows.csv and expected.json (MLflow's own answers on rows.csv); read only by the tests (three
    modules trained and saved them again, 10 to 20 s each)."""
    require_mlflow()
    out = tmp_path_factory.mktemp("mlflow-models")
    done = subprocess.run([str(mlflow_python()), str(MLFLOW_MODELS_SCRIPT), str(out)], capture_output=True,
                          text=True, timeout=600, env=server_env(), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return out
