"""The V2 gRPC transport against a real MLServer (tests/grpc_fixture.py: the tests' own orchard model, REST and gRPC
on free ports): the same rows over REST and gRPC give the same answers, for one call, a hand-written body, a batch
file and ``mds predict --transport grpc``; a server down, a wrong port, a missing model give the errors REST gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mds_client import MDSClient, ModelRef, load_catalog
from mds_client.batch.scorer import score_file
from mds_client.errors import (
    CatalogError,
    ModelNotFound,
    ModelUnavailable,
    PayloadRejected,
    ProtocolError,
    ServerError,
)
from mds_client.prediction import jsonable
from tests.kserve_fixture import orchard_rows
from workbench.cli import main as mds

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(grpc_mlserver, tmp_path_factory):
    """(client, rest ref, grpc ref, schema, catalog path): one model, listed once per transport."""
    folder = tmp_path_factory.mktemp("grpc-catalog")
    entry = {"protocol": "v2", "url": grpc_mlserver.url, "model": grpc_mlserver.model,
             "grpc_url": grpc_mlserver.grpc_url}
    catalog = folder / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "orchard", **entry},
                                                  {"name": "orchard-grpc", "transport": "grpc", **entry}]}))
    refs = {ref.name: ref for ref in load_catalog(catalog)}
    client = MDSClient()
    yield client, refs["orchard"], refs["orchard-grpc"], client.schema(refs["orchard"]), catalog
    client.close()


def _same_document(rest: dict, grpc: dict) -> None:
    """The answers are the same document but for the request id, and MLServer's empty response-level ``parameters``
    (gRPC's map cannot say "present but empty")."""
    rest, grpc = jsonable(rest), jsonable(grpc)
    for doc in (rest, grpc):
        doc.pop("id", None)
        if doc.get("parameters") == {}:
            doc.pop("parameters")
    assert rest == grpc


def _answers(path: Path) -> pd.DataFrame:
    """An output file without what differs from call to call (the request ids)."""
    frame = pd.read_csv(path)
    assert frame["request_id"].notna().sum() > 0
    return frame.drop(columns=["request_id"])


def test_the_catalog_names_the_grpc_api_and_the_model_is_ready_over_it(served):
    client, rest, grpc, _, _ = served
    assert (rest.transport, grpc.transport) == ("rest", "grpc") and grpc.grpc_url.startswith("grpc://127.0.0.1:")
    assert client.status(grpc).status == "ready"
    assert client.server_info(grpc) == client.server_info(rest) and client.server_info(grpc).family == "mlserver"
    assert client.grpc.server_live(grpc.grpc_url) and client.grpc.server_ready(grpc.grpc_url)


def test_the_same_rows_give_the_same_answer_over_rest_and_grpc(served):
    client, rest, grpc, schema, _ = served
    frame, _ = orchard_rows(25, seed=5)
    over_rest, over_grpc = client.predict(rest, frame, schema), client.predict(grpc, frame, schema)
    assert over_grpc.labels == over_rest.labels and set(over_grpc.labels) <= {"bronze", "silver", "gold"}
    assert np.array_equal(over_grpc.proba_matrix, over_rest.proba_matrix)  # bit for bit: FP64 travels as bytes
    assert over_grpc.proba_names == over_rest.proba_names
    _same_document(over_rest.response, over_grpc.response)
    assert over_grpc.url.startswith(grpc.grpc_url) and over_grpc.url.endswith("/ModelInfer")
    assert jsonable(over_grpc.request) == jsonable(over_rest.request | {"id": over_grpc.request["id"]})  # same body


def test_a_large_batch_answers_the_same(served):
    client, rest, grpc, schema, _ = served
    frame, _ = orchard_rows(5000, seed=9)
    over_rest = client.predict(rest, frame, schema, validate=False)
    over_grpc = client.predict(grpc, frame, schema, validate=False)
    assert over_grpc.labels == over_rest.labels and np.array_equal(over_grpc.proba_matrix, over_rest.proba_matrix)


@pytest.mark.parametrize("raw", [True, False], ids=["raw_input_contents", "typed contents"])
def test_raw_bytes_and_typed_contents_answer_the_same(served, raw):
    client, rest, grpc, schema, _ = served
    assert client.grpc.sends_raw(grpc.grpc_url) is False  # MLServer reads typed contents faster (measured)
    forced = MDSClient()
    forced.grpc.raw_tensors = raw
    try:
        frame, _ = orchard_rows(40, seed=23)
        over_rest, over_grpc = client.predict(rest, frame, schema), forced.predict(grpc, frame, schema)
        assert over_grpc.labels == over_rest.labels
        assert np.array_equal(over_grpc.proba_matrix, over_rest.proba_matrix)
    finally:
        forced.close()


def test_a_hand_written_body_the_checks_send_it_button_sends_answers_the_same(served):
    client, rest, grpc, schema, _ = served
    body = {"parameters": {"content_type": "pd"}, "inputs": [
        {"name": "size", "datatype": "FP64", "shape": [2], "data": [9.5, 3.25]},
        {"name": "rooms", "datatype": "INT64", "shape": [2], "data": [4, 1]},
        {"name": "city", "datatype": "BYTES", "shape": [2], "parameters": {"content_type": "str"},
         "data": ["paris", "nantes"]},
        {"name": "organic", "datatype": "BOOL", "shape": [2], "data": [True, False]}]}
    over_rest, over_grpc = client.predict_body(rest, body, schema), client.predict_body(grpc, body, schema)
    assert over_grpc.labels == over_rest.labels and np.array_equal(over_grpc.proba_matrix, over_rest.proba_matrix)
    _same_document(over_rest.response, over_grpc.response)


def test_a_batch_file_scored_over_grpc_is_the_file_rest_writes(served, tmp_path):
    client, rest, grpc, schema, _ = served
    frame, _ = orchard_rows(1200, seed=13)
    frame.loc[7, "city"] = "lille"  # a city the schema does not know: rejected alike, with the same reason
    source = tmp_path / "rows.csv"
    frame.to_csv(source, index=False)
    results = {ref.transport: score_file(client, ref, schema, source, tmp_path / f"{ref.transport}.csv",
                                         batch_size=250, workers=2) for ref in (rest, grpc)}
    assert results["grpc"].rows_scored == results["rest"].rows_scored == 1199
    assert results["grpc"].reasons == results["rest"].reasons and results["grpc"].rows_rejected == 1
    pd.testing.assert_frame_equal(_answers(tmp_path / "grpc.csv"), _answers(tmp_path / "rest.csv"))


def test_mds_predict_transport_grpc_scores_the_file_rest_scores(served, tmp_path, capsys):
    _, _, _, _, catalog = served
    frame, _ = orchard_rows(300, seed=17)
    frame.to_csv(tmp_path / "rows.csv", index=False)
    for transport in ("rest", "grpc"):
        code = mds(["--catalog", str(catalog), "predict", "orchard", "--input", str(tmp_path / "rows.csv"),
                    "--output", str(tmp_path / f"{transport}.csv"), "--quiet", "--no-store",
                    "--transport", transport])
        assert code == 0, capsys.readouterr().err
    assert "300 rows scored" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_answers(tmp_path / "grpc.csv"), _answers(tmp_path / "rest.csv"))
    code = mds(["--catalog", str(catalog), "models", "--transport", "grpc", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert code == 0 and [(m["status"], m["url"]) for m in listed] == [("ready", served[2].grpc_url)] * 2
    assert mds(["--catalog", str(catalog), "describe", "orchard-grpc"]) == 0
    assert capsys.readouterr().out.startswith(f"orchard-grpc (v2) at {served[2].grpc_url} (gRPC)")


def test_errors_over_grpc_are_the_errors_rest_gives(served, grpc_mlserver):
    client, rest, grpc, schema, _ = served
    frame, _ = orchard_rows(3, seed=1)
    rest_port = grpc_mlserver.url.rsplit(":", 1)[1]
    cases = [  # (what is wrong, over REST, over gRPC, the error both raise, words the gRPC message holds)
        ("nothing listens", replace(rest, endpoint="http://127.0.0.1:9"), replace(grpc, grpc_url="grpc://127.0.0.1:9"),
         ModelUnavailable, "connection refused at 127.0.0.1:9"),
        ("no such model", replace(rest, model_name="pear"), replace(grpc, model_name="pear"), ModelNotFound,
         "was not found on the server"),
    ]
    for what, bad_rest, bad_grpc, error, words in cases:
        with pytest.raises(error) as over_rest:
            client.predict(bad_rest, frame, schema)
        with pytest.raises(error) as over_grpc:
            client.predict(bad_grpc, frame, schema)
        assert words in str(over_grpc.value) and "Model 'orchard" in str(over_grpc.value), what
        assert type(over_grpc.value) is type(over_rest.value), what
    # the REST port named as the gRPC one: the message says which port is which
    with pytest.raises(ProtocolError, match="answers HTTP/1, not gRPC") as wrong:
        client.predict(replace(grpc, grpc_url=f"grpc://127.0.0.1:{rest_port}"), frame, schema)
    assert "grpc_url" in str(wrong.value)
    # bodies the server (or the encoder) refuses, and one the model fails on: the same error class either way
    size = {"name": "size", "datatype": "FP64", "shape": [1], "data": [1.0]}
    for what, body, error in [
        ("an output the runtime has not", {"inputs": [size], "outputs": [{"name": "leaves"}]}, PayloadRejected),
        ("three columns missing", {"parameters": {"content_type": "pd"}, "inputs": [size]}, ServerError),
    ]:
        with pytest.raises(error) as over_rest:
            client.predict_body(rest, body, schema)
        with pytest.raises(error) as over_grpc:
            client.predict_body(grpc, body, schema)
        assert type(over_grpc.value) is type(over_rest.value), what
    assert "columns are missing" in str(over_grpc.value) and "(gRPC INTERNAL)" in str(over_grpc.value)
    # what cannot be encoded never leaves: the message names the input (REST sends it and MLServer answers 500)
    with pytest.raises(PayloadRejected, match="input 'size' holds values that are not FP64"):
        client.predict_body(grpc, {"inputs": [{**size, "data": ["ten"]}]}, schema)
    with pytest.raises(PayloadRejected, match=r"input 'size' has 1 value for its shape \[3\]"):
        client.predict_body(grpc, {"inputs": [{**size, "shape": [3]}]}, schema)
    assert client.status(replace(grpc, grpc_url="grpc://127.0.0.1:9")).status == "not ready"


def test_grpc_without_a_grpc_url_says_what_to_add(served, capsys, tmp_path):
    client, rest, _, schema, _ = served
    frame, _ = orchard_rows(2, seed=1)
    with pytest.raises(CatalogError, match="has no grpc_url"):
        client.predict(replace(rest, grpc_url="").over("grpc"), frame, schema)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "plain", "protocol": "v2", "url": rest.endpoint,
                                                   "model": rest.model_name}]}))
    frame.to_csv(tmp_path / "rows.csv", index=False)
    code = mds(["--catalog", str(catalog), "predict", "plain", "--input", str(tmp_path / "rows.csv"),
                "--output", str(tmp_path / "out.csv"), "--quiet", "--no-store", "--transport", "grpc"])
    err = capsys.readouterr().err
    assert code == 1 and "has no grpc_url" in err and "Traceback" not in err


