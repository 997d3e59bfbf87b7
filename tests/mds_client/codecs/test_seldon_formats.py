"""Every Seldon v1 message form, both ways, through a real seldon-core microservice; V2 multi-output
responses and versioned paths through a real MLServer; the Seldon Core v2 mesh through a replay.

``echo-v1`` is seldon-core's own Python wrapper answering what it decoded, in the form it was sent
(``construct_response_json``), so each case shows what reaches a model and what comes back.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from mds_client import Feature, FeatureKind, ModelRef, ModelSchema
from mds_client.codecs import codec_for


def numeric(names, messagetype=""):
    return ModelSchema(tuple(Feature(n, FeatureKind.NUMBER) for n in names), messagetype=messagetype)


@pytest.mark.parametrize("messagetype,frame,dtype", [
    ("ndarray", pd.DataFrame({"a": [1.5, -2.0], "b": [3.0, 4.25]}), "float64"),
    ("tensor", pd.DataFrame({"a": [1.5, -2.0], "b": [3.0, 4.25]}), "float64"),
])
def test_data_forms_round_trip_with_names(client, refs, messagetype, frame, dtype):
    prediction = client.predict(refs["echo-v1"], frame, numeric(["a", "b"], messagetype))
    data = prediction.response["data"]
    assert messagetype in data and data["names"] == ["a", "b"]
    assert prediction.meta["tags"]["dtype"] == dtype
    assert prediction.served_by == "echo-v1"  # meta.requestPath names the node that answered
    assert np.allclose(np.asarray(prediction.labels, dtype=float), frame.to_numpy())
    assert prediction.request_id and prediction.request_id == prediction.response["meta"]["puid"]


@pytest.mark.parametrize("body,dtype,rows", [
    ({"data": {"names": ["n"], "ndarray": [[1], [2]]}}, "int64", [[1], [2]]),
    ({"data": {"names": ["s"], "ndarray": [["x"], ["ü"]]}}, "<U1", [["x"], ["ü"]]),
    ({"data": {"names": ["a", "b"], "tensor": {"shape": [1, 2], "values": [0.5, 2]}}}, "float64", [[0.5, 2.0]]),
])
def test_data_dtypes_as_seldon_hands_them_to_the_model(client, refs, body, dtype, rows):
    prediction = client.predict_body(refs["echo-v1"], body)
    assert prediction.meta["tags"]["dtype"] == dtype
    assert np.asarray(prediction.outputs["data"]).tolist() == rows


def test_json_data_round_trips_mixed_records(client, refs):
    frame = pd.DataFrame({"price": [16.99], "count": [2], "name": ["Ünïcode"], "flag": [True]})
    prediction = client.predict(refs["echo-v1"], frame)
    assert prediction.request["jsonData"] == prediction.response["jsonData"] == frame.to_dict(orient="records")


def test_str_data_round_trips(client, refs):
    schema = ModelSchema((Feature("text", FeatureKind.TEXT),), messagetype="strData")
    prediction = client.predict(refs["echo-v1"], pd.DataFrame({"text": ["hello, wörld"]}), schema)
    assert prediction.request == {"strData": "hello, wörld", "meta": {"puid": prediction.request_id}}
    assert prediction.labels == ["hello, wörld"] and prediction.meta["tags"]["dtype"] == "<U12"


def test_bin_data_round_trips_as_base64(client, refs):
    raw = bytes(range(0, 256, 7))
    schema = ModelSchema((Feature("blob", FeatureKind.TEXT),), messagetype="binData")
    prediction = client.predict(refs["echo-v1"], pd.DataFrame({"blob": [raw]}), schema, validate=False)
    assert prediction.request["binData"] == base64.b64encode(raw).decode()
    assert prediction.labels == [raw] and prediction.outputs["binData"] == raw


def test_v2_multi_output_responses_keep_every_output(client, refs):
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [3, 4], "z": ["a", "b"]})
    prediction = client.predict(refs["echo"], frame)
    assert set(prediction.outputs) == {"x", "y", "z"} and prediction.outputs["z"].tolist() == ["a", "b"]
    wine = refs["wine"]
    both = client.predict(wine, pd.read_csv(wine.reference_data).head(2), client.schema(wine))
    assert {o["name"] for o in both.response["outputs"]} == {"predict", "predict_proba"}
    assert both.probabilities.shape == (2, 3) and both.labels[0] in both.proba_names


def test_v2_versioned_path(client, refs):
    ref = replace(refs["wine"], version="1", version_in_path=True)
    assert ref.predict_url.endswith("/v2/models/wine/versions/1/infer")
    prediction = client.predict(ref, pd.read_csv(ref.reference_data).head(1), client.schema(ref))
    assert prediction.n_rows == 1 and prediction.response["model_version"] == "1"


class _MeshReplay(BaseHTTPRequestHandler):
    """Answers as Seldon Core v2's envoy mesh does for an experiment that routed to ``iris-b``.

    A real mesh cannot run here (it needs Kubernetes, Kafka and the scheduler). The response is the
    shape it sends: the model's V2 answer with ``model_name`` "iris-b_1" and the ``x-seldon-route``
    header naming the models the request went through.
    """

    seen: list[dict[str, str]] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        _MeshReplay.seen.append({"path": self.path, "seldon-model": self.headers.get("Seldon-Model", "")})
        answer = json.dumps({"model_name": "iris-b_1", "model_version": "1", "id": body.get("id", ""),
                             "outputs": [{"name": "predict", "shape": [1, 1], "datatype": "INT64", "data": [2]}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-seldon-route", ":iris-b_1:")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_seldon_core_v2_mesh_experiment_shows_the_answering_model(client):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MeshReplay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        ref = ModelRef("iris", "v2", url, model_name="iris", headers={"Seldon-Model": "iris-split.experiment"})
        prediction = client.predict(ref, pd.DataFrame({"a": [1.0]}))
        assert _MeshReplay.seen[-1] == {"path": "/v2/models/iris/infer", "seldon-model": "iris-split.experiment"}
        assert prediction.served_by == "iris-b_1" and prediction.labels == [2]
    finally:
        server.shutdown()
        server.server_close()


def test_a_v1_graph_response_keeps_routing_and_names_the_last_node():
    body = {"data": {"names": ["p0", "p1"], "ndarray": [[0.2, 0.8]]},
            "meta": {"puid": "abc", "tags": {"ab": "b"}, "routing": {"router": 1},
                     "requestPath": {"router": "seldonio/router:1", "model-b": "me/model-b:2"}}}
    decoded = codec_for("seldon").decode(body, ModelSchema(), n_rows=1)
    assert decoded.served_by == "model-b" and decoded.meta["routing"] == {"router": 1} and decoded.request_id == "abc"
