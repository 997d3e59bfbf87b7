"""The discovery setting: catalog (default), a real MLServer's repository index, a fake Kubernetes API."""

from __future__ import annotations

import pytest

from mds_client import CatalogError, load_catalog
from mds_client.discovery import CatalogDiscovery, KubernetesDiscovery, RepositoryDiscovery
from tests.mds_client.discovery.test_kubernetes import api_client  # noqa: F401 - the fake API server fixture
from workbench.catalog.discovery import describe_discovery, make_discovery
from workbench.catalog.service import check_models, discover_models
from workbench.settings import Settings


def test_catalog_is_the_default(catalog_path):
    settings = Settings(catalog=catalog_path)
    assert settings.discovery == "catalog"
    assert isinstance(make_discovery(settings), CatalogDiscovery)
    assert [r.name for r in discover_models(settings)] == [r.name for r in load_catalog(catalog_path)]
    assert describe_discovery(settings) == f"the catalog file {catalog_path}"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WORKBENCH_DISCOVERY", "kubernetes")
    monkeypatch.setenv("WORKBENCH_KUBE_NAMESPACE", "seldon")
    monkeypatch.setenv("WORKBENCH_KUBE_INGRESS_URL", "https://mds.example")
    monkeypatch.setenv("WORKBENCH_KUBE_MESH_URL", "http://seldon-mesh.seldon")
    monkeypatch.setenv("WORKBENCH_REPOSITORY_URL", "http://127.0.0.1:8080")
    settings = Settings()
    assert (settings.discovery, settings.kube_namespace, settings.kube_ingress_url, settings.kube_mesh_url,
            settings.repository_url) == ("kubernetes", "seldon", "https://mds.example", "http://seldon-mesh.seldon",
                                         "http://127.0.0.1:8080")
    monkeypatch.setenv("WORKBENCH_DISCOVERY", "consul")
    with pytest.raises(ValueError):
        Settings()


def test_repository_discovery_lists_the_real_mlserver(refs, client):
    url = refs["wine"].endpoint
    settings = Settings(discovery="repository", repository_url=url)
    assert isinstance(make_discovery(settings), RepositoryDiscovery)
    found = {r.name: r for r in discover_models(settings, transport=client.transport)}
    assert {"wine", "tips"} <= set(found)
    assert all(r.endpoint == url.rstrip("/") and r.protocol == "v2" for r in found.values())
    assert found["wine"].status == "ready"
    # the refs it returns are usable as they are: status and schema from that server only
    entry = {e.name: e for e in check_models(client, [found["wine"]])}["wine"]
    assert entry.ready and entry.n_features == 13
    assert describe_discovery(settings) == f"the repository index of {url}"


def test_repository_discovery_needs_a_url():
    with pytest.raises(CatalogError, match="WORKBENCH_REPOSITORY_URL"):
        make_discovery(Settings(discovery="repository"))


def test_kubernetes_discovery_through_the_factory(api_client):  # noqa: F811 - the fixture imported above
    settings = Settings(discovery="kubernetes", kube_namespace="seldon", kube_ingress_url="https://mds.example/",
                        kube_mesh_url="http://seldon-mesh.seldon")
    discovery = make_discovery(settings, api_client=api_client)
    assert isinstance(discovery, KubernetesDiscovery) and discovery.namespace == "seldon"
    found = {r.name: r for r in discovery.list_models()}
    assert set(found) == {"seldon/income", "seldon/iris", "seldon/tfsimple", "seldon/broken", "seldon/chain",
                          "seldon/iris-split"}
    assert found["seldon/income"].predict_url == "https://mds.example/seldon/seldon/income/api/v1.0/predictions"
    assert found["seldon/chain"].headers == {"Seldon-Model": "chain.pipeline"}
    assert describe_discovery(settings) == "Kubernetes (namespace seldon)"

    mesh_only = Settings(discovery="kubernetes", kube_namespace="seldon", kube_mesh_url="http://mesh")
    assert {r.source for r in make_discovery(mesh_only, api_client=api_client).list_models()} == {
        "kubernetes:Model", "kubernetes:Pipeline", "kubernetes:Experiment"}


def test_kubernetes_discovery_reports_refused_listing(api_client):  # noqa: F811 - the fixture imported above
    settings = Settings(discovery="kubernetes", kube_namespace="locked", kube_ingress_url="https://mds.example")
    with pytest.raises(CatalogError, match="RBAC"):
        make_discovery(settings, api_client=api_client).list_models()


def test_kubernetes_discovery_without_a_url_lists_kserve_only(api_client):  # noqa: F811 - the fixture imported above
    # KServe's InferenceServices name their own URLs; a namespace without any needs a URL for Seldon's resources.
    discovery = make_discovery(Settings(discovery="kubernetes", kube_namespace="seldon"), api_client=api_client)
    with pytest.raises(CatalogError, match="ingress URL") as caught:
        discovery.list_models()
    assert "WORKBENCH_KUBE_INGRESS_URL" in caught.value.hint
