"""Faults we cannot get from a healthy server, injected by a small loopback server.

It replays the bodies MLServer and seldon-core really send in those cases;
each fault must surface as its typed error with the server's own words.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from mds_client import (
    MDSClient,
    ModelNotFound,
    ModelRef,
    ModelUnavailable,
    PayloadRejected,
    ProtocolError,
    RequestTimeout,
    ServerError,
    Timeout,
    Transport,
)
from mds_client.transport.sessions import Retry

MLSERVER_404 = b'{"error":"Model wine with version  not found"}'
SELDON_400 = (b'{"status":{"code":-1,"info":"Unknown data type returned as payload (must be list or np array):None",'
              b'"reason":"MICROSERVICE_BAD_DATA","status":1}}')
MLSERVER_500 = b'{"error":"ValueError: X has 3 features, but StandardScaler is expecting 13 features as input."}'
GOOD_V2 = b'{"model_name":"m","id":"r1","outputs":[{"name":"predict","datatype":"FP64","shape":[1,1],"data":[4.2]}]}'


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: list[tuple[int, bytes, float]] = []
        self.hits = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self):
        server: FaultServer = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        server.hits += 1
        status, body, delay = server.script.pop(0) if len(server.script) > 1 else server.script[0]
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = _answer  # noqa: N815 - http.server names
    do_POST = _answer  # noqa: N815


@pytest.fixture
def fault_server():
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def client(**kw):
    return MDSClient(Transport(timeout=Timeout(1.0, kw.pop("read", 2.0)), retry=Retry(attempts=3, backoff=0.01), **kw))


FRAME = pd.DataFrame({"x": [1.0]})


@pytest.mark.parametrize("status,body,error,words", [
    (404, MLSERVER_404, ModelNotFound, "not found"),
    (400, SELDON_400, PayloadRejected, "MICROSERVICE_BAD_DATA"),
    (422, b'{"detail":[{"loc":["body","inputs"],"msg":"field required"}]}', PayloadRejected, "body.inputs: field required"),
    (500, MLSERVER_500, ServerError, "expecting 13 features"),
    (200, b"<html>proxy error</html>", ProtocolError, "not JSON"),
    (200, b'{"unexpected": true}', ProtocolError, "does not read as v2"),
])
def test_each_fault_has_its_typed_error_and_the_servers_words(fault_server, status, body, error, words):
    fault_server.script = [(status, body, 0.0)]
    ref = ModelRef("wine", "v2", fault_server.url)
    with pytest.raises(error) as info:
        client().predict(ref, FRAME)
    assert words in str(info.value)
    assert "wine" in str(info.value)
    assert info.value.model == "wine"


def test_slow_server_times_out_with_the_read_timeout_named(fault_server):
    fault_server.script = [(200, GOOD_V2, 1.5)]
    with pytest.raises(RequestTimeout, match=r"did not answer within 0\.5 s"):
        MDSClient(Transport(timeout=Timeout(1.0, 0.5), retry=Retry(attempts=1))).predict(
            ModelRef("slow", "v2", fault_server.url), FRAME)


def test_503_is_retried_then_succeeds(fault_server):
    fault_server.script = [(503, b'{"error":"loading"}', 0.0), (200, GOOD_V2, 0.0)]
    prediction = client().predict(ModelRef("m", "v2", fault_server.url), FRAME)
    assert prediction.values == [4.2] and fault_server.hits == 2


def test_feedback_is_not_retried_after_a_5xx(fault_server):
    fault_server.script = [(502, b"bad gateway", 0.0), (200, b"{}", 0.0)]
    with pytest.raises(ServerError):
        client().send_feedback(ModelRef("m", "seldon", fault_server.url), request={}, response={}, reward=1)
    assert fault_server.hits == 1


def test_server_down_names_the_address_and_asks_if_it_runs():
    ref = ModelRef("gone", "seldon", "http://127.0.0.1:9")
    with pytest.raises(ModelUnavailable) as info:
        client().predict(ref, FRAME)
    text = str(info.value)
    assert "connection refused at 127.0.0.1:9" in text and "Is the server running?" in text


def test_bearer_token_and_headers_are_sent(fault_server):
    seen = {}

    class Capture(Handler):
        def do_POST(self):
            seen.update(self.headers)
            super().do_POST()

    fault_server.RequestHandlerClass = Capture
    fault_server.script = [(200, GOOD_V2, 0.0)]
    from mds_client import Auth

    MDSClient(Transport(auth=Auth(token="s3cret"))).predict(
        ModelRef("m", "v2", fault_server.url, headers={"Seldon-Model": "m"}), FRAME)
    assert seen["Authorization"] == "Bearer s3cret" and seen["Seldon-Model"] == "m"
    assert seen["Content-Type"] == "application/json" and len(seen["x-request-id"]) == 32


def test_status_reports_reason_instead_of_raising():
    ref = MDSClient().status(ModelRef("gone", "v2", "http://127.0.0.1:9"))
    assert ref.status == "not ready" and "connection refused" in ref.status_reason
