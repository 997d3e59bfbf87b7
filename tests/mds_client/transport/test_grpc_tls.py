"""``grpcs://`` trusts the CA file the REST transport trusts (``Transport(verify=path)``, or REQUESTS_CA_BUNDLE), against
a TLS gRPC server in this process whose certificate is signed by a CA made here with openssl (no server here speaks
TLS out of the box)."""

from __future__ import annotations

import subprocess
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from mds_client import MDSClient, ModelRef, Transport
from mds_client.errors import ModelUnavailable
from mds_client.transport import grpc_messages as wire
from mds_client.transport.grpc_v2 import GrpcTransport
from mds_client.transport.sessions import Retry, Timeout

QUICK = {"timeout": Timeout(2.0, 3.0), "retry": Retry(attempts=1)}


def _openssl(*argv: str, cwd: Path) -> None:
    subprocess.run(["openssl", *argv], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """(grpcs URL, CA file): a ServerLive/ServerMetadata server on 127.0.0.1 with a certificate for that address."""
    folder = tmp_path_factory.mktemp("grpc-tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA", "-keyout", "ca.key",
             "-out", "ca.pem", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out",
             "server.csr", cwd=folder)
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", "san.cnf", "-out", "server.pem", cwd=folder)
    m = wire.messages()
    handler = grpc.method_handlers_generic_handler(wire.SERVICE, {
        "ServerLive": grpc.unary_unary_rpc_method_handler(
            lambda request, context: m.ServerLiveResponse(live=True),
            request_deserializer=m.ServerLiveRequest.FromString, response_serializer=m.ServerLiveResponse.SerializeToString),
        "ServerMetadata": grpc.unary_unary_rpc_method_handler(
            lambda request, context: m.ServerMetadataResponse(name="tls-test", version="1"),
            request_deserializer=m.ServerMetadataRequest.FromString,
            response_serializer=m.ServerMetadataResponse.SerializeToString)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    credentials = grpc.ssl_server_credentials([((folder / "server.key").read_bytes(), (folder / "server.pem").read_bytes())])
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    yield f"grpcs://127.0.0.1:{port}", folder / "ca.pem"
    server.stop(grace=None)


def test_the_rest_transports_ca_file_is_trusted_over_grpcs(tls_server):
    url, ca = tls_server
    assert GrpcTransport(verify=str(ca), **QUICK).server_live(url) is True
    client = MDSClient(Transport(verify=str(ca), **QUICK))  # what the client hands its gRPC transport
    ref = ModelRef(name="m", protocol="v2", endpoint="", grpc_url=url, transport="grpc")
    assert client.server_info(ref).name == "tls-test"
    client.close()


def test_the_ca_bundle_of_the_environment_is_trusted_too(tls_server, monkeypatch):
    url, ca = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    assert GrpcTransport(**QUICK).server_live(url) is True


def test_without_the_ca_the_certificate_is_refused(tls_server, monkeypatch):
    url, _ = tls_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(ModelUnavailable, match="not reachable over gRPC"):
        GrpcTransport(**QUICK).server_live(url)


def test_a_ca_file_that_cannot_be_read_is_named(tls_server, tmp_path):
    url, _ = tls_server
    with pytest.raises(ModelUnavailable, match=r"cannot read the CA file .*missing\.pem"):
        GrpcTransport(verify=str(tmp_path / "missing.pem"), **QUICK).server_live(url)
