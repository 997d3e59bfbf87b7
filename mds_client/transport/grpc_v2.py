"""The V2 gRPC transport: ``inference.GRPCInferenceService`` (ServerLive/Ready, ServerMetadata, ModelReady,
ModelMetadata, ModelInfer) on a model's ``grpc_url``, with the REST transport's timeouts, retries, auth and errors.

Every call answers what REST would (``Response``, whose ``json`` is the V2 document), so the client decodes both
alike. gRPC status codes become the same ``RequestError`` subclasses as HTTP statuses (``error_for_rpc``), worded
the same way. One channel per target, kept for the transport's life (a channel multiplexes every call on one
HTTP/2 connection). ``grpc`` itself is imported at the first call: an app that never calls gRPC does not pay the
import (about 0.1 s) or start gRPC's threads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from mds_client.errors import (
    ModelNotFound,
    ModelUnavailable,
    PayloadRejected,
    ProtocolError,
    RequestError,
    RequestTimeout,
    ServerError,
)
from mds_client.transport import grpc_messages as wire
from mds_client.transport.sessions import DEFAULT_RETRY, DEFAULT_TIMEOUT, Auth, Response, Retry, Timeout, ca_file

# Batches of 100,000 rows are tens of MB: gRPC's default cap of 4 MB per received message would refuse them.
CHANNEL_OPTIONS = (("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1))
# HTTP headers that mean nothing on gRPC (its own framing says them) and must not travel as metadata.
_HTTP_ONLY = frozenset({"content-type", "content-length", "host", "connection", "accept", "user-agent"})


@dataclass(frozen=True)
class Target:
    """Where a model's gRPC API is: ``host:port`` and whether the channel is TLS (``grpcs://``)."""

    address: str
    secure: bool = False
    authority: str = ""
    """The ``:authority`` the channel sends (a ``Host`` header's value: an ingress that routes on the host, as
    KServe's does); empty: the address."""

    @classmethod
    def parse(cls, grpc_url: str) -> Target:
        scheme, sep, rest = grpc_url.partition("://")
        address = (rest if sep else grpc_url).rstrip("/")
        return cls(address, secure=bool(sep) and scheme == "grpcs")

    def url(self, method: str) -> str:
        return f"{'grpcs' if self.secure else 'grpc'}://{self.address}/{wire.SERVICE}/{method}"


