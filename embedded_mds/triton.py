"""NVIDIA Triton for the embedded MDS and the tests: the ``tritonserver`` that nvidia-pytriton bundles, run directly.

`triton_spec` starts ``tritonserver`` from ``.venvs/triton`` (``WORKBENCH_TRITON_PYTHON`` names another
interpreter) on a plain model repository, one folder per model (``config.pbtxt`` + ``1/model.py``, Triton's Python
backend), CPU only, on 127.0.0.1. Ready in about 1.5 s with one model and about 75 MB (tritonserver about 36 MB,
one Python-backend stub per model instance about 37 MB), where pytriton's proxy models took 12-19 s and about
495 MB for four. Optional like MLflow: without the venv, `triton_specs` records why in ``failures`` and the other
models run. The tests' Triton (tests/triton_fixture.py) starts the same way (`TritonInstall`, `triton_argv`).

Traps this module works around (tritonserver 2.51 of nvidia-pytriton 0.7.0):

- The Python backend is a directory holding ``libtriton_python.so``, ``triton_python_backend_utils.py`` and the
  stub (``triton_python_backend_stub``, one per Python minor version in pytriton's ``python_backend_stubs/``). We
  copy them into ``<state>/backends/python/`` once, as pytriton itself does, picking the stub of the venv's
  Python: ``--backend-directory`` then points there.
- The stub links ``libpython3.X.so.1.0`` and takes the first one on the library path. The system's libpython of
  another patch release makes every model fail to load (``'_thread.RLock' object has no attribute
  '_recursion_count'``): the venv interpreter's own ``LIBDIR`` goes first on ``LD_LIBRARY_PATH``. The copied stub
  also loses its relative rpath to pytriton's bundled libraries, so ``nvidia_pytriton.libs`` follows.
- The stub's embedded Python finds its prefix from ``PATH``: the venv's ``bin`` goes first, else the models cannot
  import numpy.
- Triton's ``/v2/health/ready`` is ready only once every model at start-up has loaded (``--strict-readiness``);
  with ``--model-control-mode=explicit`` (the tests load more models later) each model's ``/ready`` is asked too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from embedded_mds.errors import EmbeddedMDSError, ServerEnvironmentError
from embedded_mds.server_specs import ServerSpec
from workbench.paths import REPO_ROOT

if TYPE_CHECKING:
    from embedded_mds.layout import HomeLayout
    from embedded_mds.ports import LocalPorts

TRITON = "triton"
TRITON_PYTHON_ENV = "WORKBENCH_TRITON_PYTHON"
TOKEN_HEADER = "triton-access-token"
"""The header Triton asks for on an API restricted with ``restricted_key`` (`triton_argv`'s ``token``)."""
BACKEND_FILES = ("libtriton_python.so", "triton_python_backend_utils.py")
STUB = "triton_python_backend_stub"
MODEL_LOAD_FAILURE = r"failed to load '[^']+' version \d+: [^\\\"]*"
"""Triton's log line naming a model that did not load and why (its traceback follows as an escaped ``\\n``)."""


def triton_python() -> Path:
    return Path(os.environ.get(TRITON_PYTHON_ENV) or REPO_ROOT / ".venvs/triton/bin/python")


@dataclass(frozen=True)
class TritonInstall:
    """Where a Triton venv keeps the server binary, the Python backend, its stubs and the libraries they need."""

    python: Path
    site_packages: Path
    libdir: Path
    """The venv interpreter's own ``LIBDIR`` (its ``libpython3.X.so.1.0``)."""
    python_version: str

    @classmethod
    def find(cls, python: Path | None = None) -> TritonInstall:
        """The install of ``python`` (default `triton_python`); ServerEnvironmentError when it is not one."""
        python = python or triton_python()
        if not python.exists():
            raise ServerEnvironmentError(
                TRITON, python, f"Create that environment with `make .venvs/triton/.ok` (requirements-triton.txt) "
                f"or set {TRITON_PYTHON_ENV}. The other models run without it.")
        probe = "import sys, sysconfig; print(sysconfig.get_path('purelib')); " \
                "print(sysconfig.get_config_var('LIBDIR')); print('%d.%d' % sys.version_info[:2])"
        try:
            lines = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True, check=True,
                                   timeout=30).stdout.split()
        except (OSError, subprocess.SubprocessError) as error:
            raise ServerEnvironmentError(TRITON, python, f"It does not run ({error}).") from error
        install = cls(python, Path(lines[0]), Path(lines[1]), lines[2])
        if not install.binary.exists():
            raise ServerEnvironmentError(TRITON, install.binary, "Install nvidia-pytriton in that environment "
                                         "(requirements-triton.txt): it bundles tritonserver.", what="program")
        return install

    @property
    def root(self) -> Path:
        return self.site_packages / "pytriton" / "tritonserver"

    @property
    def binary(self) -> Path:
        return self.root / "bin" / "tritonserver"

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's) with the library path and PATH the Python backend stub needs."""
        env = {k: v for k, v in (base if base is not None else os.environ).items()
               if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
        libs = [str(self.libdir), str(self.site_packages / "nvidia_pytriton.libs"), env.get("LD_LIBRARY_PATH", "")]
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in libs if p)
        env["PATH"] = os.pathsep.join(p for p in (str(self.python.parent), env.get("PATH", "")) if p)
        return env

    def prepare_backends(self, folder: Path) -> Path:
        """``folder/python`` with the Python backend and the stub of this venv's Python (copied once); returns
        ``folder``, the ``--backend-directory``."""
        target = folder / "python"
        sources = [self.root / "backends" / "python" / name for name in BACKEND_FILES]
        sources.append(self.root / "python_backend_stubs" / self.python_version / STUB)
        target.mkdir(parents=True, exist_ok=True)
        for source in sources:
            copy = target / source.name
            if not copy.exists() or copy.stat().st_size != source.stat().st_size:
                tmp = copy.with_name(copy.name + ".tmp")
                shutil.copy2(source, tmp)  # keeps the stub's execute bit
                tmp.replace(copy)
        return folder


