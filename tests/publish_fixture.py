"""A model server of its own for the publish tests (the session fixture ``publish_server``): a real MLServer with an empty model repository, so
that publishing never changes the session's embedded MDS that other tests read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from embedded_mds import processes
from embedded_mds.server_specs import MLSERVER
from tests.mlserver_fixture import start_mlserver
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
    process, _ports, url = start_mlserver(home / "models", home)
    # what `mds local up` records, so that `mds publish --home` finds this server
    (home / "state.json").write_text(json.dumps({"home": str(home), "servers": [{"name": MLSERVER, "url": url}]}))
    return PublishServer(home, url, process.pid)


@pytest.fixture(scope="session")
def publish_server(tmp_path_factory) -> PublishServer:
    server = start_publish_server(tmp_path_factory.mktemp("publish-home"))
    yield server
    processes.stop_group(server.pid)
