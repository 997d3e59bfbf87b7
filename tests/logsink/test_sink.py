"""The sink process receiving events exactly as Seldon Core v1's executor and KServe's agent send them."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from workbench.store.traffic import log_summary, window_calls

T0 = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def go_time(moment: datetime) -> str:
    """Go's RFC3339Nano, as sdk-go writes Ce-Time (nine fractional digits)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def seldon_headers(kind: str, request_id: str, *, service: str, model_id: str, moment: datetime) -> dict[str, str]:
    ce_type = {"request": "io.seldon.serving.inference.request", "response": "io.seldon.serving.inference.response",
               "feedback": "io.seldon.serving.feedback"}[kind]
    # Header names as Go's net/http canonicalises them; Ce-Id is a fresh UUID per event.
    return {"Ce-Id": str(uuid.uuid4()), "Ce-Specversion": "1.0", "Ce-Type": ce_type,
            "Ce-Source": "http://seldon-model-example-0-classifier:8000/", "Ce-Time": go_time(moment),
            "Ce-Modelid": model_id, "Ce-Requestid": request_id, "Ce-Inferenceservicename": service,
            "Ce-Namespace": "seldon", "Ce-Endpoint": "example", "Ce-Protocol": "seldon",
            "Content-Type": "application/json"}


def kserve_headers(kind: str, request_id: str, *, service: str, moment: datetime) -> dict[str, str]:
    return {"Ce-Id": request_id, "Ce-Specversion": "1.0", "Ce-Type": f"org.kubeflow.serving.inference.{kind}",
            "Ce-Source": "http://localhost:9081/", "Ce-Time": go_time(moment), "Ce-Inferenceservicename": service,
            "Ce-Namespace": "kserve-test", "Ce-Component": "predictor", "Ce-Endpoint": "default",
            "Ce-Metadata": "{}", "Content-Type": "application/json"}


def post(sink, headers, body) -> httpx.Response:  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(sink.url + "/", headers=headers, content=data, timeout=10)


def calls(sink, model):  # type: ignore[no-untyped-def]
    return window_calls(sink.engine(), model, T0 - timedelta(days=1), T0 + timedelta(days=1), include_workbench=False)


def metric(sink, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    text = httpx.get(sink.url + "/metrics", timeout=5).text
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(want) + r"\}" if labels else "") + r" ([0-9.e+]+)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


PROBA_RESPONSE = {"data": {"names": ["setosa", "versicolor", "virginica"],
                           "ndarray": [[0.8, 0.1, 0.1], [0.1, 0.7, 0.2], [0.2, 0.2, 0.6]]}}
V1_REQUEST = {"data": {"names": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
                       "ndarray": [[5.1, 3.5, 1.4, 0.2], [6.0, 3.4, 4.5, 1.6], [6.3, 3.3, 6.0, 2.5]]}}