class GrpcTransport:
    def __init__(self, *, timeout: Timeout = DEFAULT_TIMEOUT, retry: Retry = DEFAULT_RETRY,
                 auth: Auth | None = None, raw_tensors: bool | None = None, verify: bool | str = True) -> None:
        self.timeout = timeout
        self.retry = retry
        self.auth = auth or Auth()
        self.verify = verify
        """The REST transport's ``verify``: a CA file trusts that file's certificates on ``grpcs://`` too (as does
        ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` when it is True); True alone, gRPC's default roots."""
        self.raw_tensors = raw_tensors
        """Tensors as ``raw_input_contents`` bytes (True) or typed ``contents`` (False); None: what the server reads
        fastest (``sends_raw``)."""
        self._raw_by_target: dict[Target, bool] = {}
        self._channels: dict[Target, Any] = {}
        self._stubs: dict[tuple[Target, str], Any] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
            self._stubs.clear()

    # -- the protocol's calls, each answering like REST ------------------------------------------------------------
    def infer(self, grpc_url: str, body: dict[str, Any], *, model: str, version: str = "",
              headers: dict[str, str] | None = None, timeout: Timeout | None = None,
              retry: Retry | None = None, label: str = "") -> Response:
        """``POST /v2/models/<m>/infer`` over gRPC: the request body in, the response document out. ``label`` is the
        model's name in messages when it is not ``model`` (the catalog's name of a V2 model)."""
        target = Target.parse(grpc_url)
        label = label or model
        try:
            request = wire.encode_infer(body, model=model, version=version, raw=self.sends_raw(grpc_url, headers))
        except ValueError as exc:
            raise PayloadRejected(f"{_who(label)}: the request cannot go over gRPC: {exc}.", model=label,
                                  url=target.url("ModelInfer")) from None
        answer, trailers, elapsed = self._call(target, "ModelInfer", request, model=label, headers=headers,
                                               timeout=timeout, retry=retry)
        try:
            doc = wire.decode_infer(answer)
        except ValueError as exc:
            raise ProtocolError(f"{_who(label)} answered over gRPC, but {exc}.", model=label,
                                url=target.url("ModelInfer")) from None
        return _response(doc, trailers, elapsed, target.url("ModelInfer"))

    def model_metadata(self, grpc_url: str, *, model: str, version: str = "", headers: dict[str, str] | None = None,
                       timeout: Timeout | None = None) -> Response:
        target = Target.parse(grpc_url)
        request = wire.messages().ModelMetadataRequest(name=model, version=version)
        answer, trailers, elapsed = self._call(target, "ModelMetadata", request, model=model, headers=headers,
                                               timeout=timeout)
        return _response(wire.metadata_doc(answer), trailers, elapsed, target.url("ModelMetadata"))

    def model_ready(self, grpc_url: str, *, model: str, version: str = "", headers: dict[str, str] | None = None,
                    timeout: Timeout | None = None, retry: Retry | None = None) -> bool:
        request = wire.messages().ModelReadyRequest(name=model, version=version)
        answer, _, _ = self._call(Target.parse(grpc_url), "ModelReady", request, model=model, headers=headers,
                                  timeout=timeout, retry=retry)
        return bool(answer.ready)

    def server_metadata(self, grpc_url: str, *, headers: dict[str, str] | None = None,
                        timeout: Timeout | None = None, retry: Retry | None = None) -> Response:
        target = Target.parse(grpc_url)
        answer, trailers, elapsed = self._call(target, "ServerMetadata", wire.messages().ServerMetadataRequest(),
                                               headers=headers, timeout=timeout, retry=retry)
        doc = {"name": answer.name, "version": answer.version, "extensions": list(answer.extensions)}
        return _response(doc, trailers, elapsed, target.url("ServerMetadata"))

    def server_live(self, grpc_url: str, *, timeout: Timeout | None = None, retry: Retry | None = None) -> bool:
        answer, _, _ = self._call(Target.parse(grpc_url), "ServerLive", wire.messages().ServerLiveRequest(),
                                  timeout=timeout, retry=retry)
        return bool(answer.live)

    def server_ready(self, grpc_url: str, *, timeout: Timeout | None = None, retry: Retry | None = None) -> bool:
        answer, _, _ = self._call(Target.parse(grpc_url), "ServerReady", wire.messages().ServerReadyRequest(),
                                  timeout=timeout, retry=retry)
        return bool(answer.ready)

    def sends_raw(self, grpc_url: str, headers: dict[str, str] | None = None) -> bool:
        """Whether tensors go to this server as ``raw_input_contents``. Measured (bench/grpc_vs_rest.py): Triton reads
        raw bytes fastest (100,000 rows x 2 FP32: 24 ms raw, 39 ms typed); MLServer unpacks raw bytes in Python and
        reads typed contents faster (10,000 mixed rows: 101 ms raw, 87 ms typed). The server's name comes from
        ServerMetadata, asked once per server; a server that does not say gets raw bytes, the protocol's own."""
        if self.raw_tensors is not None:
            return self.raw_tensors
        target = Target.parse(grpc_url)
        known = self._raw_by_target.get(target)
        if known is None:
            try:
                name = self.server_metadata(grpc_url, headers=headers, retry=Retry(attempts=1),
                                            timeout=Timeout(self.timeout.connect, min(self.timeout.read, 5.0))).json()["name"]
            except RequestError:
                return True  # not remembered: the next call asks again
            known = self._raw_by_target[target] = "mlserver" not in str(name).lower()
        return known

    # -- one call with retries --------------------------------------------------------------------------------------
    def _call(self, target: Target, method: str, request: Any, *, model: str = "",
              headers: dict[str, str] | None = None, timeout: Timeout | None = None,
              retry: Retry | None = None) -> tuple[Any, dict[str, str], float]:
        import grpc  # the one import of grpc (see the module's docstring)

        timeout = timeout or self.timeout
        retry = retry or self.retry
        host = next((v for k, v in (headers or {}).items() if k.lower() == "host"), "")
        if host:  # gRPC says the host in the channel's :authority, not in metadata
            target = Target(target.address, target.secure, host)
        stub = self._stub(target, method, model=model)
        metadata = [(k.lower(), v) for k, v in self.auth.apply(dict(headers or {})).items()
                    if k.lower() not in _HTTP_ONLY]
        last: RequestError | None = None
        for attempt in range(max(1, retry.attempts)):
            if attempt:
                time.sleep(retry.delay(attempt - 1))
            started = time.perf_counter()
            try:
                answer, call = stub.with_call(request, timeout=timeout.connect + timeout.read, metadata=metadata)
            except grpc.RpcError as exc:
                last = error_for_rpc(exc, target=target, method=method, model=model, timeout=timeout)
                # Only what never reached a model is worth sending again (ModelInfer is idempotent, as over REST).
                if isinstance(last, ModelUnavailable):
                    continue
                raise last from None
            trailers = {k: v for k, v in (call.trailing_metadata() or ()) if isinstance(v, str)}
            return answer, trailers, (time.perf_counter() - started) * 1000.0
        assert last is not None
        raise last

    def _stub(self, target: Target, method: str, *, model: str = "") -> Any:
        with self._lock:
            stub = self._stubs.get((target, method))
            if stub is None:
                channel = self._channels.get(target)
                if channel is None:
                    channel = _open_channel(target, self.verify, model=model)
                    self._channels[target] = channel
                request_type = wire.messages().__dict__[f"{method}Request"]
                response_type = wire.messages().__dict__[f"{method}Response"]
                stub = channel.unary_unary(f"/{wire.SERVICE}/{method}", request_serializer=request_type.SerializeToString,
                                           response_deserializer=response_type.FromString)
                self._stubs[(target, method)] = stub
            return stub


