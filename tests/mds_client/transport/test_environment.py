"""What requests reads from the environment still holds now that the transport reads it once per origin instead of on
every call: HTTP(S)_PROXY (and NO_PROXY), REQUESTS_CA_BUNDLE, ~/.netrc (NETRC). A small loopback server stands in
for the proxy (a forward proxy cannot run here otherwise) and records what reached it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from mds_client import MDSClient, ModelRef, ModelUnavailable, Timeout, Transport
from mds_client.transport.sessions import Retry

GOOD_V2 = b'{"model_name":"m","id":"r1","outputs":[{"name":"predict","datatype":"FP64","shape":[1,1],"data":[4.2]}]}'
FRAME = pd.DataFrame({"x": [1.0]})


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.seen: list[tuple[str, str]] = []  # (request target, Authorization header)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Answer(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.path, self.headers.get("Authorization", "")))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(GOOD_V2)))
        self.end_headers()
        self.wfile.write(GOOD_V2)


@pytest.fixture
def recorder():
    server = Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def _client() -> MDSClient:
    return MDSClient(Transport(timeout=Timeout(1.0, 2.0), retry=Retry(attempts=1)))


def test_calls_go_through_the_proxy_the_environment_names(recorder, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    client = _client()
    for _ in range(2):  # the second call uses what the first resolved
        assert client.predict(ModelRef("m", "v2", "http://models.example.invalid:8080"), FRAME).values == [4.2]
    assert [path for path, _ in recorder.seen] == ["http://models.example.invalid:8080/v2/models/m/infer"] * 2


def test_no_proxy_sends_that_host_directly(recorder, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    monkeypatch.setenv("NO_PROXY", "models.example.invalid")
    with pytest.raises(ModelUnavailable, match="host name not found"):
        _client().predict(ModelRef("m", "v2", "http://models.example.invalid:8080"), FRAME)
    assert recorder.seen == []


def test_the_ca_bundle_of_the_environment_is_used_unless_verify_says_otherwise(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert Transport().session_for("https://models.example.invalid/v2").verify == str(bundle)
    assert Transport(verify=False).session_for("https://models.example.invalid/v2").verify is False
    assert Transport(verify="/etc/own.pem").session_for("https://models.example.invalid/v2").verify == "/etc/own.pem"


def test_a_netrc_login_for_the_host_is_sent(recorder, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login analyst password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    _client().predict(ModelRef("m", "v2", recorder.url), FRAME)
    assert recorder.seen[0][1].startswith("Basic ")
