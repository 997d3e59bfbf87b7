"""Seldon Core v2 Experiments and Pipelines through Kubernetes discovery, and calls through the mesh.

Neither a Kubernetes API server nor Seldon's mesh (Envoy + scheduler) can run here, so loopback
servers replay them: the API lists objects written from the CRDs in SeldonIO/seldon-core
(``operator/config/crd/bases/mlops.seldon.io_{experiments,pipelines}.yaml``: ``spec.default``,
``candidates[{name, weight}]``, ``mirror{name, percent}``, ``resourceType``; ``steps[{name, inputs,
triggers}]``, ``output.steps``) with the conditions the operator writes; the mesh answers like
MLServer behind it and sets ``x-seldon-route`` the way Seldon does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client

from mds_client import MDSClient
from mds_client.discovery import KubernetesDiscovery
from mds_client.discovery.seldon_v2 import answered_by
from mds_client.refs import Candidate, Mirror, PipelineStep

V1A1 = "mlops.seldon.io/v1alpha1"


def _cond(kind: str, status: str = "True", **extra: str) -> dict[str, str]:
    return {"type": kind, "status": status, "lastTransitionTime": "2026-11-20T10:00:00Z", **extra}


EXPERIMENTS = {"apiVersion": V1A1, "kind": "ExperimentList", "metadata": {"resourceVersion": "811"}, "items": [
    {"apiVersion": V1A1, "kind": "Experiment",
     "metadata": {"name": "income-ab", "namespace": "models", "generation": 2, "uid": "5b0c",
                  "annotations": {"mds.workbench/owner": "risk-ds"}},
     "spec": {"default": "income", "candidates": [{"name": "income", "weight": 75}, {"name": "income-v2", "weight": 25}],
              "mirror": {"name": "income-shadow", "percent": 10}},
     "status": {"observedGeneration": 2, "conditions": [
         _cond("CandidatesReady"), _cond("ExperimentReady", reason="experiment active"), _cond("MirrorReady"), _cond("Ready")]}},
    {"apiVersion": V1A1, "kind": "Experiment",
     "metadata": {"name": "chains", "namespace": "models", "generation": 1},
     "spec": {"resourceType": "pipeline", "candidates": [{"name": "chain-a", "weight": 1}, {"name": "chain-b", "weight": 1}]},
     "status": {"conditions": [
         _cond("CandidatesReady", "False", reason="CandidatesNotReady", message="pipeline chain-b is not ready"),
         _cond("ExperimentReady", "False", reason="experiment not ready"),
         _cond("Ready", "False", reason="experiment not ready")]}},
    {"apiVersion": V1A1, "kind": "Experiment",
     "metadata": {"name": "fresh", "namespace": "models"},
     "spec": {"candidates": [{"name": "income", "weight": 50}]}},
]}
PIPELINES = {"apiVersion": V1A1, "kind": "PipelineList", "items": [
    {"apiVersion": V1A1, "kind": "Pipeline",
     "metadata": {"name": "chain-a", "namespace": "models", "generation": 4, "labels": {"version": "7"}},
     "spec": {"steps": [{"name": "scaler"}, {"name": "income", "inputs": ["scaler.outputs"]},
                        {"name": "drift", "inputs": ["chain-a.inputs"], "triggers": ["income.outputs.predict"],
                         "batch": {"size": 20}}],
              "output": {"steps": ["income"]}},
     "status": {"conditions": [_cond("ModelsReady"), _cond("PipelineReady", reason="Created"), _cond("Ready")]}},
    {"apiVersion": V1A1, "kind": "Pipeline",
     "metadata": {"name": "chain-b", "namespace": "models"},
     "spec": {"steps": [{"name": "income-v2"}], "output": {"steps": ["income-v2"]}},
     "status": {"conditions": [_cond("ModelsReady", "False", reason="ModelsNotReady", message="income-v2 not available"),
                               _cond("PipelineReady", "False", reason="Created", message="Waiting for models")]}},
]}
MODELS = {"apiVersion": V1A1, "kind": "ModelList", "items": []}
ROUTES = {
    f"/apis/{V1A1}/namespaces/models/experiments": EXPERIMENTS,
    f"/apis/{V1A1}/namespaces/models/pipelines": PIPELINES,
    f"/apis/{V1A1}/namespaces/models/models": MODELS,
}
# The mesh splits an experiment's calls; here it always sends them to the second arm.
MESH_ROUTES = {"income-ab.experiment": "income-v2_1", "chain-a.pipeline": "chain-a.pipeline"}


class _Replay(BaseHTTPRequestHandler):
    seen: list[tuple[str, dict[str, str]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # the Kubernetes API
        body = ROUTES.get(self.path.split("?")[0])
        if body is None:
            self._answer(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})
        else:
            self._answer(200, body)

    def do_POST(self) -> None:  # the Seldon mesh: route on the Seldon-Model header
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.path, dict(self.headers)))
        target = MESH_ROUTES.get(self.headers.get("Seldon-Model", ""))
        if target is None:
            self._answer(404, {"error": "no route for this Seldon-Model header"})
            return
        self._answer(200, {"model_name": target.rsplit("_", 1)[0], "model_version": "1", "id": "r-1", "parameters": {},
                           "outputs": [{"name": "predict", "datatype": "INT64", "shape": [1, 1], "data": [1]}]},
                     {"x-seldon-route": f":{target}:", "x-request-id": "r-1"})


@pytest.fixture(scope="module")
def replay() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def refs(replay):
    config = client.Configuration()
    config.host = replay
    found = KubernetesDiscovery(namespace="models", mesh_url=replay + "/", api_client=client.ApiClient(config)).list_models()
    return {r.name: r for r in found}


def test_experiment_lists_candidates_weights_mirror_and_routes_on_its_header(refs, replay):
    ab = refs["models/income-ab"]
    assert ab.kind == "experiment" and ab.source == "kubernetes:Experiment" and ab.status == "ready"
    assert ab.candidates == (Candidate("income", 75), Candidate("income-v2", 25))
    assert ab.mirror == Mirror("income-shadow", 10)
    assert ab.headers == {"Seldon-Model": "income-ab.experiment"}
    assert ab.predict_url == f"{replay}/v2/models/income-ab/infer"
    assert ab.description == ("Experiment over models: income 75%, income-v2 25%; 10% mirrored to income-shadow; "
                              "also answers on income's endpoint")
    assert ab.card == {"owner": "risk-ds"} and "default=income" in ab.tags and ab.version == "2"


def test_experiment_not_ready_says_which_condition_failed(refs):
    chains = refs["models/chains"]
    assert chains.status == "not ready" and chains.status_reason == "pipeline chain-b is not ready"
    assert chains.mirror is None and "resource=pipeline" in chains.tags
    assert chains.description == "Experiment over pipelines: chain-a 50%, chain-b 50%"
    fresh = refs["models/fresh"]
    assert fresh.status == "not ready" and fresh.status_reason == "no Ready condition reported yet"


def test_pipeline_lists_its_steps_in_order(refs):
    chain = refs["models/chain-a"]
    assert chain.kind == "pipeline" and chain.status == "ready" and chain.version == "7"
    assert chain.steps == (PipelineStep("scaler"), PipelineStep("income", inputs=("scaler.outputs",)),
                           PipelineStep("drift", inputs=("chain-a.inputs",), triggers=("income.outputs.predict",)))
    assert chain.headers == {"Seldon-Model": "chain-a.pipeline"}
    assert chain.description == "Pipeline of 3 steps: scaler → income → drift; answer from income"
    broken = refs["models/chain-b"]
    assert broken.status == "not ready" and broken.status_reason == "Waiting for models"


@pytest.mark.parametrize(("name", "answered"), [("models/income-ab", "income-v2_1"), ("models/chain-a", "chain-a.pipeline")])
def test_calls_through_the_mesh_name_the_experiment_or_pipeline_and_show_who_answered(refs, name, answered):
    _Replay.seen.clear()
    mds = MDSClient()
    try:
        prediction = mds.predict_body(refs[name], {"inputs": [
            {"name": "x", "datatype": "FP64", "shape": [1, 1], "data": [0.5]}]})
    finally:
        mds.close()
    path, headers = _Replay.seen[-1]
    assert headers["Seldon-Model"] == refs[name].headers["Seldon-Model"]
    assert path == f"/v2/models/{refs[name].model_name}/infer"
    assert answered_by(prediction.response) == answered.rsplit("_", 1)[0]
    assert answered_by(prediction.response, {"X-Seldon-Route": f":{answered}:"}) == answered


@pytest.mark.parametrize(("headers", "body", "expected"), [
    ({"x-seldon-route": ":iris_1:"}, {}, "iris_1"),
    ({"X-Seldon-Route": ":iris2_1:"}, {"model_name": "iris"}, "iris2_1"),
    ({}, {"model_name": "income"}, "income"),
    (None, None, ""),
])
def test_answered_by_reads_the_route_header_then_the_body(headers, body, expected):
    assert answered_by(body, headers) == expected