def triton_argv(binary: Path, repository: Path, backends: Path, host: str, http: int, grpc: int, *,
                metrics: int | None = None, load: list[str] | None = None, token: str | None = None) -> list[str]:
    """tritonserver's command line. ``load``: explicit model control, loading those models at start (more can be
    loaded later through the repository API); ``token``: that API wants the ``triton-access-token`` header."""
    argv = [str(binary), f"--model-repository={repository}", f"--backend-directory={backends}",
            f"--http-address={host}", f"--http-port={http}", f"--grpc-address={host}", f"--grpc-port={grpc}",
            "--log-verbose=0", "--exit-timeout-secs=5"]
    argv += [f"--metrics-address={host}", f"--metrics-port={metrics}", "--allow-gpu-metrics=false"] \
        if metrics else ["--allow-metrics=false"]
    if load is not None:
        argv += ["--model-control-mode=explicit"] + [f"--load-model={name}" for name in load]
    if token:
        argv += [f"--http-restricted-api=model-repository:{TOKEN_HEADER}={token}",
                 f"--grpc-restricted-protocol=model-repository:{TOKEN_HEADER}={token}"]
    return argv


def repository_models(repository: Path) -> list[str]:
    """The model folders of a Triton repository (each with a ``config.pbtxt``), by name."""
    if not repository.is_dir():
        return []
    return sorted(p.name for p in repository.iterdir() if (p / "config.pbtxt").is_file())


def triton_spec(layout: HomeLayout, ports: LocalPorts, *, python: Path | None = None) -> ServerSpec:
    """The optional Triton of `layout`'s home over ``<home>/triton/models``; ServerEnvironmentError when its venv is
    missing, EmbeddedMDSError when the repository holds no model."""
    install = TritonInstall.find(python)
    models = repository_models(layout.triton_models)
    if not models:
        raise EmbeddedMDSError(f"{TRITON}: no model in {layout.triton_models} (the demo model is written there "
                               f"when the demo models are trained).")
    backends = install.prepare_backends(layout.triton_dir / "backends")
    return ServerSpec(
        name=TRITON, kind="triton", host=ports.host,
        argv=triton_argv(install.binary, layout.triton_models, backends, ports.host, ports.triton_http,
                         ports.triton_grpc, metrics=ports.triton_metrics),
        ports={"http": ports.triton_http, "grpc": ports.triton_grpc, "metrics": ports.triton_metrics},
        ready_paths=["/v2/health/ready"] + [f"/v2/models/{m}/ready" for m in models], models=models, core=False,
        env=install.environment(), failure_pattern=MODEL_LOAD_FAILURE,
    )


def triton_specs(layout: HomeLayout, ports: LocalPorts, failures: dict[str, str], *,
                 python: Path | None = None) -> list[ServerSpec]:
    """[the Triton spec], or [] with the reason in `failures` (what ``up`` records and ``status`` shows)."""
    try:
        return [triton_spec(layout, ports, python=python)]
    except EmbeddedMDSError as error:
        failures[TRITON] = str(error)
        return []
