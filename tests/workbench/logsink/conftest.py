"""A real sink process (``python -m workbench.logsink`` under uvicorn) on a free loopback port."""

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

REPO = Path(__file__).resolve().parents[3]


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
    argv = [sys.executable, "-m", "workbench.logsink", "--port", str(port), "--database-url", db]
    if catalog is not None:
        argv += ["--catalog", str(catalog)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sink exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return Sink(url, db, process, log)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"sink not ready: {log.read_text()[-2000:]}")


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
