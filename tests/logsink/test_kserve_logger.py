"""The sink receiving KServe 0.21's request logger exactly as its agent sends (binary-mode CloudEvents).

KServe's agent (``pkg/logger``: ``handler.go``, ``worker.go``) posts one event for the request and, when the
model answered 200, one for the response, both with the same ``Ce-Id`` (the call's id: the request's own
``Ce-Id`` header when it had one, else a new UUID) and the request's Content-Type; the extensions are
``Ce-Inferenceservicename``, ``Ce-Namespace``, ``Ce-Component`` (predictor, transformer, explainer),
``Ce-Endpoint`` (``default`` or ``canary``) and ``Ce-Metadata`` (the JSON of the request headers named in
``metadataHeaders``, ``{}`` when none); ``Ce-Source`` is the pod's name. A newer sdk-go percent-encodes
header values that hold quotes: both forms are read.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.logsink.conftest import start_sink, stop_sink
from tests.logsink.test_sink import T0, calls, go_time, post

CLASSES = ["bronze", "gold", "silver"]


@pytest.fixture(scope="module")
def kserve_sink(tmp_path_factory):
    home = tmp_path_factory.mktemp("kserve-sink")
    (home / "orchard.json").write_text(json.dumps({
        "requests": [{"name": "size", "type": "REAL"}, {"name": "rooms", "type": "REAL", "data_type": "INT"},
                     {"name": "city", "type": "CATEGORICAL", "category_map": {c: c for c in ("lyon", "paris")}}],
        "responses": [{"name": "quality", "type": "PROBA", "schema": [{"name": c} for c in CLASSES]}]}))
    (home / "catalog.yaml").write_text(json.dumps({"models": [
        {"name": "orchard", "protocol": "kserve-v1", "url": "http://127.0.0.1:9"},
        {"name": "kserve-test/orchard-proba", "protocol": "kserve-v1", "url": "http://127.0.0.1:9",
         "model": "orchard-proba", "log_name": "orchard-proba", "schema": "orchard.json"},
        {"name": "orchard-v2", "protocol": "v2", "url": "http://127.0.0.1:9"},
    ]}))
    running = start_sink(home, home / "catalog.yaml")
    yield running
    stop_sink(running)


def agent_headers(kind: str, call_id: str, *, service: str, metadata: str = "{}", component: str = "predictor",
                  content_type: str = "application/json") -> dict[str, str]:
    """What KServe's agent sends (Go's canonical header names; Ce-Time as sdk-go writes it)."""
    return {"Ce-Id": call_id, "Ce-Specversion": "1.0", "Ce-Type": f"org.kubeflow.serving.inference.{kind}",
            "Ce-Source": f"{service}-predictor-00001-deployment-7d9c6b5f4-x2k8q",
            "Ce-Time": go_time(T0 + (timedelta(milliseconds=12) if kind == "response" else timedelta())),
            "Ce-Inferenceservicename": service, "Ce-Namespace": "kserve-test", "Ce-Component": component,
            "Ce-Endpoint": "default", "Ce-Metadata": metadata, "Content-Type": content_type}


def logged(sink, model: str, call_id: str) -> list:
    return [c for c in calls(sink, model) if c.request_id == call_id]


def test_v1_named_instances_and_text_labels(kserve_sink):
    call = str(uuid.uuid4())
    request = {"instances": [{"size": 9.5, "rooms": 3, "city": "paris"}, {"size": 4.2, "rooms": 1, "city": "lyon"}]}
    assert post(kserve_sink, agent_headers("request", call, service="orchard"), request).status_code == 200
    answer = post(kserve_sink, agent_headers("response", call, service="orchard"), {"predictions": ["gold", "bronze"]})
    assert answer.status_code == 200, answer.text
    rows = logged(kserve_sink, "orchard", call)
    assert [(r.row_index, r.label, r.source, r.status) for r in rows] == [
        (0, "gold", "kserve-logger", "ok"), (1, "bronze", "kserve-logger", "ok")]
    assert rows[0].inputs == {"size": 9.5, "rooms": 3, "city": "paris"}


@pytest.mark.parametrize("metadata", ['{"X-Request-Id":["c0ffee"]}', quote('{"X-Request-Id":["c0ffee"]}', safe="")],
                         ids=["plain", "percent-encoded"])
def test_v1_probabilities_named_by_the_catalog_schema(kserve_sink, metadata):
    call = str(uuid.uuid4())
    request = {"inputs": [[9.5, 3, "paris"]]}  # KServe's other name for instances: rows in the schema's order
    for kind, body in (("request", request), ("response", {"predictions": [[0.05, 0.8, 0.15]]})):
        answer = post(kserve_sink, agent_headers(kind, call, service="orchard-proba", metadata=metadata), body)
        assert answer.status_code == 200, answer.text
    [row] = logged(kserve_sink, "kserve-test/orchard-proba", call)
    assert row.label == "gold" and row.confidence == pytest.approx(0.8)
    assert row.inputs == {"size": 9.5, "rooms": 3, "city": "paris"}


def test_v2_through_the_kserve_logger(kserve_sink):
    call = str(uuid.uuid4())
    request = {"id": call, "parameters": {"content_type": "pd"}, "inputs": [
        {"name": "size", "shape": [1], "datatype": "FP64", "data": [9.5]},
        {"name": "city", "shape": [1], "datatype": "BYTES", "parameters": {"content_type": "str"}, "data": ["paris"]}]}
    response = {"model_name": "orchard-v2", "model_version": None, "id": call, "parameters": None,
                "outputs": [{"name": "label", "shape": [1], "datatype": "BYTES", "parameters": None, "data": ["gold"]}]}
    for kind, body in (("request", request), ("response", response)):
        assert post(kserve_sink, agent_headers(kind, call, service="orchard-v2"), body).status_code == 200
    [row] = logged(kserve_sink, "orchard-v2", call)
    assert (row.label, row.inputs) == ("gold", {"size": 9.5, "city": "paris"})
