"""What ``MDSClient`` asks over the V2 gRPC API for a ref whose ``transport`` is ``grpc``: readiness (ModelReady), the
server's identity (ServerMetadata) and where the API is. Inference is ``GrpcTransport.infer``, called by the client.

The schema still comes from REST metadata: gRPC's ``ModelMetadata`` carries only scalar parameters, and MLServer
drops the lists (``class_names``, ``categories``) the schema convention keeps there.
"""

from __future__ import annotations

from mds_client.errors import CatalogError, RequestError
from mds_client.refs import ModelRef
from mds_client.server_info import ServerInfo, read_server_info
from mds_client.transport.grpc_v2 import GrpcTransport
from mds_client.transport.sessions import NO_RETRY, Timeout

QUICK = Timeout(2.0, 5.0)
"""Readiness and the server's name: asked often (every model on the Models page), never worth a long wait."""


def grpc_url_of(ref: ModelRef) -> str:
    """Where ``ref``'s V2 gRPC API is; CatalogError when it has none (``--transport grpc`` on a model without one)."""
    if ref.protocol != "v2":
        raise CatalogError(f"Model '{ref.name}' speaks {ref.protocol}; gRPC is for V2 models only.",
                           hint="Call it without --transport grpc.")
    if not ref.grpc_url:
        raise CatalogError(f"Model '{ref.name}' has no grpc_url in the catalog, so it cannot be called over gRPC.",
                           hint="Add grpc_url: grpc://host:port (the server's gRPC port) to its entry, or call it "
                                "over REST.")
    return ref.grpc_url


def grpc_status(grpc: GrpcTransport, ref: ModelRef) -> ModelRef:
    """``MDSClient.status`` over gRPC: ready / not ready and the reason in plain words."""
    try:
        ready = grpc.model_ready(grpc_url_of(ref), model=ref.v2_name, version=_version(ref), headers=ref.headers,
                                 retry=NO_RETRY, timeout=QUICK)
    except (RequestError, CatalogError) as exc:
        return ref.with_status("not ready", exc.message)
    return ref.with_status("ready") if ready else ref.with_status("not ready", "ModelReady answered false")


def grpc_server_info(grpc: GrpcTransport, ref: ModelRef, timeout: Timeout | None = None) -> ServerInfo:
    """``MDSClient.server_info`` over gRPC (ServerMetadata); ``ServerInfo()`` when the server does not say."""
    try:
        answer = grpc.server_metadata(grpc_url_of(ref), headers=ref.headers, retry=NO_RETRY, timeout=timeout or QUICK)
    except (RequestError, CatalogError):
        return ServerInfo()
    return read_server_info(answer.json())


def _version(ref: ModelRef) -> str:
    return ref.version if ref.version_in_path else ""
