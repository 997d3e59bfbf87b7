"""Every call carries a W3C traceparent; a prediction's trace id is stored with it and shown on its History case."""

from __future__ import annotations

import dataclasses
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pandas as pd
import pytest

from mds_client import MDSClient
from mds_client.transport.tracing import is_trace_id, trace_id_of, trace_link
from workbench.predict.service import predict
from workbench.store import get_prediction


class RecordingProxy:
    """A loopback listener in front of a real model server: records each request's headers, forwards it."""

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.seen: list[dict[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def _forward(self) -> None:
                proxy.seen.append({k.lower(): v for k, v in self.headers.items()})
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = _forward  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def v2_ref(refs):
    ref = next(r for r in refs.values() if r.protocol == "v2" and r.reference_data is not None)
    proxy = RecordingProxy(ref.endpoint)
    yield dataclasses.replace(ref, endpoint=proxy.url), proxy
    proxy.close()


def test_traceparent_reaches_the_server_and_its_id_is_stored(v2_ref, engine) -> None:
    ref, proxy = v2_ref
    client = MDSClient()
    schema = client.schema(ref)
    values = schema.example(pd.read_csv(ref.reference_data))
    outcome = predict(client, engine, ref, schema, values, user="ana")
    assert outcome.error is None, outcome.error
    assert len(proxy.seen) >= 2 and all("traceparent" in h for h in proxy.seen), "metadata calls carry one too"
    infer = proxy.seen[-1]
    trace_id = trace_id_of(infer["traceparent"])
    assert is_trace_id(trace_id) and infer["traceparent"].startswith("00-") and infer["traceparent"].endswith("-01")
    row = get_prediction(engine, outcome.prediction_id)
    assert row.trace_id == trace_id
    again = predict(client, engine, ref, schema, values, user="ana")
    assert get_prediction(engine, again.prediction_id).trace_id != trace_id, "a new trace per call"
    client.close()


def test_failed_call_keeps_its_trace_id(refs, engine) -> None:
    ref = next(r for r in refs.values() if r.protocol == "v2" and r.reference_data is not None)
    dead = dataclasses.replace(ref, endpoint="http://127.0.0.1:9")
    client = MDSClient()
    schema = client.schema(ref)
    outcome = predict(client, engine, dead, schema, schema.example(pd.read_csv(ref.reference_data)), user="ana")
    assert outcome.error
    assert is_trace_id(get_prediction(engine, outcome.prediction_id).trace_id)
    client.close()


def test_trace_link_only_ever_holds_the_hex_id() -> None:
    template = "http://jaeger:16686/trace/{trace_id}"
    assert trace_link(template, "a" * 32) == "http://jaeger:16686/trace/" + "a" * 32
    assert trace_link(template, "<script>") is None
    assert trace_link(template, "A" * 32) is None and trace_link("", "a" * 32) is None
