"""KServe InferenceServices through the real ``kubernetes`` client against a loopback API server.

The objects are shaped as a KServe 0.21 cluster returns them from
``GET /apis/serving.kserve.io/v1beta1/namespaces/<ns>/inferenceservices`` (trimmed: no managedFields),
in serverless mode (Knative: ``status.url`` through the ingress, ``status.address.url`` in the cluster,
one entry per component) and in raw-deployment mode (the predictor's own address only).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client

from mds_client import CatalogError
from mds_client.discovery import KubernetesDiscovery
from mds_client.discovery.kserve import refs_from_inference_service

CONDITIONS_READY = [
    {"lastTransitionTime": "2026-11-20T10:00:05Z", "status": "True", "type": "IngressReady"},
    {"lastTransitionTime": "2026-11-20T10:00:04Z", "severity": "Info", "status": "True",
     "type": "LatestDeploymentReady"},
    {"lastTransitionTime": "2026-11-20T10:00:04Z", "severity": "Info", "status": "True",
     "type": "PredictorConfigurationReady"},
    {"lastTransitionTime": "2026-11-20T10:00:05Z", "status": "True", "type": "PredictorReady"},
    {"lastTransitionTime": "2026-11-20T10:00:05Z", "severity": "Info", "status": "True", "type": "PredictorRouteReady"},
    {"lastTransitionTime": "2026-11-20T10:00:05Z", "status": "True", "type": "Ready"},
    {"lastTransitionTime": "2026-11-20T10:00:04Z", "severity": "Info", "status": "True", "type": "RoutesReady"},
]
LOADED = {"copies": {"failedCopies": 0, "totalCopies": 1},
          "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"}, "transitionStatus": "UpToDate"}


def component(name: str, ns: str, revision: str) -> dict:
    return {"address": {"url": f"http://{name}.{ns}.svc.cluster.local"},
            "latestCreatedRevision": revision, "latestReadyRevision": revision, "latestRolledoutRevision": revision,
            "traffic": [{"latestRevision": True, "percent": 100, "revisionName": revision}],
            "url": f"http://{name}.{ns}.example.com"}


def isvc(name: str, spec: dict, status: dict, *, ns: str = "kserve-test", **metadata) -> dict:
    return {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
            "metadata": {"name": name, "namespace": ns, "generation": 1, "uid": f"uid-{name}",
                         "creationTimestamp": "2026-11-20T09:58:00Z",
                         "annotations": {"serving.kserve.io/deploymentMode": "Serverless",
                                         **metadata.pop("annotations", {})}, **metadata},
            "spec": spec, "status": {"observedGeneration": 1, **status}}


INFERENCE_SERVICES = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceServiceList",
                      "metadata": {"continue": "", "resourceVersion": "81734"}, "items": [
    isvc("sklearn-iris",
         {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "name": "", "resources": {},
                                  "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"},
                        "logger": {"mode": "all", "url": "http://mds-sink.mds.svc.cluster.local"}}},
         {"address": {"url": "http://sklearn-iris.kserve-test.svc.cluster.local"},
          "components": {"predictor": component("sklearn-iris-predictor", "kserve-test", "sklearn-iris-predictor-00001")},
          "conditions": CONDITIONS_READY, "modelStatus": LOADED, "url": "http://sklearn-iris.kserve-test.example.com"},
         labels={"team": "flowers", "version": "3"},
         annotations={"mds.workbench/description": "Iris species from petal and sepal sizes."}),
    isvc("income",
         {"predictor": {"sklearn": {"protocolVersion": "v1", "storageUri": "gs://seldon-models/sklearn/income/model"}},
          "explainer": {"alibi": {"type": "AnchorTabular", "storageUri": "gs://seldon-models/sklearn/income/explainer"}}},
         {"address": {"url": "http://income.kserve-test.svc.cluster.local"},
          "components": {"predictor": component("income-predictor", "kserve-test", "income-predictor-00002"),
                         "explainer": component("income-explainer", "kserve-test", "income-explainer-00001")},
          "conditions": [*CONDITIONS_READY, {"lastTransitionTime": "2026-11-20T10:00:06Z", "status": "True",
                                             "type": "ExplainerReady"}],
          "modelStatus": LOADED, "url": "http://income.kserve-test.example.com"}),
    isvc("mlserver-wine",
         {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "protocolVersion": "v2",
                                  "runtime": "kserve-mlserver", "storageUri": "gs://models/wine"}}},
         {"address": {"url": "http://mlserver-wine.kserve-test.svc.cluster.local"},
          "components": {"predictor": component("mlserver-wine-predictor", "kserve-test", "mlserver-wine-predictor-00001")},
          "conditions": CONDITIONS_READY, "modelStatus": LOADED, "url": "http://mlserver-wine.kserve-test.example.com"}),
    isvc("broken",
         {"predictor": {"model": {"modelFormat": {"name": "xgboost"}, "storageUri": "gs://nowhere/model"}}},
         {"components": {"predictor": {"latestCreatedRevision": "broken-predictor-00001"}},
          "conditions": [
              {"lastTransitionTime": "2026-11-20T10:03:00Z", "message": "Revision \"broken-predictor-00001\" failed "
               "with message: Container failed with: model file not found.", "reason": "RevisionFailed",
               "severity": "Info", "status": "False", "type": "PredictorConfigurationReady"},
              {"lastTransitionTime": "2026-11-20T10:03:00Z", "message": "Revision \"broken-predictor-00001\" failed "
               "with message: Container failed with: model file not found.", "reason": "RevisionFailed",
               "status": "False", "type": "PredictorReady"},
              {"lastTransitionTime": "2026-11-20T10:03:00Z", "message": "Revision \"broken-predictor-00001\" failed "
               "with message: Container failed with: model file not found.", "reason": "RevisionFailed",
               "status": "False", "type": "Ready"}],
          "modelStatus": {"lastFailureInfo": {"exitCode": 1, "message": "Failed to download model: gs://nowhere/model "
                                              "not found", "reason": "ModelLoadFailed"},
                          "states": {"activeModelState": "", "targetModelState": "FailedToLoad"},
                          "transitionStatus": "BlockedByFailedLoad"}}),
    isvc("triton-grpc",
         {"predictor": {"triton": {"protocolVersion": "grpc-v2", "storageUri": "gs://models/triton"}}},
         {"address": {"url": "http://triton-grpc.kserve-test.svc.cluster.local"},
          "conditions": CONDITIONS_READY, "url": "http://triton-grpc.kserve-test.example.com"}),
    isvc("raw-income",
         {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "protocolVersion": "v1",
                                  "storageUri": "gs://seldon-models/sklearn/income/model"}}},
         {"address": {"url": "http://raw-income-predictor.kserve-test.svc.cluster.local"},
          "components": {"predictor": {"url": "http://raw-income-predictor-kserve-test.example.com"}},
          "conditions": [{"lastTransitionTime": "2026-11-20T10:00:05Z", "status": "True", "type": "PredictorReady"},
                         {"lastTransitionTime": "2026-11-20T10:00:05Z", "status": "True", "type": "Ready"}]},
         annotations={"serving.kserve.io/deploymentMode": "RawDeployment"}),
]}

ROUTES = {
    "/apis/serving.kserve.io/v1beta1/namespaces/kserve-test/inferenceservices": INFERENCE_SERVICES,
    "/apis/serving.kserve.io/v1beta1/inferenceservices": INFERENCE_SERVICES,
}


class FakeKubeAPI(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = ROUTES.get(self.path.split("?")[0])
        status = 200 if body is not None else 404
        if body is None:  # what the API server says for a resource type it does not have
            body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "the server could not find the requested resource", "reason": "NotFound",
                    "details": {}, "code": 404}
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


def listed(api_client, **kwargs) -> dict:
    return {r.name: r for r in KubernetesDiscovery(api_client=api_client, **kwargs).list_models()}


def test_inference_services_need_no_url_and_say_where_they_answer(api_client):
    refs = listed(api_client, namespace="kserve-test")
    assert set(refs) == {"kserve-test/sklearn-iris", "kserve-test/income", "kserve-test/mlserver-wine",
                         "kserve-test/broken", "kserve-test/triton-grpc", "kserve-test/raw-income"}
    iris = refs["kserve-test/sklearn-iris"]
    assert (iris.protocol, iris.status, iris.version, iris.source) == ("kserve-v1", "ready", "3",
                                                                       "kubernetes:InferenceService")
    assert iris.predict_url == "http://sklearn-iris.kserve-test.example.com/v1/models/sklearn-iris:predict"
    assert iris.ready_url == "http://sklearn-iris.kserve-test.example.com/v1/models/sklearn-iris"
    assert iris.description == "Iris species from petal and sepal sizes." and iris.tags == ("team=flowers", "version=3")
    # The request logger reports the InferenceService's name; its events go to the sink named in the spec.
    assert (iris.log_name, iris.logger_url) == ("sklearn-iris", "http://mds-sink.mds.svc.cluster.local")
    assert iris.explainer is None and iris.feedback_url is None


def test_protocol_from_protocol_version_new_and_old_spec(api_client):
    refs = listed(api_client, namespace="kserve-test")
    wine = refs["kserve-test/mlserver-wine"]
    assert wine.protocol == "v2" and wine.predict_url == "http://mlserver-wine.kserve-test.example.com/v2/models/mlserver-wine/infer"
    assert wine.metadata_url == "http://mlserver-wine.kserve-test.example.com/v2/models/mlserver-wine"
    assert refs["kserve-test/income"].protocol == "kserve-v1"  # spec.predictor.sklearn.protocolVersion
    grpc = refs["kserve-test/triton-grpc"]
    assert grpc.protocol == "v2" and grpc.status == "not ready" and "gRPC only" in grpc.status_reason


def test_explainer_answers_at_its_own_component(api_client):
    income = listed(api_client, namespace="kserve-test")["kserve-test/income"]
    assert income.explainer is not None and income.explainer.protocol == "kserve-v1"
    assert income.explainer.explain_url == "http://income-explainer.kserve-test.example.com/v1/models/income:explain"
    assert income.predict_url == "http://income.kserve-test.example.com/v1/models/income:predict"


def test_not_ready_says_why_from_the_model_status(api_client):
    broken = listed(api_client, namespace="kserve-test")["kserve-test/broken"]
    assert broken.status == "not ready"
    assert broken.status_reason == "Failed to download model: gs://nowhere/model not found"
    # No URL yet: the cluster-local name it will have, so calls fail with a connection error, not a crash.
    assert broken.endpoint == "http://broken.kserve-test.svc.cluster.local"


def test_internal_addresses_for_a_workbench_in_the_cluster(api_client):
    refs = listed(api_client, namespace="kserve-test", kserve_internal=True)
    assert refs["kserve-test/sklearn-iris"].endpoint == "http://sklearn-iris.kserve-test.svc.cluster.local"
    assert refs["kserve-test/income"].explainer.endpoint == "http://income-explainer.kserve-test.svc.cluster.local"
    assert refs["kserve-test/raw-income"].endpoint == "http://raw-income-predictor.kserve-test.svc.cluster.local"


def test_raw_deployment_uses_its_predictor_address(api_client):
    raw = listed(api_client, namespace="kserve-test")["kserve-test/raw-income"]
    assert raw.status == "ready"
    # Top-level status.url absent: the address there is the predictor's own service.
    assert raw.endpoint == "http://raw-income-predictor.kserve-test.svc.cluster.local"


def test_every_namespace_and_beside_seldon(api_client):
    refs = listed(api_client, ingress_url="https://mds.example/")  # Seldon's CRDs are absent here: 404, none listed
    assert len(refs) == 6 and all(r.source == "kubernetes:InferenceService" for r in refs.values())


def test_kserve_can_be_left_out(api_client):
    with pytest.raises(CatalogError, match="ingress URL"):
        listed(api_client, namespace="kserve-test", kserve=False)


@pytest.mark.parametrize("spec,protocol", [
    ({"predictor": {"model": {"modelFormat": {"name": "sklearn"}}}}, "kserve-v1"),
    ({"predictor": {"model": {"protocolVersion": "V2"}}}, "v2"),
    ({"predictor": {"xgboost": {"protocolVersion": "v2"}}}, "v2"),
    ({"predictor": {"containers": [{"name": "kserve-container", "image": "me/model:1"}]}}, "kserve-v1"),
    ({}, "kserve-v1"),
])
def test_protocol_of_each_predictor_form(spec, protocol):
    [ref] = refs_from_inference_service({"metadata": {"name": "m", "namespace": "ns"}, "spec": spec})
    assert ref.protocol == protocol and ref.status == "not ready"
