"""Explain fixtures: models picked by their schema (never by name, see tests/workbench/picked_models.py),
a client that counts its requests, and a loopback proxy that delays every call to a real model server."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from requests.adapters import HTTPAdapter

from mds_client import MDSClient, ModelRef, Transport
from tests.workbench.picked_models import image_classifier, mixed_classifier, numeric_classifier, regressor

__all__ = ["image_classifier", "mixed_classifier", "numeric_classifier", "regressor"]


class CountingAdapter(HTTPAdapter):
    def __init__(self, counter: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.counter = counter

    def send(self, request, **kwargs):
        self.counter.append(f"{request.method} {request.url}")
        return super().send(request, **kwargs)


@pytest.fixture
def counting_client():
    """An MDSClient whose every HTTP request is recorded in ``client.sent``."""
    sent: list[str] = []
    client = MDSClient(Transport(adapter_factory=lambda: CountingAdapter(sent, pool_maxsize=4, max_retries=0)))
    client.sent = sent
    yield client
    client.close()


@pytest.fixture
def slow_proxy():
    """``make(ref, delay)`` -> the ref pointed at a loopback proxy that waits ``delay`` s per call."""
    servers = []

    def make(ref: ModelRef, delay: float) -> ModelRef:
        target = ref.endpoint.rstrip("/")

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                time.sleep(delay)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    answer = requests.request(self.command, target + self.path, data=body, timeout=30,
                                              headers={"Content-Type": "application/json"})
                    self.send_response(answer.status_code)
                    self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except (requests.RequestException, BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first: that is the point of the test

            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return replace(ref, endpoint=f"http://127.0.0.1:{server.server_address[1]}")

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()
