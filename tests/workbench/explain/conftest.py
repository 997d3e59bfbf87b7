"""Explain fixtures: models picked by their schema (never by name), a client that counts its
requests, and a loopback proxy that delays every call to a real model server."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
import requests
from requests.adapters import HTTPAdapter

from mds_client import FeatureKind, MDSClient, ModelRef, ModelSchema, Transport


@dataclass
class Picked:
    ref: ModelRef
    schema: ModelSchema
    reference: pd.DataFrame


def _pick(refs, client, want) -> Picked:
    for ref in refs.values():
        if "test" in (ref.tags or ()) or ref.reference_data is None or not Path(ref.reference_data).exists():
            continue
        if client.status(ref).status != "ready":
            continue
        schema = client.schema(ref)
        if not schema.is_empty and want(schema):
            return Picked(ref, schema, pd.read_csv(ref.reference_data))
    pytest.skip("no model of that shape in the embedded MDS")


def _tabular(schema: ModelSchema) -> bool:
    return not any(f.is_tensor or f.kind == FeatureKind.TEXT for f in schema.features)


@pytest.fixture(scope="session")
def numeric_classifier(refs, client) -> Picked:
    """A classifier with only numeric inputs and class probabilities."""
    return _pick(refs, client, lambda s: s.task == "classification" and _tabular(s)
                 and all(f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) for f in s.features))


@pytest.fixture(scope="session")
def mixed_classifier(refs, client) -> Picked:
    """A classifier with at least one category input."""
    return _pick(refs, client, lambda s: s.task == "classification" and _tabular(s)
                 and any(f.kind == FeatureKind.CATEGORY for f in s.features))


@pytest.fixture(scope="session")
def regressor(refs, client) -> Picked:
    return _pick(refs, client, lambda s: s.task == "regression" and _tabular(s))


@pytest.fixture(scope="session")
def image_classifier(refs, client) -> Picked:
    return _pick(refs, client, lambda s: s.task == "classification" and len(s.features) == 1
                 and s.features[0].is_tensor and len(s.features[0].shape) == 2)


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
