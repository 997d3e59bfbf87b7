"""A model server of its own for the publish tests (the session fixture ``publish_server``): a real MLServer with an empty model repository, so
that publishing never changes the session's embedded MDS that other tests read."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from embedded_mds import processes
from embedded_mds.layout import mlserver_python, write_json
from embedded_mds.ports import LocalPorts
from embedded_mds.server_specs import MLSERVER, mlserver_argv, mlserver_settings, server_env
from workbench.publish import ServingTarget


@dataclass
class PublishServer:
    home: Path
    url: str
    pid: int

    @property
    def target(self) -> ServingTarget:
        return ServingTarget(self.home, self.url)


def start_publish_server(home: Path) -> PublishServer:
    """A real MLServer on free ports with an empty model repository under ``home`` (and the state.json that
    ``mds publish --home`` reads); RuntimeError with its log tail if it does not start."""
    models = home / "models"
    models.mkdir(parents=True, exist_ok=True)
    ports = LocalPorts.free()
    write_json(models / "settings.json", mlserver_settings(ports.host, ports.mlserver_http, ports.mlserver_grpc,
                                                           ports.mlserver_metrics))
    process = processes.start_process(mlserver_argv(mlserver_python(), models), log_path=home / "mlserver.log",
                                      env=server_env(), cwd=home)
    url = f"http://{ports.host}:{ports.mlserver_http}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"{url}/v2/health/ready", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            processes.stop_group(process.pid)
            raise RuntimeError(f"MLServer did not start: {(home / 'mlserver.log').read_text()[-3000:]}")
        time.sleep(0.3)
    # what `mds local up` records, so that `mds publish --home` finds this server
    (home / "state.json").write_text(json.dumps({"home": str(home), "servers": [{"name": MLSERVER, "url": url}]}))
    return PublishServer(home, url, process.pid)


@pytest.fixture(scope="session")
def publish_server(tmp_path_factory) -> PublishServer:
    server = start_publish_server(tmp_path_factory.mktemp("publish-home"))
    yield server
    processes.stop_group(server.pid)
