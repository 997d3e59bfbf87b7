"""Discovery from Kubernetes: Seldon Core v1 ``SeldonDeployment``; Seldon Core v2 ``Model``, ``Pipeline``, ``Experiment``;
KServe ``InferenceService`` (see ``kserve``: its status says where it answers, no URL needed).

Read through the official ``kubernetes`` client, in-cluster or from kubeconfig.
URLs come from where the MDS is reached:

- v1 through the ingress: ``<ingress>/seldon/<ns>/<name>`` + ``/api/v1.0/predictions`` (protocol
  seldon) or ``/v2/models/<graph>/infer`` (protocol v2);
- v2 through the Seldon mesh: ``<mesh>/v2/models/<m>/infer`` with header ``Seldon-Model: <m>``
  (pipelines: ``<p>.pipeline``, experiments: ``<e>.experiment``); see ``seldon_v2``.

Status: ``status.state`` for v1 (Available means ready), the ``*Ready`` / ``Ready`` conditions
for v2. gRPC (V2 models only) where an operator says: the ``mds.workbench/grpc-url`` annotation, or the cluster's
gRPC ingress with the REST path's routing (see ``grpc_address``). Documentation may travel in annotations: ``mds.workbench/description``,
``mds.workbench/owner``, ``mds.workbench/intended-use``, ``mds.workbench/limitations``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from mds_client.discovery.grpc_address import grpc_fields, grpc_url_problem
from mds_client.discovery.kserve import INFERENCE_SERVICES, refs_from_inference_service
from mds_client.discovery.seldon_v2 import card_from_annotations as _card
from mds_client.discovery.seldon_v2 import meta as _meta
from mds_client.discovery.seldon_v2 import refs_from_v2_experiment, refs_from_v2_model, refs_from_v2_pipeline
from mds_client.errors import CatalogError
from mds_client.refs import ModelRef
from mds_client.registry.links import registry_uri

SELDON_V1 = ("machinelearning.seldon.io", "v1", "seldondeployments")
SELDON_V2_MODELS = ("mlops.seldon.io", "v1alpha1", "models")
SELDON_V2_PIPELINES = ("mlops.seldon.io", "v1alpha1", "pipelines")
SELDON_V2_EXPERIMENTS = ("mlops.seldon.io", "v1alpha1", "experiments")


def refs_from_seldon_deployment(obj: dict[str, Any], ingress_url: str, grpc_ingress: str = "") -> list[ModelRef]:
    """One ref per SeldonDeployment (its first predictor's graph), reached through the ingress. Seldon's ingress
    routes gRPC on the ``seldon`` (deployment) and ``namespace`` metadata, as REST on ``/seldon/<ns>/<name>``."""
    name, namespace, labels, annotations = _meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    protocol_text = str(spec.get("protocol") or "seldon").lower()
    protocol = "v2" if protocol_text in ("v2", "kfserving") else "seldon"
    predictors = spec.get("predictors") or [{}]
    predictor = predictors[0]
    graph = predictor.get("graph") or {}
    state = str(status.get("state") or "Unknown")
    ready = state == "Available"
    description, card = _card(annotations)
    grpc = grpc_fields(card, protocol, ingress=grpc_ingress,
                       routing={"seldon": name, "namespace": namespace} if namespace else {"seldon": name})
    version = str(labels.get("version") or (predictor.get("labels") or {}).get("version") or "")
    explainer = None
    if predictor.get("explainer", {}).get("type"):
        # Seldon v1 serves the explainer as its own service under the predictor's name:
        # <ingress>/seldon/<ns>/<name>-explainer/<predictor>/api/v1.0/explain (v2: .../v2/models/<m>/infer).
        unit = predictor.get("name") or "default"
        explainer = ModelRef(
            name=f"{name}-explainer", protocol=protocol,
            endpoint=f"{ingress_url.rstrip('/')}/seldon/{namespace}/{name}-explainer/{unit}",
            model_name=str(graph.get("name") or name), namespace=namespace, source="kubernetes",
        )
    return [ModelRef(
        name=name if not namespace else f"{namespace}/{name}",
        protocol=protocol,  # type: ignore[arg-type]
        endpoint=f"{ingress_url.rstrip('/')}/seldon/{namespace}/{name}",
        model_name=str(graph.get("name") or name),
        namespace=namespace,
        version=version,
        status="ready" if ready else "not ready",
        status_reason="" if ready else f"{state}: {status.get('description') or 'no description'}",
        explainer=explainer,
        source="kubernetes:SeldonDeployment",
        description=description,
        card=card,
        tags=tuple(sorted({f"{k}={v}" for k, v in labels.items() if k in ("team", "stage", "version")})),
        registry=registry_uri(str(graph.get("modelUri") or "")),
        headers=grpc["routing"],
        transport=grpc["transport"],
        grpc_url=grpc["grpc_url"],
    )]


class KubernetesDiscovery:
    def __init__(
        self,
        *,
        namespace: str | None = None,
        ingress_url: str = "",
        mesh_url: str = "",
        api_client: Any = None,
        kserve: bool = True,
        kserve_internal: bool = False,
        grpc_url: str = "",
    ) -> None:
        if grpc_url and (problem := grpc_url_problem(grpc_url)):
            raise CatalogError(f"The cluster's gRPC ingress {grpc_url!r} is not usable: {problem}.",
                               hint="Set WORKBENCH_KUBE_GRPC_URL to grpc://host:port (grpcs:// for TLS), or leave it "
                                    "empty.")
        self.namespace = namespace
        self.ingress_url = ingress_url
        self.mesh_url = mesh_url
        self.grpc_url = grpc_url
        """The cluster's gRPC ingress (``grpc://host:port``): V2 models answer there over gRPC, routed as over REST."""
        self.kserve = kserve
        """Whether to list KServe InferenceServices too (a cluster without KServe lists none)."""
        self.kserve_internal = kserve_internal
        """Call InferenceServices at their cluster-local address (``status.address.url``), not through the ingress."""
        self._api_client = api_client

    def _api(self) -> Any:
        # The kubernetes client is heavy (~0.5 s of imports): only Kubernetes discovery pays for it.
        from kubernetes import client, config

        if self._api_client is None:
            try:
                config.load_incluster_config()
            except config.ConfigException:
                try:
                    config.load_kube_config()
                except (config.ConfigException, FileNotFoundError) as exc:
                    raise CatalogError(
                        f"No Kubernetes configuration found (not in a cluster, and kubeconfig failed: {exc})."
                    ) from None
            self._api_client = client.ApiClient()
        return client.CustomObjectsApi(self._api_client)

    def _list(self, api: Any, kind: tuple[str, str, str]) -> list[dict[str, Any]]:
        # kubernetes: see _api.
        from kubernetes.client.exceptions import ApiException

        group, version, plural = kind
        try:
            if self.namespace:
                doc = api.list_namespaced_custom_object(group, version, self.namespace, plural)
            else:
                doc = api.list_cluster_custom_object(group, version, plural)
        except ApiException as exc:
            if exc.status == 404:
                return []  # that Seldon generation is not installed in this cluster
            raise CatalogError(
                f"Kubernetes refused to list {plural}.{group} (HTTP {exc.status}: {exc.reason}).",
                hint="Check the workbench's service account can list them (RBAC).",
            ) from None
        except Exception as exc:  # urllib3 connection errors
            raise CatalogError(f"The Kubernetes API is not reachable: {exc}") from None
        return list(doc.get("items") or [])

    def list_models(self) -> list[ModelRef]:
        api = self._api()
        found: list[tuple[str, list[ModelRef]]] = []  # (the resource kind as people name it, its refs)
        if self.ingress_url:
            found += [("SeldonDeployment", refs_from_seldon_deployment(obj, self.ingress_url, self.grpc_url))
                      for obj in self._list(api, SELDON_V1)]
        if self.mesh_url:
            found += [("Seldon Model", refs_from_v2_model(obj, self.mesh_url, self.grpc_url))
                      for obj in self._list(api, SELDON_V2_MODELS)]
            found += [("Seldon Pipeline", refs_from_v2_pipeline(obj, self.mesh_url, self.grpc_url))
                      for obj in self._list(api, SELDON_V2_PIPELINES)]
            found += [("Seldon Experiment", refs_from_v2_experiment(obj, self.mesh_url, self.grpc_url))
                      for obj in self._list(api, SELDON_V2_EXPERIMENTS)]
        if self.kserve:
            found += [("InferenceService", refs_from_inference_service(obj, internal=self.kserve_internal,
                                                                       grpc_ingress=self.grpc_url))
                      for obj in self._list(api, INFERENCE_SERVICES)]
        refs = unique_names(found)
        if not refs and not self.ingress_url and not self.mesh_url:
            raise CatalogError("Kubernetes discovery found no KServe InferenceService, and needs an ingress URL "
                               "(Seldon v1) or a mesh URL (Seldon v2) to list Seldon's resources.",
                               hint="Give the ingress URL and/or the mesh URL (the workbench's "
                                    "WORKBENCH_KUBE_INGRESS_URL, WORKBENCH_KUBE_MESH_URL).")
        return refs

    def describe(self) -> str:
        where = f"namespace {self.namespace}" if self.namespace else "all namespaces"
        return f"Kubernetes ({where})"


def unique_names(found: list[tuple[str, list[ModelRef]]]) -> list[ModelRef]:
    """Every ref, a name shared by resources of different kinds (a Seldon Model and a KServe InferenceService both
    ``ns/orchard``) told apart by its kind: ``ns/orchard (InferenceService)``. A model is picked, linked and
    monitored by its name, so two models of one name would be one model on every page."""
    found = [(kind, list(refs)) for kind, refs in found]
    counts = Counter(ref.name for _, refs in found for ref in refs)
    return [ref if counts[ref.name] == 1 else replace(ref, name=f"{ref.name} ({kind})")
            for kind, refs in found for ref in refs]
