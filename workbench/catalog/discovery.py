"""Which discovery backend the workbench reads its models from, chosen by the settings.

``catalog`` (the default) reads the catalog YAML; ``repository`` asks one V2 server's
``/v2/repository/index``; ``kubernetes`` lists Seldon's resources and KServe's InferenceServices. Whatever the backend, the
app only calls the endpoints the refs it returns carry.
"""

from __future__ import annotations

from typing import Any

from mds_client import CatalogError, Timeout, Transport
from mds_client.discovery import CatalogDiscovery, Discovery, KubernetesDiscovery, RepositoryDiscovery
from workbench.settings import Settings


def make_discovery(settings: Settings, *, transport: Transport | None = None, api_client: Any = None) -> Discovery:
    """The backend ``settings.discovery`` names; ``CatalogError`` when its settings are incomplete.

    ``transport`` (repository) and ``api_client`` (a ``kubernetes.client.ApiClient``) are seams
    for tests and for callers that already hold one.
    """
    if settings.discovery == "repository":
        if not settings.repository_url:
            raise CatalogError("Repository discovery needs the server's URL.",
                               hint="Set WORKBENCH_REPOSITORY_URL, e.g. http://127.0.0.1:8080.")
        transport = transport or Transport(timeout=Timeout(settings.connect_timeout, settings.read_timeout))
        return RepositoryDiscovery(settings.repository_url, transport=transport)
    if settings.discovery == "kubernetes":
        # No URL is needed for KServe (an InferenceService's status names its own); without one, a cluster with
        # no InferenceService says so when listed, with the settings to give for Seldon.
        return KubernetesDiscovery(namespace=settings.kube_namespace or None, ingress_url=settings.kube_ingress_url,
                                   mesh_url=settings.kube_mesh_url, grpc_url=settings.kube_grpc_url,
                                   api_client=api_client)
    return CatalogDiscovery(settings.catalog_path)


def describe_discovery(settings: Settings, *, full_path: bool = True) -> str:
    """Where the models come from, in words that follow "from" ("the catalog file /x.yaml", "Kubernetes (...)").

    ``full_path=False`` names only the catalog file: where it sits on the server is for admins."""
    if settings.discovery == "repository":
        return f"the repository index of {settings.repository_url or '(no URL set)'}"
    if settings.discovery == "kubernetes":
        where = f"namespace {settings.kube_namespace}" if settings.kube_namespace else "all namespaces"
        return f"Kubernetes ({where})"
    return f"the catalog file {settings.catalog_path if full_path else settings.catalog_path.name}"
