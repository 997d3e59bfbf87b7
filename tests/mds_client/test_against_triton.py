"""The client, the payload check and ``mds check`` against a real NVIDIA Triton (tests/triton_fixture.py) serving the
tests' own models, one per input layout (tests/triton_repository/):

- ``grade``: one column per input with a batch dimension (``[-1, 1]``), probabilities and its own BYTES ``label``;
- ``price``: ``[-1]`` inputs, one number out (a regression);
- ``shade``: one ``[-1, 4]`` tensor input, probabilities of three classes;
- ``pair``: no batching, a fixed ``[2]`` input (one row per request).

One Triton serves the whole session (the fixture is session-scoped).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest
import requests
import yaml

from mds_client import MDSClient, MDSError, ModelRef, RepositoryDiscovery, load_catalog
from mds_client.payload_check import diagnose
from mds_client.prediction import jsonable
from mds_client.server_info import ServerInfo
from tests.triton_fixture import MODELS
from workbench.cli import check

ROWS = {
    "grade": pd.DataFrame({"size": [3.0, 8.0, 4.5], "city": ["Paris", "Lyon", "Lyon"]}),
    "price": pd.DataFrame({"rooms": [2.0, 3.0], "area": [40.0, 75.5]}),
    "shade": pd.DataFrame({f"pixels_{i}": [0.0, 0.5, 1.0] for i in range(4)}),
    "pair": pd.DataFrame({"x_0": [1.0, 10.0, 100.0], "x_1": [2.0, 20.0, 200.0]}),
}


@pytest.fixture(scope="module")
def triton(triton_server, tmp_path_factory):
    """(server, client, refs): the models as a catalog lists them."""
    client = MDSClient()
    catalog = _catalog(tmp_path_factory.mktemp("triton-catalog"), triton_server.url, MODELS)
    yield triton_server, client, {ref.name: ref for ref in load_catalog(catalog)}
    client.close()


def _catalog(folder: Path, url: str, names: tuple[str, ...]) -> Path:
    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [{"name": name, "protocol": "v2", "url": url} for name in names]}))
    return path


def _post(url: str, body: dict) -> requests.Response:
    return requests.post(url, json=body, timeout=10)


def test_every_model_is_ready_and_the_guarded_repository_index_answers(triton):
    server, client, refs = triton
    assert {name: client.status(ref).status for name, ref in refs.items()} == dict.fromkeys(MODELS, "ready")
    # the repository API is guarded with a token: the discovery's headers carry it
    listed = RepositoryDiscovery(server.url, headers=server.repository_headers).list_models()
    assert {ref.name: ref.status for ref in listed if ref.name in MODELS} == dict.fromkeys(MODELS, "ready")
    with pytest.raises(MDSError):
        RepositoryDiscovery(server.url).list_models()


@pytest.mark.parametrize(("model", "shapes"), [
    ("grade", [{"size": [3, 1], "city": [3, 1]}]),              # Triton's one column per input: [-1, 1]
    ("price", [{"rooms": [1], "area": [1]}] * 2),               # [-1] without batching: a length, one row a request
    ("shade", [{"pixels": [3, 4]}]),                            # one [-1, k] tensor
])
def test_each_layout_goes_in_the_shape_the_server_declares_and_answers(triton, model, shapes):
    _, client, refs = triton
    ref = refs[model]
    prediction = client.predict(ref, ROWS[model], client.schema(ref))
    sent = prediction.request.get("requests", [prediction.request])
    assert [{i["name"]: i["shape"] for i in request["inputs"]} for request in sent] == shapes
    assert prediction.n_rows == len(ROWS[model])


def test_a_label_output_is_the_prediction_with_the_probabilities_beside_it(triton):
    _, client, refs = triton
    schema = client.schema(refs["grade"])
    assert schema.task == "classification"
    prediction = client.predict(refs["grade"], ROWS["grade"], schema)
    assert prediction.labels == ["bronze", "gold", "gold"]  # the model's own labels, not the argmax index
    assert prediction.proba_matrix.shape == (3, 2)
    assert prediction.to_frame()["confidence"].round(2).tolist() == [0.7, 0.9, 0.55]


def test_a_regression_output_is_a_value(triton):
    _, client, refs = triton
    schema = client.schema(refs["price"])
    assert schema.task == "regression" and schema.output("value").name == "price"
    prediction = client.predict(refs["price"], ROWS["price"], schema)
    assert prediction.values == [180.0, 301.0]
    assert prediction.task == "regression"


def test_probabilities_without_a_label_give_the_most_likely_class(triton):
    _, client, refs = triton
    prediction = client.predict(refs["shade"], ROWS["shade"], client.schema(refs["shade"]))
    assert prediction.labels == ["0", "1", "2"]


def test_a_model_without_batching_gets_one_request_per_row(triton):
    _, client, refs = triton
    schema = client.schema(refs["pair"])
    assert schema.one_row_per_call
    one = client.predict(refs["pair"], ROWS["pair"].head(1), schema)
    assert one.request["inputs"][0]["shape"] == [2] and one.values == [3.0]
    several = client.predict(refs["pair"], ROWS["pair"], schema)
    assert several.values == [3.0, 30.0, 300.0]
    assert [r["inputs"][0]["shape"] for r in several.request["requests"]] == [[2], [2], [2]]


def test_the_server_says_it_is_triton(triton):
    _, client, refs = triton
    info = client.server_info(refs["grade"])
    assert info.family == "triton" and info.version and "model_repository" in info.extensions


def _column(name: str, datatype: str, data: list, shape: list[int] | None = None) -> dict:
    return {"name": name, "datatype": datatype, "shape": shape or [len(data)], "data": data}


def test_the_check_applies_tritons_rules_and_agrees_with_triton(triton):
    """What Triton answers with 200 is never an error; what it refuses is; the corrected payload is what it takes."""
    _, client, refs = triton
    ref, schema, info = refs["grade"], client.schema(refs["grade"]), client.server_info(refs["grade"])
    # no request-level 'pd', no content_type 'str': an error on MLServer, nothing on Triton
    taken = {"inputs": [_column("size", "FP32", [3.0], [1, 1]), _column("city", "BYTES", ["Lyon"], [1, 1])]}
    assert _post(ref.predict_url, taken).status_code == 200
    report = diagnose(json.dumps(taken), ref, schema, server=info)
    assert report.accepted and not report.warnings and report.server.startswith("triton")
    mlserver = diagnose(json.dumps(taken), ref, schema, server=ServerInfo.named("mlserver"))
    assert [f.field for f in mlserver.errors] == ["content_type"]
    assert diagnose(json.dumps(taken), ref, schema).accepted  # an unknown server: a warning only
    # [n] where the model declares [-1, 1], and FP64 for FP32: Triton refuses both, and so does the check
    refused = {"inputs": [_column("size", "FP64", [3.0]), _column("city", "BYTES", ["Lyon"])]}
    answer = _post(ref.predict_url, refused)
    assert answer.status_code == 400
    report = diagnose(json.dumps(refused), ref, schema, server=info)
    assert not report.accepted
    assert {(f.field, f.path) for f in report.errors} >= {("size", "$.inputs[0].shape"), ("city", "$.inputs[1].shape"),
                                                          ("size", "$.inputs[0].datatype")}
    corrected = report.corrected
    assert [i["shape"] for i in corrected["inputs"]] == [[1, 1], [1, 1]]
    fixed = _post(ref.predict_url, corrected)
    assert fixed.status_code == 200, fixed.text
    assert diagnose(json.dumps(corrected), ref, schema, server=info).accepted


def test_the_checks_corrected_payload_is_taken_for_every_layout(triton):
    _, client, refs = triton
    for name in ("grade", "price", "shade"):
        ref, schema = refs[name], client.schema(refs[name])
        rows = ROWS[name].head(1) if schema.one_row_per_call else ROWS[name]  # price: no batching, one row a request
        records = json.loads(rows.to_json(orient="records"))
        report = diagnose(json.dumps(records), ref, schema, server=client.server_info(ref))  # a bare table: an error
        assert report.corrected is not None, name
        assert _post(ref.predict_url, report.corrected).status_code == 200, name
        assert diagnose(json.dumps(report.corrected), ref, schema, server=client.server_info(ref)).accepted, name
    ref, schema = refs["pair"], client.schema(refs["pair"])
    one = jsonable(client.predict(ref, ROWS["pair"].head(1), schema).request)
    assert diagnose(json.dumps(one), ref, schema, server=client.server_info(ref)).accepted
    several = {"inputs": [_column("x", "FP32", [1.0, 2.0, 3.0, 4.0], [2, 2])]}
    assert _post(ref.predict_url, several).status_code == 400
    report = diagnose(json.dumps(several), ref, schema, server=client.server_info(ref))
    assert not report.accepted and any("one row per request" in f.message for f in report.errors)


def test_send_it_takes_a_payload_of_several_rows_to_a_model_that_takes_one_row_per_request(triton):
    """The check's "Send it" (``predict_body``) sends a pasted payload of several rows one request per row, answers
    joined in order: a fixed [2] input (pair) and [-1] inputs without batching (price)."""
    _, client, refs = triton
    several = {"inputs": [_column("x", "FP32", [[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]], [3, 2])]}
    prediction = client.predict_body(refs["pair"], several, client.schema(refs["pair"]))
    assert prediction.values == [3.0, 30.0, 300.0]
    assert [r["inputs"][0]["shape"] for r in prediction.request["requests"]] == [[2], [2], [2]]
    body = {"inputs": [_column("rooms", "FP32", [2.0, 3.0]), _column("area", "FP32", [40.0, 75.5])]}
    prediction = client.predict_body(refs["price"], body, client.schema(refs["price"]))
    assert prediction.values == [180.0, 301.0] and len(prediction.request["requests"]) == 2


def _mds_check(catalog: Path, *argv) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", type=Path, default=catalog)
    parser.add_argument("--discovery", default="catalog")
    parser.add_argument("--url", default=None)
    check.register(parser.add_subparsers())
    args = parser.parse_args([str(a) for a in argv])
    return args.func(args)


def test_mds_check_exits_0_on_what_triton_takes(triton, tmp_path, capsys):
    server, _, _ = triton
    catalog = _catalog(tmp_path, server.url, ("grade",))
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"inputs": [_column("size", "FP32", [3.0, 8.0], [2, 1]),
                                              _column("city", "BYTES", ["Paris", "Lyon"], [2, 1])]}))
    assert _mds_check(catalog, "check", "grade", "--payload", payload) == 0
    assert "grade will accept this payload (v2, 2 row(s); triton 2.51.0's rules)." in capsys.readouterr().out
    assert _mds_check(catalog, "check", "grade", "--payload", payload, "--server", "mlserver") == 1
    assert "MLServer cannot join them" in capsys.readouterr().err
    fixed = tmp_path / "fixed.json"
    payload.write_text(json.dumps({"inputs": [_column("size", "FP32", [3.0]), _column("city", "BYTES", ["Paris"])]}))
    assert _mds_check(catalog, "check", "grade", "--payload", payload, "--fix", fixed) == 1
    assert "size: shape [1], but the model declares [-1, 1]" in capsys.readouterr().err
    assert _post(f"{server.url}/v2/models/grade/infer", json.loads(fixed.read_text())).status_code == 200


def test_a_catalog_entry_reaches_the_same_model(triton, tmp_path):
    server, client, _ = triton
    ref = ModelRef(name="grade", protocol="v2", endpoint=server.url)
    prediction = client.predict(ref, ROWS["grade"].head(1), client.schema(ref))
    assert prediction.labels == ["bronze"] and prediction.served_by == "grade"
