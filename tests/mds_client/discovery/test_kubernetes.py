"""Kubernetes discovery through the real ``kubernetes`` client against a loopback API server.

No API server can run here, so a small one replays what a cluster with Seldon Core v1 and v2
returns for these custom resources (trimmed from real objects; the fields read are all present).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client

from mds_client import CatalogError
from mds_client.discovery import KubernetesDiscovery

SELDON_DEPLOYMENTS = {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeploymentList", "items": [
    {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
     "metadata": {"name": "income", "namespace": "seldon", "generation": 3, "labels": {"version": "2", "team": "risk"},
                  "annotations": {"mds.workbench/description": "Predicts income above 50k.",
                                  "mds.workbench/owner": "risk-ds", "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
     "spec": {"name": "income", "protocol": "seldon", "predictors": [
         {"name": "default", "replicas": 1, "graph": {"name": "classifier", "implementation": "SKLEARN_SERVER",
                                                      "modelUri": "gs://seldon-models/sklearn/income/model"},
          "explainer": {"type": "AnchorTabular", "modelUri": "gs://seldon-models/sklearn/income/explainer"}}]},
     "status": {"state": "Available", "address": {"url": "http://income-default.seldon.svc.cluster.local:8000/api/v1.0/predictions"},
                "replicas": {"income-default-0-classifier": {"replicas": 1, "replicasAvailable": 1}}}},
    {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
     "metadata": {"name": "iris", "namespace": "seldon"},
     "spec": {"protocol": "v2", "predictors": [{"name": "default", "graph": {"name": "iris", "implementation": "SKLEARN_SERVER"}}]},
     "status": {"state": "Failed", "description": "Deployment does not have minimum availability."}},
]}
V2_MODELS = {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "ModelList", "items": [
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model",
     "metadata": {"name": "tfsimple", "namespace": "seldon", "generation": 1},
     "spec": {"storageUri": "gs://seldon-models/triton/simple", "requirements": ["tensorflow"]},
     "status": {"conditions": [
         {"type": "ModelReady", "status": "True", "reason": "ModelAvailable", "lastTransitionTime": "2026-11-20T10:00:00Z"},
         {"type": "Ready", "status": "True"}], "replicas": 1}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model",
     "metadata": {"name": "broken", "namespace": "seldon"},
     "spec": {"storageUri": "gs://nowhere"},
     "status": {"conditions": [{"type": "ModelReady", "status": "False", "reason": "ScheduleFailed",
                                "message": "failed to schedule model broken: no matching servers"}]}},
]}
V2_PIPELINES = {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "PipelineList", "items": [
    {"metadata": {"name": "chain", "namespace": "seldon"},
     "spec": {"steps": [{"name": "tfsimple"}], "output": {"steps": ["tfsimple"]}},
     "status": {"conditions": [{"type": "PipelineReady", "status": "True"}]}}]}
V2_EXPERIMENTS = {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "ExperimentList", "items": [
    {"metadata": {"name": "iris-split", "namespace": "seldon"},
     "spec": {"default": "iris-a", "candidates": [{"name": "iris-a", "weight": 50}, {"name": "iris-b", "weight": 50}]},
     "status": {"conditions": [{"type": "ExperimentReady", "status": "True"}, {"type": "Ready", "status": "True"}]}}]}

ROUTES = {
    "/apis/machinelearning.seldon.io/v1/namespaces/seldon/seldondeployments": (200, SELDON_DEPLOYMENTS),
    "/apis/mlops.seldon.io/v1alpha1/namespaces/seldon/models": (200, V2_MODELS),
    "/apis/mlops.seldon.io/v1alpha1/namespaces/seldon/pipelines": (200, V2_PIPELINES),
    "/apis/mlops.seldon.io/v1alpha1/namespaces/seldon/experiments": (200, V2_EXPERIMENTS),
    "/apis/machinelearning.seldon.io/v1/namespaces/locked/seldondeployments": (403, {
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
        "message": 'seldondeployments.machinelearning.seldon.io is forbidden: User "system:serviceaccount:mds:workbench" cannot list resource'}),
}

# Namespace "ml": a data scientist's registered versions served three ways, each naming its version in the registry.
_READY = {"conditions": [{"type": "ModelReady", "status": "True"}, {"type": "Ready", "status": "True"}]}
ROUTES.update({
    "/apis/machinelearning.seldon.io/v1/namespaces/ml/seldondeployments": (200, {"items": [
        {"metadata": {"name": "grader", "namespace": "ml"},
         "spec": {"protocol": "v2", "predictors": [{"name": "default", "graph": {
             "name": "grader", "implementation": "MLFLOW_SERVER", "modelUri": "models:/harvest-grade/3"}}]},
         "status": {"state": "Available"}}]}),
    "/apis/mlops.seldon.io/v1alpha1/namespaces/ml/models": (200, {"items": [
        {"metadata": {"name": "grader-v2", "namespace": "ml"},
         "spec": {"storageUri": "models:/harvest-grade@champion", "requirements": ["mlflow"]}, "status": _READY},
        {"metadata": {"name": "bucket", "namespace": "ml"},
         "spec": {"storageUri": "gs://models/harvest"}, "status": _READY}]}),
    "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices": (200, {"items": [
        {"metadata": {"name": "grader-kserve", "namespace": "ml"},
         "spec": {"predictor": {"model": {"modelFormat": {"name": "mlflow"}, "protocolVersion": "v2",
                                          "storageUri": "mlflow-artifacts:/4/0a1b2c/artifacts/model"}}},
         "status": {"url": "http://grader-kserve.ml.example.com", "conditions": [{"type": "Ready", "status": "True"}]}}]}),
})

class FakeKubeAPI(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        status, body = ROUTES.get(self.path.split("?")[0], (404, {"kind": "Status", "code": 404, "reason": "NotFound"}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def api_client():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKubeAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = client.Configuration()
    config.host = f"http://127.0.0.1:{server.server_address[1]}"
    yield client.ApiClient(config)
    server.shutdown()


def test_seldon_v1_and_v2_resources_become_refs(api_client):
    refs = {r.name: r for r in KubernetesDiscovery(
        namespace="seldon", ingress_url="https://mds.example/", mesh_url="http://seldon-mesh.seldon",
        api_client=api_client).list_models()}
    income = refs["seldon/income"]
    assert income.protocol == "seldon" and income.status == "ready" and income.version == "2"
    assert income.predict_url == "https://mds.example/seldon/seldon/income/api/v1.0/predictions"
    assert income.description == "Predicts income above 50k." and income.card == {"owner": "risk-ds"}
    assert income.explainer.explain_url == "https://mds.example/seldon/seldon/income-explainer/default/api/v1.0/explain"
    iris = refs["seldon/iris"]
    assert iris.protocol == "v2" and iris.status == "not ready" and "minimum availability" in iris.status_reason
    assert iris.predict_url == "https://mds.example/seldon/seldon/iris/v2/models/iris/infer"
    tf = refs["seldon/tfsimple"]
    assert tf.status == "ready" and tf.headers == {"Seldon-Model": "tfsimple"}
    assert tf.predict_url == "http://seldon-mesh.seldon/v2/models/tfsimple/infer"
    assert refs["seldon/broken"].status_reason == "failed to schedule model broken: no matching servers"
    assert refs["seldon/chain"].headers == {"Seldon-Model": "chain.pipeline"} and refs["seldon/chain"].status == "ready"
    split = refs["seldon/iris-split"]
    assert split.headers == {"Seldon-Model": "iris-split.experiment"} and split.status == "ready"
    # The mesh routes by the header; the path names the experiment itself, as Seldon Core v2's docs call it.
    assert split.predict_url == "http://seldon-mesh.seldon/v2/models/iris-split/infer"
    assert split.source.startswith("kubernetes:") and "Experiment" in split.source


def test_forbidden_listing_is_a_catalog_error_with_rbac_hint(api_client):
    with pytest.raises(CatalogError, match=r"HTTP 403.*RBAC"):
        KubernetesDiscovery(namespace="locked", ingress_url="https://mds", api_client=api_client).list_models()


def test_missing_crd_lists_nothing_instead_of_failing(api_client):
    refs = KubernetesDiscovery(namespace="other", mesh_url="http://mesh", api_client=api_client).list_models()
    assert refs == []


def test_needs_a_way_to_reach_the_models(api_client):
    with pytest.raises(CatalogError, match="ingress URL"):
        KubernetesDiscovery(namespace="seldon", api_client=api_client).list_models()


def test_a_model_uri_in_the_registry_links_the_served_model_to_its_registered_version(api_client):
    refs = {r.name: r for r in KubernetesDiscovery(namespace="ml", ingress_url="https://mds", mesh_url="http://mesh",
                                                   api_client=api_client).list_models()}
    assert refs["ml/grader"].registry == "models:/harvest-grade/3"  # SeldonDeployment graph.modelUri
    assert refs["ml/grader-v2"].registry == "models:/harvest-grade@champion"  # Seldon v2 Model storageUri
    assert refs["ml/grader-kserve"].registry == "mlflow-artifacts:/4/0a1b2c/artifacts/model"  # KServe storageUri
    assert refs["ml/bucket"].registry == ""  # a bucket is not the registry


# Namespace "twins": a Seldon Core 2 Model and a KServe InferenceService both called "orchard".
ROUTES.update({
    "/apis/mlops.seldon.io/v1alpha1/namespaces/twins/models": (200, {"items": [
        {"metadata": {"name": "orchard", "namespace": "twins"}, "spec": {"storageUri": "gs://m/a"}, "status": _READY},
        {"metadata": {"name": "pear", "namespace": "twins"}, "spec": {"storageUri": "gs://m/p"}, "status": _READY}]}),
    "/apis/serving.kserve.io/v1beta1/namespaces/twins/inferenceservices": (200, {"items": [
        {"metadata": {"name": "orchard", "namespace": "twins"},
         "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "protocolVersion": "v2"}}},
         "status": {"url": "http://orchard.twins.example.com", "conditions": [{"type": "Ready", "status": "True"}]}}]}),
})


def test_resources_of_two_kinds_with_one_name_are_told_apart_by_kind(api_client):
    refs = KubernetesDiscovery(namespace="twins", mesh_url="http://seldon-mesh.seldon", api_client=api_client,
                               kserve=True).list_models()
    by_name = {r.name: r for r in refs}
    assert sorted(by_name) == ["twins/orchard (InferenceService)", "twins/orchard (Seldon Model)", "twins/pear"]
    assert by_name["twins/orchard (Seldon Model)"].headers == {"Seldon-Model": "orchard"}
    assert by_name["twins/orchard (InferenceService)"].predict_url.startswith("http://orchard.twins.example.com")
