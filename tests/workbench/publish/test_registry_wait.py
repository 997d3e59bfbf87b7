"""Publishing waits for the embedded MDS's own registry while it starts, and for no other registry."""

from __future__ import annotations

import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from embedded_mds.layout import HomeLayout, write_json
from embedded_mds.mlflow_server import MLFLOW
from mds_client.registry import MlflowRegistry, RegistryError
from workbench.publish import versions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # http.server's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args) -> None:
        pass


def test_the_embedded_registry_that_is_starting_is_waited_for(tmp_path, monkeypatch):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    write_json(HomeLayout(tmp_path).state, {"servers": [{"name": MLFLOW, "url": url, "pid": os.getpid()}]})
    server = ThreadingHTTPServer(("127.0.0.1", port), Health, bind_and_activate=False)
    starts = threading.Timer(1.0, lambda: (server.server_bind(), server.server_activate(), server.serve_forever()))
    starts.start()
    began = time.monotonic()
    try:
        versions.registry_answering(MlflowRegistry(url), tmp_path)
        assert time.monotonic() - began >= 0.9
    finally:
        server.shutdown()
        starts.join()
        server.server_close()


@pytest.mark.parametrize("pid", [None, 2**22 + 7])
def test_a_registry_that_is_not_the_embedded_one_starting_is_refused_at_once(tmp_path, monkeypatch, pid):
    monkeypatch.setattr(versions, "REGISTRY_START_S", 30.0)
    url = f"http://127.0.0.1:{free_port()}"
    servers = [] if pid is None else [{"name": MLFLOW, "url": url, "pid": pid}]  # a dead process: not starting
    write_json(HomeLayout(tmp_path).state, {"servers": servers})
    began = time.monotonic()
    with pytest.raises(RegistryError, match="is not answering"):
        versions.registry_answering(MlflowRegistry(url), tmp_path)
    assert time.monotonic() - began < 5
