"""Where a model found in Kubernetes answers over V2 gRPC: only where an operator says so, never a guess.

Two ways, the first winning:

- the annotation ``mds.workbench/grpc-url: grpc://host:port`` (``grpcs://`` for TLS) on the SeldonDeployment,
  Seldon Core 2 Model / Pipeline / Experiment or KServe InferenceService: that address, called as it is;
- the discovery-wide gRPC ingress (``WORKBENCH_KUBE_GRPC_URL``), with the routing the REST path uses through
  its ingress: Seldon Core 2's ``Seldon-Model`` header (already on the ref), Seldon Core v1's ``seldon`` and
  ``namespace`` metadata, KServe's host (the ``Host`` header, the channel's ``:authority`` over gRPC).

``mds.workbench/transport: grpc`` makes gRPC the model's transport (the app's calls go over it; the CLI's
``--transport grpc`` does the same per call). Only V2 models have the V2 gRPC API. An annotation that cannot be
used is ignored and the model card's ``grpc`` field says why, so nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

GRPC_URL_ANNOTATION = "mds.workbench/grpc-url"
TRANSPORT_ANNOTATION = "mds.workbench/transport"
_CARD_KEYS = ("grpc_url", "transport")  # the two annotations as card_from_annotations names them


def grpc_url_problem(url: str) -> str:
    """Why ``url`` is not ``grpc://host:port`` / ``grpcs://host:port`` (``""`` when it is)."""
    scheme, sep, address = url.strip().partition("://")
    host, _, port = address.rstrip("/").rpartition(":")
    if not sep or scheme not in ("grpc", "grpcs"):
        return "it must start with grpc:// (grpcs:// for TLS)"
    if not host or not port.isdigit() or "/" in address.rstrip("/"):
        return "it must be host:port after the scheme, with no path"
    return ""


def grpc_fields(card: dict[str, Any], protocol: str, *, ingress: str = "",
                routing: dict[str, str] | None = None) -> dict[str, Any]:
    """``grpc_url``, ``transport`` and the routing ``headers`` for a ref, from the annotations left in ``card``
    (taken out of it) and the gRPC ``ingress``; a reason the annotations were ignored goes to ``card["grpc"]``."""
    stated = {key: str(card.pop(key)).strip() for key in _CARD_KEYS if key in card}
    notes: list[str] = []
    grpc_url, headers = "", {}
    annotated = stated.get("grpc_url", "")
    if annotated and protocol != "v2":
        notes.append(f"{GRPC_URL_ANNOTATION} ignored: a {protocol} model has no V2 gRPC API")
    elif annotated and (problem := grpc_url_problem(annotated)):
        notes.append(f"{GRPC_URL_ANNOTATION} {annotated!r} ignored: {problem}")
    elif annotated:
        grpc_url = annotated.rstrip("/")
    elif ingress and protocol == "v2":
        grpc_url, headers = ingress.rstrip("/"), dict(routing or {})
    transport = stated.get("transport", "").lower()
    if transport and transport not in ("rest", "grpc"):
        notes.append(f"{TRANSPORT_ANNOTATION} {stated['transport']!r} ignored: it is rest or grpc")
        transport = ""
    elif transport == "grpc" and not grpc_url:
        notes.append(f"{TRANSPORT_ANNOTATION} grpc ignored: the model has no usable gRPC address")
        transport = ""
    if notes:
        card["grpc"] = "; ".join(notes) + "."
    return {"grpc_url": grpc_url, "transport": transport or "rest", "routing": headers}
