"""gRPC for models found in Kubernetes: where an operator says, through the real ``kubernetes`` client against a
loopback API server replaying the CRDs' shapes (Seldon Core v1 ``SeldonDeployment``, Seldon Core 2 ``Model``, KServe
``InferenceService``), and calls to a real MLServer's gRPC API (tests/grpc_fixture.py) answering as over REST.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from kubernetes import client

from mds_client import CatalogError, MDSClient
from mds_client.discovery import KubernetesDiscovery
from mds_client.discovery.grpc_address import grpc_url_problem
from mds_client.transport.grpc_v2 import CHANNEL_OPTIONS, Target, channel_options
from tests.kserve_fixture import orchard_rows

REPO = Path(__file__).resolve().parents[3]
NS = "orchards"
READY = [{"type": "ModelReady", "status": "True", "lastTransitionTime": "2026-11-20T10:00:00Z"},
         {"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-20T10:00:00Z"}]


def sdep(name: str, protocol: str, graph: str, annotations: dict | None = None) -> dict:
    return {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
            "metadata": {"name": name, "namespace": NS, "generation": 1, "annotations": annotations or {}},
            "spec": {"protocol": protocol, "predictors": [{"name": "default", "replicas": 1, "graph": {
                "name": graph, "implementation": "SKLEARN_SERVER", "modelUri": "gs://models/orchard"}}]},
            "status": {"state": "Available", "address": {"url": f"http://{name}-default.{NS}.svc.cluster.local:8000"}}}


def model(name: str, annotations: dict | None = None) -> dict:
    return {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model",
            "metadata": {"name": name, "namespace": NS, "generation": 1, "annotations": annotations or {}},
            "spec": {"storageUri": "gs://models/orchard", "requirements": ["sklearn"]},
            "status": {"conditions": READY, "replicas": 1}}


def isvc(name: str, protocol: str, url: str, annotations: dict | None = None) -> dict:
    host = url.split("://", 1)[1]
    return {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
            "metadata": {"name": name, "namespace": NS, "generation": 1,
                         "annotations": {"serving.kserve.io/deploymentMode": "Serverless", **(annotations or {})}},
            "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "protocolVersion": protocol,
                                             "storageUri": "gs://models/orchard"}}},
            "status": {"url": url, "address": {"url": f"http://{name}.{NS}.svc.cluster.local"},
                       "components": {"predictor": {"url": f"http://{name}-predictor.{host}"}},
                       "conditions": [{"type": "PredictorReady", "status": "True"}, {"type": "Ready", "status": "True"}]}}


def objects(mlserver_url: str, mlserver_grpc: str) -> dict[str, dict]:
    """The cluster: what each kind lists, keyed by the API path the client asks."""
    return {
        "seldondeployments": [
            sdep("pears-v2", "v2", "pears"),
            sdep("pears-pinned", "v2", "pears", {"mds.workbench/grpc-url": "grpcs://pears.grpc.example.com:443"}),
            sdep("pears-seldon", "seldon", "pears", {"mds.workbench/grpc-url": "grpc://pears:9000"})],
        "models": [
            model("orchard-grpc", {"mds.workbench/grpc-url": mlserver_grpc, "mds.workbench/transport": "grpc",
                                   "mds.workbench/owner": "orchard-ds"}),
            model("plums"),
            model("plums-typo", {"mds.workbench/grpc-url": "http://plums:9000", "mds.workbench/transport": "grpc"}),
            model("plums-path", {"mds.workbench/grpc-url": "grpc://plums:9000/v2"}),
            model("plums-carrier", {"mds.workbench/transport": "pigeon"})],
        "inferenceservices": [
            isvc("orchard-grpc", "v2", mlserver_url),
            isvc("figs", "v1", "http://figs.orchards.example.com"),
            isvc("figs-grpc", "grpc-v2", "http://figs-grpc.orchards.example.com")],
    }


@contextlib.contextmanager
def fake_cluster(lists: dict[str, list[dict]]) -> Iterator[str]:
    """A loopback Kubernetes API listing ``lists`` (by plural); its URL."""
    groups = {"seldondeployments": "machinelearning.seldon.io/v1", "models": "mlops.seldon.io/v1alpha1",
              "pipelines": "mlops.seldon.io/v1alpha1", "experiments": "mlops.seldon.io/v1alpha1",
              "inferenceservices": "serving.kserve.io/v1beta1"}

    class FakeKubeAPI(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            plural = self.path.split("?")[0].rsplit("/", 1)[-1]
            known = self.path.startswith(f"/apis/{groups.get(plural)}/")
            body = ({"apiVersion": groups[plural], "kind": "List", "metadata": {"resourceVersion": "90"},
                     "items": lists.get(plural, [])} if known else
                    {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})
            data = json.dumps(body).encode()
            self.send_response(200 if known else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKubeAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def cluster(grpc_mlserver) -> Iterator[str]:
    with fake_cluster(objects(grpc_mlserver.url, grpc_mlserver.grpc_url)) as url:
        yield url


def discovered(url: str, **kwargs) -> dict:
    config = client.Configuration()
    config.host = url
    found = KubernetesDiscovery(namespace=NS, api_client=client.ApiClient(config), **kwargs).list_models()
    # (kind, name): a Model and an InferenceService share the name orchard-grpc, which discovery tells apart by kind
    return {(r.source.split(":")[1], r.name.split("/")[1].split(" (")[0]): r for r in found}


def test_without_annotation_or_ingress_no_model_gets_a_grpc_address(cluster, grpc_mlserver):
    refs = discovered(cluster, ingress_url="http://ingress", mesh_url="http://mesh")
    pinned = {key for key, ref in refs.items() if ref.grpc_url}
    assert pinned == {("SeldonDeployment", "pears-pinned"), ("Model", "orchard-grpc")}  # the operator's, only
    figs = refs[("InferenceService", "figs-grpc")]
    assert figs.status == "not ready" and "mds.workbench/grpc-url" in figs.status_reason
    assert "WORKBENCH_KUBE_GRPC_URL" in figs.status_reason


def test_the_ingress_gives_each_kind_its_grpc_address_and_the_routing_rest_uses(cluster):
    refs = discovered(cluster, ingress_url="http://ingress", mesh_url="http://mesh", grpc_url="grpc://gw.example:81")
    seldon_v1 = refs[("SeldonDeployment", "pears-v2")]  # REST: <ingress>/seldon/<ns>/<name>; gRPC: metadata
    assert (seldon_v1.grpc_url, seldon_v1.headers) == ("grpc://gw.example:81", {"seldon": "pears-v2", "namespace": NS})
    assert seldon_v1.transport == "rest" and seldon_v1.predict_url.startswith(f"http://ingress/seldon/{NS}/pears-v2/")
    plums = refs[("Model", "plums")]  # the mesh routes both on Seldon-Model
    assert (plums.grpc_url, plums.headers) == ("grpc://gw.example:81", {"Seldon-Model": "plums"})
    kserve = refs[("InferenceService", "orchard-grpc")]  # KServe's ingress routes on the host: the :authority
    assert kserve.grpc_url == "grpc://gw.example:81" and kserve.headers == {"Host": "127.0.0.1"}
    # The annotation wins over the ingress, and is called as it is (no routing added).
    pinned = refs[("SeldonDeployment", "pears-pinned")]
    assert (pinned.grpc_url, pinned.headers) == ("grpcs://pears.grpc.example.com:443", {})
    # No V2 gRPC API for Seldon's own protocol nor KServe V1: no address, and the annotation is said ignored.
    assert refs[("SeldonDeployment", "pears-seldon")].grpc_url == refs[("InferenceService", "figs")].grpc_url == ""
    assert "a seldon model has no V2 gRPC API" in refs[("SeldonDeployment", "pears-seldon")].card["grpc"]
    # A gRPC-only InferenceService is now callable: over gRPC, ready as its conditions say.
    figs = refs[("InferenceService", "figs-grpc")]
    assert (figs.status, figs.transport, figs.headers) == ("ready", "grpc", {"Host": "figs-grpc.orchards.example.com"})


@pytest.mark.parametrize(("name", "words"), [
    ("plums-typo", "mds.workbench/grpc-url 'http://plums:9000' ignored: it must start with grpc:// (grpcs:// for "
                   "TLS); mds.workbench/transport grpc ignored: the model has no usable gRPC address."),
    ("plums-path", "mds.workbench/grpc-url 'grpc://plums:9000/v2' ignored: it must be host:port after the scheme"),
    ("plums-carrier", "mds.workbench/transport 'pigeon' ignored: it is rest or grpc."),
])
def test_an_unusable_annotation_is_ignored_and_the_card_says_why(cluster, name, words):
    ref = discovered(cluster, mesh_url="http://mesh")[("Model", name)]
    assert (ref.grpc_url, ref.transport) == ("", "rest") and ref.status == "ready"
    assert words in ref.card["grpc"] and "grpc_url" not in ref.card and "transport" not in ref.card


@pytest.mark.parametrize(("setting", "problem"), [
    ("gw.example:81", "must start with grpc://"), ("grpc://gw.example", "host:port"), ("grpc://gw:81/x", "no path")])
def test_an_unusable_ingress_setting_is_refused_with_what_to_set(setting, problem):
    assert problem in grpc_url_problem(setting)
    with pytest.raises(CatalogError, match="WORKBENCH_KUBE_GRPC_URL") as refused:
        KubernetesDiscovery(grpc_url=setting)
    assert setting in str(refused.value)


def test_a_host_header_becomes_the_channels_authority():
    assert channel_options(Target("gw:81")) == CHANNEL_OPTIONS
    assert channel_options(Target("gw:81", authority="figs.example.com")) == (
        *CHANNEL_OPTIONS, ("grpc.default_authority", "figs.example.com"))


def test_a_discovered_model_answers_over_grpc_as_over_rest(cluster, grpc_mlserver):
    refs = discovered(cluster, mesh_url=grpc_mlserver.url, grpc_url=grpc_mlserver.grpc_url)
    annotated = refs[("Model", "orchard-grpc")]  # its annotation: gRPC, with Seldon-Model as metadata
    assert (annotated.transport, annotated.grpc_url, annotated.card) == ("grpc", grpc_mlserver.grpc_url,
                                                                        {"owner": "orchard-ds"})
    kserve = refs[("InferenceService", "orchard-grpc")]  # the ingress: routed by its host (:authority)
    mds_client = MDSClient()
    try:
        schema = mds_client.schema(annotated.over("rest"))
        frame, _ = orchard_rows(40, seed=31)
        over_rest = mds_client.predict(annotated.over("rest"), frame, schema)
        assert set(over_rest.labels) <= {"bronze", "silver", "gold"}
        for ref in (annotated, kserve.over("grpc")):
            assert mds_client.status(ref).status == "ready"
            over_grpc = mds_client.predict(ref, frame, schema)
            assert over_grpc.url.startswith(grpc_mlserver.grpc_url) and over_grpc.url.endswith("/ModelInfer")
            assert over_grpc.labels == over_rest.labels
            assert np.array_equal(over_grpc.proba_matrix, over_rest.proba_matrix)
    finally:
        mds_client.close()


def test_mds_predict_discovery_kubernetes_transport_grpc(cluster, grpc_mlserver, tmp_path):
    """The CLI reads the cluster of the kubeconfig with the WORKBENCH_KUBE_* settings, as the app does (a process of
    its own: the kubernetes client reads KUBECONFIG when imported)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": cluster}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "me", "namespace": NS}}],
        "users": [{"name": "me", "user": {"token": "not-a-secret"}}]}))
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "WORKBENCH_KUBE_NAMESPACE": NS,
           "WORKBENCH_KUBE_MESH_URL": grpc_mlserver.url, "WORKBENCH_KUBE_GRPC_URL": grpc_mlserver.grpc_url}

    def mds(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "workbench.cli", "--discovery", "kubernetes", *args], env=env,
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    frame, _ = orchard_rows(200, seed=37)
    frame.to_csv(tmp_path / "rows.csv", index=False)
    for transport in ("rest", "grpc"):
        mds("predict", f"{NS}/orchard-grpc (Seldon Model)", "--input", str(tmp_path / "rows.csv"), "--output",
            str(tmp_path / f"{transport}.csv"), "--quiet", "--no-store", "--transport", transport)
    answers = [pd.read_csv(tmp_path / f"{t}.csv").drop(columns=["request_id"]) for t in ("rest", "grpc")]
    assert len(answers[1]) == 200
    pd.testing.assert_frame_equal(*answers)
    listed = [(m["name"], m["url"], m["status"]) for m in json.loads(mds("models", "--json"))]
    assert (f"{NS}/orchard-grpc (Seldon Model)", grpc_mlserver.grpc_url, "ready") in listed  # the Model, over its gRPC