def test_grpc_is_imported_only_when_a_grpc_call_is_made():
    code = ("import sys, mds_client, mds_client.client, mds_client.batch.scorer, workbench.cli;"
            "print(sorted(m for m in ('grpc', 'google.protobuf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_a_model_ref_built_in_code_can_be_called_over_grpc(served, grpc_mlserver):
    client, _, _, schema, _ = served
    ref = ModelRef(name="by-hand", protocol="v2", endpoint=grpc_mlserver.url, model_name=grpc_mlserver.model,
                   transport="grpc", grpc_url=grpc_mlserver.grpc_url.removeprefix("grpc://"))  # host:port alone
    frame, _ = orchard_rows(4, seed=2)
    assert len(client.predict(ref, frame, schema).labels) == 4


def test_the_payload_checks_send_it_over_grpc_answers_and_logs_as_over_rest(served, engine):
    from workbench.predict.service import predict_raw

    client, rest, grpc, schema, _ = served
    body = {"parameters": {"content_type": "pd"}, "inputs": [
        {"name": "size", "datatype": "FP64", "shape": [1], "data": [12.0]},
        {"name": "rooms", "datatype": "INT64", "shape": [1], "data": [5]},
        {"name": "city", "datatype": "BYTES", "shape": [1], "parameters": {"content_type": "str"}, "data": ["paris"]},
        {"name": "organic", "datatype": "BOOL", "shape": [1], "data": [True]}]}
    over_rest = predict_raw(client, engine, rest, schema, body, user="ana")
    over_grpc = predict_raw(client, engine, grpc, schema, body, user="ana")
    assert over_rest.ok and over_grpc.ok, (over_rest.error, over_grpc.error)
    assert over_grpc.result.label == over_rest.result.label == "gold"
    assert over_grpc.result.probabilities == over_rest.result.probabilities
    assert over_grpc.prediction_id and over_grpc.prediction_id != over_rest.prediction_id  # both calls logged
    assert over_grpc.result.url.startswith("grpc://127.0.0.1:")
    failed = predict_raw(client, engine, replace(grpc, grpc_url="grpc://127.0.0.1:9"), schema, body, user="ana")
    assert not failed.ok and "not reachable over gRPC" in failed.error and "Traceback" not in failed.error


def test_dask_workers_score_over_grpc_what_one_process_scores_over_rest(served, tmp_path, capsys):
    _, _, _, _, catalog = served
    frame, _ = orchard_rows(600, seed=19)
    frame.to_csv(tmp_path / "rows.csv", index=False)
    common = ["--catalog", str(catalog), "predict", "orchard", "--input", str(tmp_path / "rows.csv"), "--quiet",
              "--no-store"]
    assert mds([*common, "--output", str(tmp_path / "rest.csv")]) == 0
    assert mds([*common, "--output", str(tmp_path / "dask"), "--dask", "local", "--dask-workers", "2",
                "--transport", "grpc"]) == 0, capsys.readouterr().err
    parts = sorted((tmp_path / "dask").glob("part-*.csv"))
    joined = pd.concat([pd.read_csv(p) for p in parts], ignore_index=True).drop(columns=["request_id"])
    pd.testing.assert_frame_equal(joined, _answers(tmp_path / "rest.csv"))
