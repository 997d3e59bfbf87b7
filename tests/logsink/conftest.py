"""A real sink process (``python -m logsink`` under uvicorn) on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sink:
    url: str
    database_url: str
    process: subprocess.Popen
    log: Path

    def engine(self):  # type: ignore[no-untyped-def]
        from workbench.store import make_engine

        return make_engine(self.database_url)


def start_sink(tmp: Path, catalog: Path | None) -> Sink:
    port = free_port()
    db = f"sqlite:///{tmp / 'sink.db'}"
    log = tmp / "sink.log"
    argv = [sys.executable, "-m", "logsink", "--port", str(port), "--database-url", db]
    if catalog is not None:
        argv += ["--catalog", str(catalog)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/health", process)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}: {log.read_text()[-2000:]}") from None
    return Sink(url, db, process, log)


def wait_http(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Until ``url`` answers 200; RuntimeError if ``process`` exits or time runs out (killed then)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server not ready")


def stop_sink(sink: Sink) -> None:
    sink.process.terminate()
    try:
        sink.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sink.process.kill()


@pytest.fixture(scope="module")
def sink_catalog(tmp_path_factory) -> Path:
    """Two made-up models; nothing serves them (the sink reads payloads without their servers)."""
    path = tmp_path_factory.mktemp("sink-catalog") / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [
        {"name": "flowers", "protocol": "seldon", "url": "http://127.0.0.1:9", "log_name": "flowers-sdep"},
        {"name": "prices", "protocol": "v2", "url": "http://127.0.0.1:9", "model": "prices-model"},
    ]}))
    return path


@pytest.fixture(scope="module")
def sink(tmp_path_factory, sink_catalog):
    running = start_sink(tmp_path_factory.mktemp("sink"), sink_catalog)
    yield running
    stop_sink(running)
