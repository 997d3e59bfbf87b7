"""Seldon Core v2 resources (``mlops.seldon.io/v1alpha1``) as refs: Model, Pipeline, Experiment.

Everything v2 is reached through the Seldon mesh, which routes on the ``Seldon-Model`` header:
``<m>`` for a model, ``<p>.pipeline`` for a pipeline, ``<e>.experiment`` for an experiment
(``/v2/models/<name>/infer`` on the mesh URL in every case). An experiment splits traffic
between its ``candidates`` by weight (models, or pipelines with ``resourceType: pipeline``) and
may copy a percentage of it to a ``mirror`` whose answers are never returned; with ``default``
set, calls to that model's own endpoint are split too. Which arm answered a call is in the
response: the ``x-seldon-route`` header and the V2 body's ``model_name`` (see ``answered_by``).

Readiness comes from the conditions the operator writes: ``ModelReady`` / ``PipelineReady`` /
``ExperimentReady``, then the aggregate ``Ready``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mds_client.discovery.grpc_address import grpc_fields
from mds_client.refs import Candidate, Mirror, ModelRef, PipelineStep
from mds_client.registry.links import registry_uri

ANNOTATION_PREFIX = "mds.workbench/"
_READY_CONDITIONS = {
    "model": ("ModelReady", "Ready"),
    "pipeline": ("PipelineReady", "Ready"),
    "experiment": ("ExperimentReady", "Ready"),
}
# When an experiment is not ready, these say why more precisely than the aggregate.
_EXPERIMENT_DETAIL = ("CandidatesReady", "MirrorReady")
_HEADER_SUFFIX = {"model": "", "pipeline": ".pipeline", "experiment": ".experiment"}


def meta(obj: Mapping[str, Any]) -> tuple[str, str, dict[str, str], dict[str, str]]:
    """Name, namespace, labels and annotations of a Kubernetes object."""
    m = obj.get("metadata") or {}
    return (str(m.get("name") or ""), str(m.get("namespace") or ""),
            dict(m.get("labels") or {}), dict(m.get("annotations") or {}))


def card_from_annotations(annotations: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """The ``mds.workbench/*`` annotations: the description, and the rest as model-card fields."""
    card = {k[len(ANNOTATION_PREFIX):].replace("-", "_"): v for k, v in annotations.items()
            if k.startswith(ANNOTATION_PREFIX)}
    return str(card.pop("description", "")), card


def conditions_ready(status: Mapping[str, Any], kinds: tuple[str, ...],
                     detail: tuple[str, ...] = ()) -> tuple[bool, str]:
    """Ready from the first of ``kinds`` present; when not, the most precise message there is."""
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    for kind in kinds:
        cond = conditions.get(kind)
        if cond is None:
            continue
        if str(cond.get("status")) == "True":
            return True, ""
        for name in (*detail, kind):
            why = conditions.get(name) or {}
            if str(why.get("status")) != "True" and (why.get("message") or why.get("reason")):
                return False, str(why.get("message") or why.get("reason"))
        return False, f"{kind} is {cond.get('status') or 'unknown'}"
    return False, "no Ready condition reported yet"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


def _ref(obj: Mapping[str, Any], mesh_url: str, kind: str, grpc_ingress: str = "", **extra: Any) -> ModelRef:
    name, namespace, labels, annotations = meta(obj)
    description, card = card_from_annotations(annotations)
    # The mesh routes gRPC on the same Seldon-Model header (metadata) as REST: no routing to add.
    grpc = grpc_fields(card, "v2", ingress=grpc_ingress)
    detail = _EXPERIMENT_DETAIL if kind == "experiment" else ()
    ready, reason = conditions_ready(obj.get("status") or {}, _READY_CONDITIONS[kind], detail)
    generated = extra.pop("generated_description", "")
    return ModelRef(
        name=name if not namespace else f"{namespace}/{name}",
        protocol="v2",
        endpoint=mesh_url.rstrip("/"),
        model_name=name,
        namespace=namespace,
        version=str(labels.get("version") or (obj.get("metadata") or {}).get("generation") or ""),
        status="ready" if ready else "not ready",
        status_reason=reason,
        headers={"Seldon-Model": name + _HEADER_SUFFIX[kind]},
        source=f"kubernetes:{kind.capitalize()}",
        description=description or generated,
        card=card,
        kind=kind,
        transport=grpc["transport"],
        grpc_url=grpc["grpc_url"],
        **extra,
    )


def refs_from_v2_model(obj: Mapping[str, Any], mesh_url: str, grpc_ingress: str = "") -> list[ModelRef]:
    """One ref per ``Model``, called through the mesh with ``Seldon-Model: <m>``; a ``storageUri`` in the model
    registry (``models:/NAME/VERSION``...) links it to that registered version."""
    uri = registry_uri(str((obj.get("spec") or {}).get("storageUri") or ""))
    return [_ref(obj, mesh_url, "model", grpc_ingress, registry=uri)]


def refs_from_v2_pipeline(obj: Mapping[str, Any], mesh_url: str, grpc_ingress: str = "") -> list[ModelRef]:
    """One ref per ``Pipeline`` with its steps, called with ``Seldon-Model: <p>.pipeline``."""
    spec = obj.get("spec") or {}
    steps = tuple(
        PipelineStep(name=str(s.get("name") or ""), inputs=_strings(s.get("inputs")),
                     triggers=_strings(s.get("triggers")))
        for s in spec.get("steps") or () if s.get("name")
    )
    outputs = _strings((spec.get("output") or {}).get("steps"))
    text = f"Pipeline of {len(steps)} step{'s' if len(steps) != 1 else ''}: " + " → ".join(s.name for s in steps)
    if outputs:
        text += f"; answer from {', '.join(outputs)}"
    return [_ref(obj, mesh_url, "pipeline", grpc_ingress, steps=steps, generated_description=text)]


def refs_from_v2_experiment(obj: Mapping[str, Any], mesh_url: str, grpc_ingress: str = "") -> list[ModelRef]:
    """One ref per ``Experiment`` with its candidates, weights and mirror (``<e>.experiment``)."""
    spec = obj.get("spec") or {}
    candidates = tuple(Candidate(name=str(c.get("name") or ""), weight=_int(c.get("weight")))
                       for c in spec.get("candidates") or () if c.get("name"))
    m = spec.get("mirror") or {}
    mirror = Mirror(name=str(m["name"]), percent=_int(m.get("percent"))) if m.get("name") else None
    resource = str(spec.get("resourceType") or "model").lower()
    total = sum(c.weight for c in candidates)
    split = ", ".join(f"{c.name} {100 * c.weight / total:.0f}%" if total else c.name for c in candidates)
    text = f"Experiment over {resource}s: {split}" if candidates else "Experiment with no candidates"
    if mirror:
        text += f"; {mirror.percent}% mirrored to {mirror.name}"
    if spec.get("default"):
        text += f"; also answers on {spec['default']}'s endpoint"
    tags = (f"resource={resource}",) + ((f"default={spec['default']}",) if spec.get("default") else ())
    return [_ref(obj, mesh_url, "experiment", grpc_ingress, candidates=candidates, mirror=mirror, tags=tags,
                 generated_description=text)]


def answered_by(response_body: Mapping[str, Any] | None, headers: Mapping[str, str] | None = None) -> str:
    """Which model (or pipeline) answered a call through the mesh: ``x-seldon-route``, else ``model_name``.

    The route header lists the hops as ``:name_version:`` segments (``:iris2_1:``); the last one
    answered. The V2 body's ``model_name`` is the fallback (a bare MLServer sets it too).
    """
    route = ""
    for key, value in (headers or {}).items():
        if key.lower() == "x-seldon-route":
            route = str(value)
    hops = [h for h in route.split(":") if h]
    if hops:
        return hops[-1]
    return str((response_body or {}).get("model_name") or "")
