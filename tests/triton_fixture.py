"""A real NVIDIA Triton for the tests (the session fixture ``triton_server``): the tritonserver that nvidia-pytriton
bundles, CPU only, in ``.venvs/triton``, serving the tests' own models (tests/triton_models.py) on free loopback ports.

Triton's Python backend stub links ``libpython3.11.so.1.0`` and finds the first one on the library path: the system's
libpython (another 3.11 patch release) makes every model fail to load (``'_thread.RLock' object has no attribute
'_recursion_count'``), so the environment interpreter's own ``LIBDIR`` goes first on ``LD_LIBRARY_PATH``.
``require_triton`` skips the tests locally when the environment is missing (``make .venvs/triton/.ok``) and fails
them in CI (``CI=true``), as the MLflow tests do.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from embedded_mds import processes

TRITON_PYTHON = Path(__file__).resolve().parents[1] / ".venvs" / "triton" / "bin" / "python"
MODELS_SCRIPT = Path(__file__).resolve().parent / "triton_models.py"
MODELS = ("grade", "price", "shade", "pair")
TOKEN_HEADER = "triton-access-token"
ACCESS_TOKEN_ENV = "MDS_TEST_TRITON_TOKEN"
"""Where tests/triton_models.py reads the token it gives pytriton (that module imports pytriton: not importable here)."""
# Ready in about 12 s on 2 cores when idle (four models loaded in parallel, about 5 s each); longer on a busy machine.
START_TIMEOUT_S = 150.0
LOG_TAIL_LINES = 40


@dataclass
class TritonServer:
    url: str
    process: subprocess.Popen
    token: str
    """pytriton guards Triton's model-repository API (``POST /v2/repository/index``) with this token."""
    log: Path
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


def require_triton(python: Path = TRITON_PYTHON) -> Path:
    """The Triton venv's python; skip (locally) or fail (CI=true) when it is missing."""
    if not python.exists():
        reason = f"no Triton environment at {python} (make .venvs/triton/.ok)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the Triton tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"Triton tests skipped: {reason}")
    return python


def triton_env(python: Path, **extra: str) -> dict[str, str]:
    """The environment Triton runs in: the interpreter's own libpython first on the library path."""
    libdir = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
    env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (libdir, env.get("LD_LIBRARY_PATH", "")) if p)
    return {**env, **extra}


def _free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` consecutive free ports below 32768 (never handed out as ephemeral ones)."""
    rng = random.Random(os.getpid() ^ time.time_ns())
    for _ in range(200):
        base = rng.randrange(20000, 32000 - count)
        if all(processes.port_is_free(host, port) for port in range(base, base + count)):
            return list(range(base, base + count))
    raise RuntimeError(f"no {count} consecutive free ports on {host}")


def start_triton(tmp_dir: Path, *, python: Path = TRITON_PYTHON, timeout: float = START_TIMEOUT_S) -> TritonServer:
    """Triton with the tests' models; RuntimeError with its log tail if a model is not ready in time."""
    http, grpc, metrics = _free_ports(3)
    token = secrets.token_urlsafe(16)
    log = tmp_dir / "triton.log"
    started = time.monotonic()
    process = processes.start_process(
        [str(python), str(MODELS_SCRIPT), str(http), str(grpc), str(metrics), str(tmp_dir / "workspace")],
        log_path=log, env=triton_env(python, **{ACCESS_TOKEN_ENV: token}), cwd=tmp_dir)
    server = TritonServer(f"http://127.0.0.1:{http}", process, token, log, grpc_url=f"grpc://127.0.0.1:{grpc}")
    deadline = started + timeout
    waiting = list(MODELS)
    while waiting:
        if processes.http_ok(f"{server.url}/v2/models/{waiting[0]}/ready"):
            waiting.pop(0)
            continue
        if process.poll() is not None or time.monotonic() > deadline:
            what = f"exited with code {process.returncode}" if process.poll() is not None else f"not ready in {timeout:.0f} s"
            server.stop()
            raise RuntimeError(f"Triton {what} (model {waiting[0]}); last lines of {log}:\n"
                               f"{processes.log_tail(log, LOG_TAIL_LINES)}")
        time.sleep(processes.POLL_SECONDS * 3)
    server.ready_seconds = round(time.monotonic() - started, 2)
    return server


@pytest.fixture(scope="session")
def triton_server(tmp_path_factory) -> TritonServer:
    python = require_triton()
    server = start_triton(tmp_path_factory.mktemp("triton"), python=python)
    yield server
    server.stop()
