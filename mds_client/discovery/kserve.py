"""KServe ``InferenceService`` resources (``serving.kserve.io/v1beta1``) as refs.

An InferenceService says where it answers in its status, so it needs no ingress or mesh URL:
``status.url`` (through the ingress: what users call from outside) or ``status.address.url`` (the
cluster-local address, for a workbench running in the cluster); ``status.components.predictor`` /
``.explainer`` give the same pair per component, used when the top-level one is missing (raw
deployments, services still coming up). The model answers under the InferenceService's name:
``/v1/models/<name>:predict`` (protocol ``kserve-v1``) or ``/v2/models/<name>/infer`` (``v2``), as
``spec.predictor.model.protocolVersion`` says (or the older framework key's, e.g.
``spec.predictor.sklearn.protocolVersion``); V1 is KServe's default. ``grpc-v2`` servers speak V2 over gRPC
only: they are called over gRPC where an operator gave the address (``grpc_address``), else listed as ``v2``
and not ready, with the reason.

An explainer (``spec.explainer``) answers ``/v1/models/<name>:explain``. Readiness is the ``Ready``
condition; when it is not true, the reason is the first failing component condition
(``PredictorReady``...) or ``status.modelStatus.lastFailureInfo``. The request logger
(``spec.predictor.logger.url``) reports the InferenceService's name as ``Ce-Inferenceservicename``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mds_client.discovery.grpc_address import grpc_fields
from mds_client.discovery.seldon_v2 import card_from_annotations, conditions_ready, meta
from mds_client.refs import ModelRef
from mds_client.registry.links import registry_uri

INFERENCE_SERVICES = ("serving.kserve.io", "v1beta1", "inferenceservices")
_DETAIL = ("PredictorReady", "TransformerReady", "ExplainerReady", "IngressReady", "PredictorRouteReady",
           "PredictorConfigurationReady", "LatestDeploymentReady")
_V2_PROTOCOLS = ("v2", "grpc-v2")


def refs_from_inference_service(obj: dict[str, Any], *, internal: bool = False,
                                grpc_ingress: str = "") -> list[ModelRef]:
    """One ref per InferenceService; ``internal`` uses the cluster-local addresses instead of the ingress URLs.
    Through the gRPC ingress (``grpc_ingress``) the call is routed by the REST address's host, as KServe's ingress
    routes REST: the ``Host`` header, sent as the channel's ``:authority`` over gRPC."""
    name, namespace, labels, annotations = meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    predictor = spec.get("predictor") or {}
    protocol_version = _protocol_version(predictor)
    protocol = "v2" if protocol_version in _V2_PROTOCOLS else "kserve-v1"
    components = status.get("components") or {}
    endpoint = (_url(status, internal) or _url(components.get("predictor") or {}, internal)
                or f"http://{name}.{namespace or 'default'}.svc.cluster.local")
    ready, reason = conditions_ready(status, ("Ready",), _DETAIL)
    failure = ((status.get("modelStatus") or {}).get("lastFailureInfo") or {})
    if not ready:
        reason = str(failure.get("message") or failure.get("reason") or "") or reason or "no Ready condition yet"
    description, card = card_from_annotations(annotations)
    grpc = grpc_fields(card, protocol, ingress=grpc_ingress, routing={"Host": urlsplit(endpoint).hostname or ""})
    if protocol_version == "grpc-v2" and grpc["grpc_url"]:
        grpc["transport"] = "grpc"  # its only API
    elif protocol_version == "grpc-v2":
        ready, reason = False, ("served over gRPC only (protocolVersion grpc-v2), and no gRPC address is known: "
                                "annotate it mds.workbench/grpc-url: grpc://host:port, or set the cluster's "
                                "gRPC ingress (WORKBENCH_KUBE_GRPC_URL)")
    explainer = None
    if spec.get("explainer"):
        explainer = ModelRef(
            name=f"{name}-explainer", protocol="kserve-v1",
            endpoint=_url(components.get("explainer") or {}, internal) or endpoint,
            model_name=name, namespace=namespace, source="kubernetes:InferenceService",
        )
    logger = predictor.get("logger") or {}
    return [ModelRef(
        name=f"{namespace}/{name}" if namespace else name,
        protocol=protocol,  # type: ignore[arg-type]
        endpoint=endpoint.rstrip("/"),
        model_name=name,
        namespace=namespace,
        version=str(labels.get("version") or ""),
        status="ready" if ready else "not ready",
        status_reason="" if ready else reason,
        explainer=explainer,
        source="kubernetes:InferenceService",
        description=description,
        card=card,
        tags=tuple(sorted({f"{k}={v}" for k, v in labels.items() if k in ("team", "stage", "version")})),
        log_name=name,
        logger_url=str(logger.get("url") or ""),
        registry=_registry(predictor),
        headers=grpc["routing"],
        transport=grpc["transport"],
        grpc_url=grpc["grpc_url"],
    )]


def _registry(predictor: dict[str, Any]) -> str:
    """The registered version the predictor's ``storageUri`` names (``model:`` or a framework key), else ``""``."""
    for part in predictor.values():
        if isinstance(part, dict) and part.get("storageUri"):
            return registry_uri(str(part["storageUri"]))
    return ""


def _protocol_version(predictor: dict[str, Any]) -> str:
    """``model.protocolVersion``, or the one of the framework key in use (``sklearn:``, ``xgboost:``...)."""
    for part in predictor.values():
        if isinstance(part, dict) and part.get("protocolVersion"):
            model = predictor.get("model") or {}
            return str(model.get("protocolVersion") or part["protocolVersion"]).lower()
    return "v1"


def _url(part: dict[str, Any], internal: bool) -> str:
    address = str((part.get("address") or {}).get("url") or "")
    external = str(part.get("url") or "")
    return (address or external) if internal else (external or address)
