"""The embedded MDS against real servers: MLServer, Seldon v1 microservices and NVIDIA Triton on free ports.

The servers start once for this file (module fixture, test models included, alibi server off:
it has its own file); the last test brings them down and checks no process is left.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests
import yaml

from embedded_mds import local_mds, processes
from embedded_mds.errors import AlreadyRunningError
from embedded_mds.layout import HomeLayout
from embedded_mds.ports import LocalPorts

TIMEOUT = (2, 20)
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def mds(tmp_path_factory):
    home = tmp_path_factory.mktemp("mds")
    running = local_mds.up(home, LocalPorts.free(), include_test_models=True, alibi=False, mlflow=False, timeout=60,
                           prometheus=False)
    yield running
    local_mds.down(home)


@pytest.fixture(scope="module")
def layout(mds) -> HomeLayout:
    return HomeLayout(mds.home)


def post(url: str, body: dict) -> requests.Response:
    return requests.post(url, json=body, headers=JSON, timeout=TIMEOUT)


def v2_columns(frame: pd.DataFrame, schema_inputs: list[dict]) -> list[dict]:
    """One V2 input per column, typed from the model-settings schema (what the codecs do)."""
    inputs = []
    for entry in schema_inputs:
        values = frame[entry["name"]].tolist()
        item = {"name": entry["name"], "datatype": entry["datatype"], "shape": [len(values)], "data": values}
        if entry["datatype"] == "BYTES":
            item["parameters"] = {"content_type": "str"}
        inputs.append(item)
    return inputs


def model_settings(layout: HomeLayout, name: str) -> dict:
    return json.loads((layout.model_dir(name) / "model-settings.json").read_text())


# -- lifecycle, state and catalog ----------------------------------------------------------------


def test_every_server_is_alive_and_ready(mds):
    rows = local_mds.status(mds.home)
    assert [row.server for row in rows] == ["mlserver", "wine-v1", "echo-v1", "triton"]
    assert all(row.alive and row.ready for row in rows), rows
    assert mds.failures == {}
    assert mds.ready_seconds < 30


def test_state_file_records_pids_ports_and_start_time(mds, layout):
    state = json.loads(layout.state.read_text())
    assert state["home"] == str(layout.home) and state["started"] and state["include_test_models"] is True
    mlserver = state["servers"][0]
    assert set(mlserver) >= {"name", "kind", "pid", "pgid", "url", "ports", "models", "log", "ready_paths"}
    assert mlserver["models"] == ["digits", "echo", "tip-amount", "tips", "wine", "wine-bare"]
    assert set(mlserver["ports"]) == {"http", "grpc", "metrics"}
    assert (layout.home / mlserver["log"]).exists()


def test_catalog_lists_demo_and_requested_test_models(mds, layout):
    text = layout.catalog.read_text()
    assert text.startswith("# written by the embedded MDS\n")
    entries = {entry["name"]: entry for entry in yaml.safe_load(text)["models"]}
    assert list(entries) == ["wine", "tips", "tip-amount", "digits", "wine-v1", "iris", "echo", "wine-bare", "echo-v1"]
    wine = entries["wine"]
    assert (wine["protocol"], wine["model"], wine["version"]) == ("v2", "wine", "1")
    assert wine["url"] == mds.url("mlserver")
    assert set(wine["card"]) == {"owner", "intended_use", "limitations", "training_data", "metrics"}
    v1 = entries["wine-v1"]
    assert v1["protocol"] == "seldon" and "model" not in v1 and v1["schema"] == "schemas/wine-v1.json"
    for entry in entries.values():
        for key in ("reference_data", "sample_data", "schema"):
            if key in entry:
                assert (layout.catalog.parent / entry[key]).exists()
    assert entries["echo"]["tags"] == ["test"] and entries["echo-v1"]["tags"] == ["test"]


def test_the_catalog_names_mlservers_grpc_port_and_its_v2_models_answer_there(mds, layout):
    from mds_client import MDSClient, load_catalog
    from mds_client.prediction import jsonable

    grpc_port = json.loads(layout.state.read_text())["servers"][0]["ports"]["grpc"]
    refs = load_catalog(layout.catalog)
    v2 = [ref for ref in refs if ref.protocol == "v2" and ref.endpoint == mds.url("mlserver")]
    assert v2 and {ref.grpc_url for ref in v2} == {f"grpc://127.0.0.1:{grpc_port}"}
    assert all(ref.transport == "rest" for ref in refs)  # REST stays the default; gRPC is one option away
    assert all(not ref.grpc_url for ref in refs if ref.protocol != "v2")
    client = MDSClient()
    try:
        assert {client.status(ref.over("grpc")).status for ref in v2} == {"ready"}
        echo = next(ref for ref in v2 if ref.name == "echo")  # a test model: answers its inputs unchanged
        frame = pd.DataFrame({"x": [1.5, -2.0], "word": ["pear", "fig"], "n": [3, 4]})
        over_rest, over_grpc = client.predict(echo, frame), client.predict(echo.over("grpc"), frame)
        outputs = [{k: v for k, v in out.items() if k != "parameters"} for out in jsonable(over_grpc.response)["outputs"]]
        assert outputs == [{k: v for k, v in out.items() if k != "parameters"}
                           for out in jsonable(over_rest.response)["outputs"]]
        assert {o["name"]: o["data"] for o in outputs} == {"x": [1.5, -2.0], "word": ["pear", "fig"], "n": [3, 4]}
    finally:
        client.close()


def test_the_triton_demo_model_is_listed_and_answers_its_own_label_over_rest_and_grpc(mds, layout):
    """The model Triton serves (found by its server, never by name) answers through MDSClient as a catalog lists it:
    one [n, 1] input per column, its BYTES label the prediction, the probabilities beside it, the same over gRPC."""
    from mds_client import MDSClient, load_catalog

    triton = next(s for s in json.loads(layout.state.read_text())["servers"] if s["name"] == "triton")
    refs = [ref for ref in load_catalog(layout.catalog) if ref.endpoint == triton["url"]]
    assert [ref.name for ref in refs] == triton["models"] and len(refs) == 1
    ref = refs[0]
    assert ref.protocol == "v2" and ref.grpc_url == f"grpc://127.0.0.1:{triton['ports']['grpc']}"
    assert "NVIDIA Triton" in ref.description and "triton" in ref.tags
    rows = pd.read_csv(ref.sample_data).head(5)
    client = MDSClient()
    try:
        assert client.server_info(ref).family == "triton"
        schema = client.schema(ref)
        assert schema.task == "classification" and [f.name for f in schema.features] == list(rows.columns)
        assert all(f.description and f.minimum is not None for f in schema.features)  # from the catalog's schema file
        classes = schema.output("proba").class_names
        assert len(classes) == 3 and all(not name.isdigit() for name in classes)
        over_rest = client.predict(ref, rows, schema)
        assert [i["shape"] for i in over_rest.request["inputs"]] == [[5, 1]] * len(rows.columns)
        assert {o["name"] for o in over_rest.response["outputs"]} == {"probabilities", "label"}
        # the model's own label is the prediction, and it is the class of the largest probability
        assert over_rest.labels == [classes[i] for i in over_rest.proba_matrix.argmax(axis=1)]
        assert len(set(over_rest.labels)) > 1
        over_grpc = client.predict(ref.over("grpc"), rows, schema)
        assert over_grpc.labels == over_rest.labels
        assert (over_grpc.proba_matrix == over_rest.proba_matrix).all()
        assert client.status(ref.over("grpc")).status == "ready"
    finally:
        client.close()


def test_up_again_while_running_is_refused(mds):
    with pytest.raises(AlreadyRunningError, match="down"):
        local_mds.up(mds.home, LocalPorts.free(), alibi=False, mlflow=False)


# -- MLServer (V2) ---------------------------------------------------------------------------------


def test_v2_metadata_returns_the_feature_schema_verbatim(mds, layout):
    body = requests.get(f"{mds.url('mlserver')}/v2/models/tips", timeout=TIMEOUT).json()
    settings = model_settings(layout, "tips")
    assert body["inputs"] == settings["inputs"]
    assert body["outputs"] == settings["outputs"]


def test_tips_scores_a_mixed_frame_with_both_outputs(mds, layout):
    frame = pd.read_csv(layout.sample_csv("tips")).head(5)
    body = {
        "parameters": {"content_type": "pd"},
        "inputs": v2_columns(frame, model_settings(layout, "tips")["inputs"]),
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
    }
    response = post(f"{mds.url('mlserver')}/v2/models/tips/infer", body)
    assert response.status_code == 200, response.text
    outputs = {output["name"]: output for output in response.json()["outputs"]}
    assert set(outputs["predict"]["data"]) <= {"generous", "standard"}
    assert outputs["predict_proba"]["shape"] == [5, 2]


def test_tip_amount_returns_dollars(mds, layout):
    frame = pd.read_csv(layout.sample_csv("tip-amount")).head(3)
    body = {"parameters": {"content_type": "pd"}, "inputs": v2_columns(frame, model_settings(layout, "tip-amount")["inputs"])}
    (output,) = post(f"{mds.url('mlserver')}/v2/models/tip-amount/infer", body).json()["outputs"]
    assert output["datatype"] == "FP64" and len(output["data"]) == 3
    assert all(0 < tip < 20 for tip in output["data"])


def test_wine_scores_one_input_per_column_and_a_2d_tensor(mds, layout):
    frame = pd.read_csv(layout.sample_csv("wine")).head(4)
    by_column = {"parameters": {"content_type": "pd"}, "inputs": v2_columns(frame, model_settings(layout, "wine")["inputs"]),
                 "outputs": [{"name": "predict"}]}
    tensor = {"inputs": [{"name": "x", "datatype": "FP64", "shape": [4, 13], "data": frame.to_numpy().ravel().tolist()}]}
    first = post(f"{mds.url('mlserver')}/v2/models/wine/infer", by_column).json()["outputs"][0]["data"]
    second = post(f"{mds.url('mlserver')}/v2/models/wine/infer", tensor).json()["outputs"][0]["data"]
    assert first == second and set(first) <= {0, 1, 2}


def test_digits_scores_an_image_tensor(mds, layout):
    images = pd.read_csv(layout.sample_csv("digits")).head(2).to_numpy(dtype=float)
    body = {"inputs": [{"name": "image", "datatype": "FP32", "shape": [2, 8, 8], "data": images.ravel().tolist()}],
            "outputs": [{"name": "predict_proba"}]}
    (output,) = post(f"{mds.url('mlserver')}/v2/models/digits/infer", body).json()["outputs"]
    assert output["shape"] == [2, 10]


@pytest.mark.parametrize(
    ("datatype", "data", "parameters"),
    [
        ("BOOL", [True, False], None),
        ("INT64", [1, -2], None),
        ("FP64", [0.5, 1e300], None),
        ("FP32", [0.25, 2.5], None),
        ("BYTES", ["Sat", "Sun"], {"content_type": "str"}),
    ],
)
def test_echo_round_trips_each_dtype(mds, datatype, data, parameters):
    item = {"name": "column", "datatype": datatype, "shape": [2], "data": data}
    if parameters:
        item["parameters"] = parameters
    body = {"parameters": {"content_type": "pd"}, "inputs": [item]}
    response = post(f"{mds.url('mlserver')}/v2/models/echo/infer", body)
    assert response.status_code == 200, response.text
    (output,) = response.json()["outputs"]
    assert (output["name"], output["datatype"], output["shape"], output["data"]) == ("column", datatype, [2], data)
    assert output.get("parameters") == parameters


# -- Seldon Core v1 --------------------------------------------------------------------------------


def test_seldon_predicts_probabilities_with_class_names_and_puid(mds, layout):
    frame = pd.read_csv(layout.sample_csv("wine")).head(2)
    body = {"data": {"names": list(frame.columns), "ndarray": frame.to_numpy().tolist()}}
    response = post(f"{mds.url('wine-v1')}/api/v1.0/predictions", body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["data"]["names"] == ["cultivar_1", "cultivar_2", "cultivar_3"]
    assert len(payload["data"]["ndarray"]) == 2
    assert len(payload["meta"]["puid"]) == 26
    assert response.headers["Seldon-Puid"] == payload["meta"]["puid"]


@pytest.mark.parametrize("shape", ["records", "names+ndarray"])
def test_seldon_accepts_json_data(mds, layout, shape):
    frame = pd.read_csv(layout.sample_csv("wine")).head(3)
    if shape == "records":
        json_data = frame.to_dict(orient="records")
    else:
        json_data = {"names": list(frame.columns), "ndarray": frame.to_numpy().tolist()}
    response = post(f"{mds.url('wine-v1')}/api/v1.0/predictions", {"jsonData": json_data})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["names"] == ["cultivar_1", "cultivar_2", "cultivar_3"]
    assert data["tensor"]["shape"] == [3, 3]


@pytest.mark.parametrize(
    "body",
    [{"data": {"ndarray": [[1.0, 2.0]]}}, {"nonsense": 1}, {"jsonData": [{"alcohol": 13.0}]}],
    ids=["wrong-width", "no-data", "missing-features"],
)
def test_seldon_rejects_bad_payloads_with_400_bad_data(mds, body):
    response = post(f"{mds.url('wine-v1')}/api/v1.0/predictions", body)
    assert response.status_code == 400
    assert response.json()["status"]["reason"] == "MICROSERVICE_BAD_DATA"


def test_seldon_metadata_describes_inputs_and_outputs(mds):
    body = requests.get(f"{mds.url('wine-v1')}/api/v1.0/metadata", timeout=TIMEOUT).json()
    assert body["name"] == "wine-v1" and body["versions"] == ["1"]
    (inputs,) = body["inputs"]
    assert inputs["messagetype"] == "ndarray" and inputs["schema"]["shape"] == [13]
    assert body["outputs"][0]["schema"]["names"] == ["cultivar_1", "cultivar_2", "cultivar_3"]
    assert json.loads(body["custom"]["features"])[0]["name"] == "alcohol"


def test_seldon_feedback_is_counted_on_the_metrics_port(mds):
    feedback = {
        "request": {"data": {"ndarray": [[13.0] * 13]}},
        "response": {"data": {"names": ["cultivar_1", "cultivar_2", "cultivar_3"], "ndarray": [[0.9, 0.05, 0.05]]}},
        "reward": 1.0,
        "truth": {"data": {"ndarray": [[1, 0, 0]]}},
    }
    for _ in range(2):
        assert post(f"{mds.url('wine-v1')}/api/v1.0/feedback", feedback).status_code == 200
    state = json.loads((mds.home / "state.json").read_text())
    metrics_port = next(s for s in state["servers"] if s["name"] == "wine-v1")["ports"]["metrics"]
    text = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=TIMEOUT).text
    counts = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("seldon_api_model_feedback_total{")]
    assert sum(counts) >= 2
    health = requests.get(f"{mds.url('wine-v1')}/health/status", timeout=TIMEOUT).json()
    assert health["jsonData"]["feedback_count"] >= 2


def test_seldon_echo_shows_what_the_wrapper_decoded(mds):
    mixed = {"data": {"names": ["bill", "day", "smoker"], "ndarray": [[16.99, "Sun", True]]}}
    echoed = post(f"{mds.url('echo-v1')}/api/v1.0/predictions", mixed).json()
    # numpy turns a mixed ndarray into strings: why the codecs send mixed frames as jsonData
    assert echoed["data"]["ndarray"] == [["16.99", "Sun", "True"]]
    records = [{"bill": 16.99, "day": "Sun", "smoker": True, "size": 2}]
    assert post(f"{mds.url('echo-v1')}/api/v1.0/predictions", {"jsonData": records}).json()["jsonData"] == records
    numbers = {"data": {"ndarray": [[1, 2], [3, 4]]}}
    assert post(f"{mds.url('echo-v1')}/api/v1.0/predictions", numbers).json()["data"]["ndarray"] == [[1, 2], [3, 4]]


# -- down (keep last) ------------------------------------------------------------------------------


def test_down_stops_every_process(mds, layout):
    state = json.loads(layout.state.read_text())
    groups = [server["pgid"] for server in state["servers"]]
    assert all(processes.group_alive(pgid) for pgid in groups)
    stopped = local_mds.down(mds.home)
    assert stopped == ["mlserver", "wine-v1", "echo-v1", "triton"]
    assert not any(processes.group_alive(pgid) for pgid in groups)
    assert not layout.state.exists()
    assert local_mds.status(mds.home) == []
    for server in state["servers"]:
        for port in server["ports"].values():
            assert processes.port_is_free("127.0.0.1", port)