def channel_options(target: Target) -> tuple[tuple[str, Any], ...]:
    """The channel's options: no message size cap, and the target's ``:authority`` when it names one."""
    return CHANNEL_OPTIONS + ((("grpc.default_authority", target.authority),) if target.authority else ())


def _open_channel(target: Target, verify: bool | str, *, model: str = "") -> Any:
    import grpc

    if target.secure:
        roots = _ca_certificates(ca_file(verify), target, model)
        return grpc.secure_channel(target.address, grpc.ssl_channel_credentials(root_certificates=roots),
                                   options=channel_options(target))
    return grpc.insecure_channel(target.address, options=channel_options(target))


def _ca_certificates(path: str | None, target: Target, model: str) -> bytes | None:
    """The PEM certificates of the CA file (None: gRPC's default roots); a file that cannot be read is said so."""
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ModelUnavailable(f"{_who(model)}: cannot read the CA file {path} for {target.address} ({exc.strerror}).",
                               model=model, url=target.url("")) from None


def _response(doc: dict[str, Any], trailers: dict[str, str], elapsed_ms: float, url: str) -> Response:
    return _GrpcResponse(200, trailers, b"", elapsed_ms, url, doc)


@dataclass
class _GrpcResponse(Response):
    """A ``Response`` whose document is already decoded (a gRPC answer never was JSON text)."""

    doc: Any = None

    def json(self, *, model: str = "") -> Any:
        return self.doc


def error_for_rpc(exc: Any, *, target: Target, method: str, model: str = "", timeout: Timeout) -> RequestError:
    """The typed error for a failed gRPC call, worded as the REST transport words the HTTP one."""
    import grpc

    code = exc.code() if callable(getattr(exc, "code", None)) else None
    details = (exc.details() if callable(getattr(exc, "details", None)) else "") or ""
    who = _who(model)
    url = target.url(method)
    kwargs: dict[str, Any] = {"model": model, "url": url, "body": details}
    lowered = details.lower()
    if "unknown model" in lowered or "not found" in lowered or code == grpc.StatusCode.NOT_FOUND:
        return ModelNotFound(f"{who} was not found on the server (gRPC {_name(code)} at {target.address}): {details}",
                             **kwargs)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return RequestTimeout(f"{who} did not answer within {timeout.connect + timeout.read:g} s "
                              f"({target.address}, gRPC).", model=model, url=url)
    if code == grpc.StatusCode.UNAVAILABLE:
        if "http1" in lowered or "http/1" in lowered or ("frame" in lowered and "malformed" in lowered):
            return ProtocolError(f"{who}: {target.address} answers HTTP/1, not gRPC: is the catalog's grpc_url the "
                                 "server's gRPC port (MLServer's grpc_port, Triton's --grpc-port)?", **kwargs)
        return ModelUnavailable(f"{who} not reachable over gRPC ({_reason(lowered)} at {target.address}).", **kwargs)
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return ProtocolError(f"{who}: the server at {target.address} does not serve the V2 gRPC API "
                             f"({wire.SERVICE}/{method}): {details}", **kwargs)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.OUT_OF_RANGE,
                grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.PERMISSION_DENIED):
        return PayloadRejected(f"{who} refused the request (gRPC {_name(code)}): {details}", **kwargs)
    if code == grpc.StatusCode.CANCELLED:
        return ModelUnavailable(f"{who}: the gRPC call was cancelled ({target.address}): {details}", **kwargs)
    return ServerError(f"{who} failed while answering (gRPC {_name(code)}): {details}", **kwargs)


def _name(code: Any) -> str:
    return getattr(code, "name", str(code))


def _reason(details: str) -> str:
    if "connection refused" in details or "connect failed" in details:
        return "connection refused"
    if "dns" in details or "name resolution" in details or "not known" in details:
        return "host name not found"
    if "reset" in details or "socket closed" in details:
        return "the connection was reset"
    return "connection failed"


def _who(model: str) -> str:
    return f"Model '{model}'" if model else "The server"