def test_seldon_v1_batch_joined_and_split_per_instance(sink):
    rid = uuid.uuid4().hex
    h = seldon_headers("request", rid, service="flowers-sdep", model_id="classifier", moment=T0)
    assert post(sink, h, {**V1_REQUEST, "meta": {"puid": rid}}).status_code == 200
    h = seldon_headers("response", rid, service="flowers-sdep", model_id="classifier", moment=T0 + timedelta(seconds=1))
    answer = post(sink, h, {**PROBA_RESPONSE, "meta": {"puid": rid}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["model"] == "flowers" and answer.json()["known_model"] is True
    rows = [c for c in calls(sink, "flowers") if c.request_id == rid]
    assert [c.row_index for c in rows] == [0, 1, 2]
    assert [c.label for c in rows] == ["setosa", "versicolor", "virginica"]
    assert rows[1].inputs == {"sepal_length": 6.0, "sepal_width": 3.4, "petal_length": 4.5, "petal_width": 1.6}
    assert rows[2].confidence == pytest.approx(0.6)
    assert all(c.status == "ok" and c.source == "seldon-logger" for c in rows)
    assert rows[0].time == T0.replace(microsecond=0)


def test_v2_payload_through_seldon_logger_attributed_by_model_id(sink):
    rid = uuid.uuid4().hex
    request = {"id": rid, "parameters": {"content_type": "pd"}, "inputs": [
        {"name": "rooms", "shape": [2], "datatype": "INT64", "data": [3, 5]},
        {"name": "area", "shape": [2], "datatype": "FP64", "data": [71.5, 120.0]},
        {"name": "district", "shape": [2], "datatype": "BYTES", "parameters": {"content_type": "str"},
         "data": ["north", "south"]}]}
    response = {"model_name": "prices-model", "model_version": "1", "id": rid, "parameters": {},
                "outputs": [{"name": "predict", "shape": [2, 1], "datatype": "FP64", "data": [210000.0, 395000.5]}]}
    for kind, body in (("request", request), ("response", response)):
        h = seldon_headers(kind, rid, service="unrelated-sdep-name", model_id="prices-model", moment=T0)
        assert post(sink, h, body).status_code == 200
    rows = [c for c in calls(sink, "prices") if c.request_id == rid]
    assert [r.inputs for r in rows] == [{"rooms": 3, "area": 71.5, "district": "north"},
                                        {"rooms": 5, "area": 120.0, "district": "south"}]
    assert [r.value for r in rows] == [210000.0, 395000.5]


def test_kserve_logger_ce_id_is_the_request_id(sink):
    rid = str(uuid.uuid4())
    h = kserve_headers("request", rid, service="flowers", moment=T0)
    assert post(sink, h, {"instances": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]}).status_code == 200
    h = kserve_headers("response", rid, service="flowers", moment=T0)
    assert post(sink, h, {"predictions": [1, 2]}).status_code == 200
    rows = [c for c in calls(sink, "flowers") if c.request_id == rid]
    assert [(r.source, r.label, r.status) for r in rows] == [("kserve-logger", "1", "ok"), ("kserve-logger", "2", "ok")]


def test_structured_mode(sink):
    rid = uuid.uuid4().hex
    for kind, data in (("request", V1_REQUEST), ("response", PROBA_RESPONSE)):
        event = {"specversion": "1.0", "id": uuid.uuid4().hex, "type": f"io.seldon.serving.inference.{kind}",
                 "source": "http://executor/", "time": "2026-11-30T12:00:05Z", "requestid": rid,
                 "inferenceservicename": "flowers", "datacontenttype": "application/json", "data": data}
        answer = post(sink, {"Content-Type": "application/cloudevents+json"}, event)
        assert answer.status_code == 200, answer.text
    rows = [c for c in calls(sink, "flowers") if c.request_id == rid]
    assert len(rows) == 3 and rows[0].label == "setosa" and rows[0].inputs["sepal_length"] == 5.1


def structured(kind: str, rid: str, data, *, moment: str = "2026-11-30T12:00:05Z") -> dict:  # type: ignore[no-untyped-def]
    return {"specversion": "1.0", "id": uuid.uuid4().hex, "type": f"io.seldon.serving.inference.{kind}",
            "source": "http://executor/", "time": moment, "requestid": rid, "inferenceservicename": "flowers",
            "datacontenttype": "application/json", "data": data}


BATCH = {"Content-Type": "application/cloudevents-batch+json"}


def test_batch_mode_stores_every_event_once_joined(sink):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    # out of order and with a duplicate inside the batch: still one joined row per instance
    batch = [structured("response", first, PROBA_RESPONSE), structured("request", first, V1_REQUEST),
             structured("request", second, V1_REQUEST), structured("request", second, V1_REQUEST),
             structured("response", second, PROBA_RESPONSE)]
    answer = post(sink, BATCH, batch)
    assert answer.status_code == 200, answer.text
    assert [e["request_id"] for e in answer.json()["events"]] == [first, first, second, second, second]
    for rid in (first, second):
        rows = [c for c in calls(sink, "flowers") if c.request_id == rid]
        assert [(r.label, r.status) for r in rows] == [("setosa", "ok"), ("versicolor", "ok"), ("virginica", "ok")]
        assert rows[0].inputs["sepal_length"] == 5.1


def test_batch_with_one_malformed_event_stores_nothing_and_names_it(sink):
    rid = uuid.uuid4().hex
    bad = structured("request", rid, V1_REQUEST)
    del bad["source"]
    before = metric(sink, "mds_sink_events_rejected_total", reason="not_cloudevent")
    answer = post(sink, BATCH, [structured("request", rid, V1_REQUEST), bad])
    assert answer.status_code == 400 and answer.json()["error"] == "not_cloudevent"
    assert "Event 2 of 2" in answer.json()["message"]
    assert [c for c in calls(sink, "flowers") if c.request_id == rid] == []
    assert metric(sink, "mds_sink_events_rejected_total", reason="not_cloudevent") == before + 1
    assert post(sink, BATCH, b"{}").status_code == 400


def test_duplicates_stored_once_and_response_before_request_joins(sink):
    rid = uuid.uuid4().hex
    response = seldon_headers("response", rid, service="flowers", model_id="m", moment=T0 + timedelta(seconds=2))
    request = seldon_headers("request", rid, service="flowers", model_id="m", moment=T0)
    for headers, body in ((response, PROBA_RESPONSE), (response, PROBA_RESPONSE), (request, V1_REQUEST),
                          (request, V1_REQUEST), (response, PROBA_RESPONSE)):
        assert post(sink, headers, body).status_code == 200
    rows = [c for c in calls(sink, "flowers") if c.request_id == rid]
    assert len(rows) == 3
    assert all(r.inputs and r.label and r.status == "ok" for r in rows)
    assert rows[0].time == T0.replace(microsecond=0), "the call's time is its request's"


def test_failed_call_and_feedback(sink):
    rid = uuid.uuid4().hex
    post(sink, seldon_headers("request", rid, service="flowers", model_id="m", moment=T0), V1_REQUEST)
    failure = {"status": {"code": -1, "info": "bad data", "reason": "MICROSERVICE_BAD_DATA", "status": "FAILURE"}}
    assert post(sink, seldon_headers("response", rid, service="flowers", model_id="m", moment=T0), failure).status_code == 200
    rows = [c for c in calls(sink, "flowers") if c.request_id == rid]
    assert {r.status for r in rows} == {"error"} and len(rows) == 3
    feedback = {"request": V1_REQUEST, "response": {**PROBA_RESPONSE, "meta": {"puid": rid}}, "reward": 1.0}
    answer = post(sink, seldon_headers("feedback", uuid.uuid4().hex, service="flowers", model_id="m", moment=T0), feedback)
    assert answer.status_code == 200


def test_unknown_model_is_stored_under_its_own_name(sink):
    rid = uuid.uuid4().hex
    answer = post(sink, seldon_headers("request", rid, service="nobody-knows", model_id="x", moment=T0), V1_REQUEST)
    assert answer.status_code == 200 and answer.json()["known_model"] is False
    summary = log_summary(sink.engine(), "nobody-knows", include_workbench=False)
    assert summary.total == 3 and summary.known_model is False and summary.per_source == {"seldon-logger": 3}


@pytest.mark.parametrize(("headers", "body", "status", "reason"), [
    ({"Content-Type": "application/json"}, b'{"data": {}}', 400, "not_cloudevent"),
    ({"Ce-Id": "1", "Ce-Specversion": "1.0", "Ce-Source": "s", "Ce-Type": "com.example.other",
      "Ce-Requestid": "r", "Ce-Inferenceservicename": "flowers"}, b"{}", 400, "unknown_type"),
    ({"Ce-Id": "1", "Ce-Specversion": "1.0", "Ce-Type": "io.seldon.serving.inference.request",
      "Ce-Requestid": "r", "Ce-Inferenceservicename": "flowers"}, b"{}", 400, "not_cloudevent"),
    ({"Ce-Id": "1", "Ce-Specversion": "1.0", "Ce-Source": "s", "Ce-Type": "io.seldon.serving.inference.request",
      "Ce-Inferenceservicename": "flowers"}, b"{}", 400, "no_request_id"),
    ({"Ce-Id": "1", "Ce-Specversion": "1.0", "Ce-Source": "s", "Ce-Type": "io.seldon.serving.inference.request",
      "Ce-Requestid": "r", "Ce-Inferenceservicename": "flowers", "Content-Type": "application/json"},
     b'{"data": {"names": ["a"], "ndarray": [[1]', 400, "bad_json"),
    ({"Ce-Id": "1", "Ce-Specversion": "1.0", "Ce-Source": "s", "Ce-Type": "io.seldon.serving.inference.request",
      "Ce-Requestid": "r", "Ce-Inferenceservicename": "flowers", "Content-Type": "application/json"},
     b'{"data": {"names": ["a"], "tensor": {"shape": [2, 2], "values": [1]}}}', 400, "bad_payload"),
    ({"Content-Type": "application/cloudevents+json"}, b'{"specversion": "1.0", "id": "1"', 400, "not_cloudevent"),
])
def test_malformed_events_get_4xx_naming_the_problem_and_are_counted(sink, headers, body, status, reason):
    before = metric(sink, "mds_sink_events_rejected_total", reason=reason)
    answer = post(sink, headers, body)
    assert answer.status_code == status
    assert answer.json()["error"] == reason and answer.json()["message"]
    assert metric(sink, "mds_sink_events_rejected_total", reason=reason) == before + 1
    assert httpx.get(sink.url + "/health", timeout=5).status_code == 200


def test_metrics_count_received_and_stored(sink):
    before = metric(sink, "mds_sink_rows_stored_total")
    rid = uuid.uuid4().hex
    post(sink, seldon_headers("request", rid, service="flowers", model_id="m", moment=T0), V1_REQUEST)
    assert metric(sink, "mds_sink_rows_stored_total") == before + 3
    assert metric(sink, "mds_sink_events_received_total", type="io.seldon.serving.inference.request") >= 1
    assert "mds_sink_write_seconds_bucket" in httpx.get(sink.url + "/metrics", timeout=5).text
