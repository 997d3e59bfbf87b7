"""A V2 model the catalog lists with a ``grpc_url`` and no ``url`` (a server reached over gRPC alone), against the real
MLServer of tests/grpc_fixture.py (the tests' own orchard model): its schema comes from gRPC's ModelMetadata, which
carries no list parameters (class names, categories; the card says so), and readiness, Predict, a batch file, the
payload check with its "Send it" and ``mds predict`` all go over gRPC and answer what REST answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mds_client import MDSClient, load_catalog
from mds_client.batch.scorer import score_file
from mds_client.errors import CatalogError
from mds_client.payload_check import diagnose
from tests.kserve_fixture import orchard_rows
from workbench.catalog.service import schema_origin
from workbench.cli import main as mds
from workbench.predict.snippets import curl_snippet, mds_client_snippet, requests_snippet

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(grpc_mlserver, tmp_path_factory):
    """(client, REST ref, gRPC-only ref, catalog path): the same model, listed with its REST url and with gRPC alone."""
    catalog = tmp_path_factory.mktemp("grpc-only") / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [
        {"name": "orchard", "protocol": "v2", "url": grpc_mlserver.url, "model": grpc_mlserver.model},
        {"name": "orchard-g", "protocol": "v2", "grpc_url": grpc_mlserver.grpc_url, "model": grpc_mlserver.model}]}))
    refs = {ref.name: ref for ref in load_catalog(catalog)}
    client = MDSClient()
    yield client, refs["orchard"], refs["orchard-g"], catalog
    client.close()


def _rows(n: int, seed: int) -> pd.DataFrame:
    return orchard_rows(n, seed=seed)[0]


def test_an_entry_with_a_grpc_url_alone_is_called_over_grpc(served, tmp_path):
    client, _, ref, _ = served
    assert ref.uses_grpc and ref.endpoint == ""
    assert ref.predict_url == f"{ref.grpc_url}/inference.GRPCInferenceService/ModelInfer"
    assert client.status(ref).status == "ready"
    assert client.server_info(ref).family == "mlserver"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [{"name": "x", "protocol": "v2", "grpc_url": ref.grpc_url,
                                                "transport": "rest"}]}))
    with pytest.raises(CatalogError, match="transport rest needs url"):
        load_catalog(path)


def test_the_schema_comes_from_grpc_metadata_and_says_what_it_lacks(served):
    client, rest, grpc, _ = served
    over_rest, over_grpc = client.schema(rest), client.schema(grpc)
    assert over_grpc.source == "v2-grpc-metadata"
    assert [(f.name, f.wire_datatype, f.description) for f in over_grpc.features] == [
        (f.name, f.wire_datatype, f.description) for f in over_rest.features]
    # the category's values did not travel: it is asked for as text
    assert [f.kind.value for f in over_grpc.features] == ["number", "integer", "text", "boolean"]
    assert over_grpc.task == "classification" and [o.wire_name for o in over_grpc.outputs] == ["predict", "predict_proba"]
    # what gRPC's ModelMetadata drops: the lists
    assert over_rest.class_names and not over_grpc.class_names
    assert over_rest.feature("city").categories and not over_grpc.feature("city").categories
    assert over_rest.feature("city").kind.value == "category"
    origin = schema_origin(over_grpc)
    assert "gRPC metadata" in origin and "class names" in origin and "REST url" in origin


def test_predict_answers_what_rest_answers(served):
    client, rest, grpc, _ = served
    rows = _rows(5, seed=3)
    over_rest = client.predict(rest, rows, client.schema(rest))
    over_grpc = client.predict(grpc, rows, client.schema(grpc))
    assert over_grpc.labels == over_rest.labels  # the model's own label output names the class
    assert over_grpc.proba_matrix.tolist() == over_rest.proba_matrix.tolist()
    assert over_grpc.url.startswith(grpc.grpc_url)


def test_a_batch_file_over_grpc_alone_is_the_file_rest_writes(served, tmp_path):
    client, rest, grpc, _ = served
    _rows(400, seed=5).to_csv(tmp_path / "rows.csv", index=False)
    for ref in (rest, grpc):
        result = score_file(client, ref, client.schema(ref), tmp_path / "rows.csv", tmp_path / f"{ref.name}.csv",
                            batch_size=100, workers=2)
        assert result.rows_scored == 400 and result.rows_rejected == 0, result.reasons
    ours, theirs = (pd.read_csv(tmp_path / f"{name}.csv") for name in ("orchard-g", "orchard"))
    assert ours["prediction"].tolist() == theirs["prediction"].tolist()


def test_the_check_and_its_send_it_work_over_grpc_alone(served):
    client, rest, grpc, _ = served
    body = {"parameters": {"content_type": "pd"}, "inputs": [
        {"name": "size", "datatype": "FP64", "shape": [2], "data": [12.0, 1.0]},
        {"name": "rooms", "datatype": "INT64", "shape": [2], "data": [5, 1]},
        {"name": "city", "datatype": "BYTES", "shape": [2], "parameters": {"content_type": "str"},
         "data": ["paris", "lyon"]},
        {"name": "organic", "datatype": "BOOL", "shape": [2], "data": [True, False]}]}
    report = diagnose(json.dumps(body), grpc, client.schema(grpc), server=client.server_info(grpc))
    assert report.accepted and report.server.startswith("mlserver"), [f.message for f in report.findings]
    sent = client.predict_body(grpc, body, client.schema(grpc))
    assert sent.labels == client.predict_body(rest, body, client.schema(rest)).labels


def test_mds_predict_scores_a_file_over_grpc_alone(served, tmp_path, capsys):
    _, _, _, catalog = served
    _rows(200, seed=7).to_csv(tmp_path / "rows.csv", index=False)
    for name in ("orchard", "orchard-g"):
        code = mds(["--catalog", str(catalog), "predict", name, "--input", str(tmp_path / "rows.csv"),
                    "--output", str(tmp_path / f"{name}.csv"), "--quiet", "--no-store"])
        assert code == 0, capsys.readouterr().err
    ours, theirs = (pd.read_csv(tmp_path / f"{name}.csv") for name in ("orchard-g", "orchard"))
    assert ours["prediction"].tolist() == theirs["prediction"].tolist()


def test_the_call_snippets_say_there_is_no_rest_address_and_mds_client_repeats_the_call(served):
    client, _, grpc, catalog = served
    row = _rows(1, seed=9)
    expected = client.predict(grpc, row, client.schema(grpc)).labels[0]
    assert "reached over gRPC alone" in curl_snippet(grpc, {}) and "curl" not in curl_snippet(grpc, {})
    assert "reached over gRPC alone" in requests_snippet(grpc, {})
    code = mds_client_snippet(grpc, catalog, json.loads(row.to_json(orient="records"))[0])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout
