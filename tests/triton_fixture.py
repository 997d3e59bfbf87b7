"""A real NVIDIA Triton for the tests (the session fixture ``triton_server``): the tritonserver that nvidia-pytriton
bundles, CPU only, in ``.venvs/triton``, serving the tests' own models (tests/triton_repository/, plain Python-backend
models: ``config.pbtxt`` + ``1/model.py``) on free loopback ports.

It starts the way the embedded MDS starts its Triton (``embedded_mds.triton``: the Python backend copied beside the
stub of the venv's Python, the venv interpreter's own libpython first on the library path). The repository is
copied to the session's temporary folder, so a test may add a model to it (``TritonServer.repository``) and load
it through Triton's repository API (explicit model control); that API wants a token (``repository_headers``), as
pytriton's did. Ready in about 2 s when idle (pytriton's proxy models took 12-19 s and about 495 MB).
``require_triton`` skips the tests locally when the environment is missing (``make .venvs/triton/.ok``) and fails
them in CI (``CI=true``), as the MLflow tests do.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from embedded_mds import processes
from embedded_mds.errors import ServerEnvironmentError
from embedded_mds.ports import LocalPorts
from embedded_mds.triton import (
    MODEL_LOAD_FAILURE,
    TOKEN_HEADER,
    TritonInstall,
    repository_models,
    triton_argv,
    triton_python,
)

REPOSITORY = Path(__file__).resolve().parent / "triton_repository"
MODELS = ("grade", "price", "shade", "pair")
# Ready in about 2 s on 2 cores when idle; much longer on a busy machine.
START_TIMEOUT_S = 120.0
LOG_TAIL_LINES = 40


@dataclass
class TritonServer:
    url: str
    process: subprocess.Popen
    token: str
    """Triton's model-repository API (``POST /v2/repository/index``, load, unload) asks for this token."""
    log: Path
    repository: Path
    """The model repository it serves (a copy of tests/triton_repository): a test may add a model folder and load it."""
    ready_seconds: float = 0.0
    grpc_url: str = ""
    """Triton's V2 gRPC API (``grpc://127.0.0.1:PORT``)."""

    @property
    def repository_headers(self) -> dict[str, str]:
        return {TOKEN_HEADER: self.token}

    def stop(self) -> None:
        processes.stop_group(self.process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)


def require_triton(python: Path | None = None) -> TritonInstall:
    """The Triton venv's install; skip (locally) or fail (CI=true) when it is missing."""
    try:
        return TritonInstall.find(python or triton_python())
    except ServerEnvironmentError as error:
        reason = f"no Triton environment ({error})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the Triton tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"Triton tests skipped: {reason}")


def start_triton(tmp_dir: Path, *, install: TritonInstall | None = None,
                 timeout: float = START_TIMEOUT_S) -> TritonServer:
    """Triton with the tests' models; RuntimeError with its log tail if a model is not ready in time."""
    install = install or TritonInstall.find()
    repository = tmp_dir / "repository"
    shutil.copytree(REPOSITORY, repository, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    ports = LocalPorts.free()
    http, grpc, metrics = ports.triton_http, ports.triton_grpc, ports.triton_metrics
    token = secrets.token_urlsafe(16)
    log = tmp_dir / "triton.log"
    started = time.monotonic()
    argv = triton_argv(install.binary, repository, install.prepare_backends(tmp_dir / "backends"), ports.host, http,
                       grpc, metrics=metrics, load=repository_models(repository), token=token)
    process = processes.start_process(argv, log_path=log, env=install.environment(), cwd=tmp_dir)
    server = TritonServer(f"http://127.0.0.1:{http}", process, token, log, repository,
                          grpc_url=f"grpc://127.0.0.1:{grpc}")
    deadline = started + timeout
    waiting = list(MODELS)
    while waiting:
        if processes.http_ok(f"{server.url}/v2/models/{waiting[0]}/ready"):
            waiting.pop(0)
            continue
        if process.poll() is not None or time.monotonic() > deadline:
            what = f"exited with code {process.returncode}" if process.poll() is not None else f"not ready in {timeout:.0f} s"
            server.stop()
            why = "; ".join(processes.log_matches(log, MODEL_LOAD_FAILURE))
            raise RuntimeError(f"Triton {what} (waiting for model {waiting[0]}{': ' + why if why else ''}); last lines of {log}:\n"
                               f"{processes.log_tail(log, LOG_TAIL_LINES)}")
        time.sleep(processes.POLL_SECONDS)
    server.ready_seconds = round(time.monotonic() - started, 2)
    return server


@pytest.fixture(scope="session")
def triton_server(tmp_path_factory) -> TritonServer:
    install = require_triton()
    server = start_triton(tmp_path_factory.mktemp("triton"), install=install)
    yield server
    server.stop()
