"""The curl, requests and mds_client snippets repeat the call and get the same answer from a real server."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.predict import service as predict_service
from workbench.predict.snippets import curl_snippet, mds_client_snippet, requests_snippet

REPO = Path(__file__).resolve().parents[3]
CASES = [
    ("tips", {"total_bill": 24.5, "sex": "Female", "smoker": True, "day": "Sun", "time": "Dinner", "size": 3}),
    ("wine-v1", None),
    ("digits", None),
]


def _made(client, refs, name, values):
    ref = refs[name]
    schema = client.schema(ref)
    if values is None:
        values = predict_service.typical_values(schema, pd.read_csv(ref.reference_data))
    outcome = predict_service.predict(client, None, ref, schema, values, user="t")
    assert outcome.ok, outcome.error
    return ref, outcome.result


def _same_answer(result, answer: dict) -> None:
    # The exact response, minus the fields that differ per call (ids, timing).
    def core(doc):
        if "outputs" in doc:
            return [(o["name"], o["data"]) for o in doc["outputs"]]
        return doc["data"]

    assert core(answer) == core(result.response)


@pytest.mark.parametrize(("name", "values"), CASES)
def test_curl_snippet(client, refs, name, values):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    ref, result = _made(client, refs, name, values)
    out = subprocess.run(["bash", "-c", curl_snippet(ref, result.request)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    _same_answer(result, json.loads(out.stdout))


@pytest.mark.parametrize(("name", "values"), CASES)
def test_requests_snippet(client, refs, name, values):
    ref, result = _made(client, refs, name, values)
    out = subprocess.run([sys.executable, "-c", requests_snippet(ref, result.request)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    namespace: dict = {}
    exec(requests_snippet(ref, result.request).replace("print(response.json())", ""), namespace)
    _same_answer(result, namespace["response"].json())


@pytest.mark.parametrize(("name", "values"), CASES)
def test_mds_client_snippet(client, refs, catalog_path, name, values):
    ref, result = _made(client, refs, name, values)
    code = mds_client_snippet(ref, catalog_path, result.inputs)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    namespace: dict = {}
    exec(code.replace("print(prediction.to_frame())", ""), namespace)
    prediction = namespace["prediction"]
    assert prediction.labels[0] == result.label
    if result.probabilities:
        got = {str(k): float(v) for k, v in prediction.probabilities.iloc[0].items()}
        assert got == pytest.approx(result.probabilities)


def test_mds_client_snippet_for_a_raw_body(client, refs, catalog_path):
    ref, result = _made(client, refs, "wine", None)
    code = mds_client_snippet(ref, catalog_path, None, result.request)
    namespace: dict = {}
    exec(code.replace("print(prediction.to_frame())", ""), namespace)
    assert namespace["prediction"].labels[0] == result.label


def test_snippets_quote_safely():
    from mds_client import ModelRef

    ref = ModelRef(name="x", protocol="v2", endpoint="http://127.0.0.1:1", headers={"X-Token": "it's"})
    body = {"id": "r1", "inputs": [{"name": "t", "datatype": "BYTES", "shape": [1], "data": ["a'b $(rm -rf /) MDS"]}]}
    snippet = curl_snippet(ref, body, reveal=True)  # a revealed credential is quoted like any value
    assert "'X-Token: it'\"'\"'s'" in snippet
    assert "x-request-id: r1" in snippet
    assert snippet.rstrip().endswith("MDS_JSON")
    compile(requests_snippet(ref, body), "<snippet>", "exec")
    compile(requests_snippet(ref, body, reveal=True), "<snippet>", "exec")


def test_credentials_are_hidden_unless_revealed():
    from mds_client import ModelRef
    from workbench.predict.snippets import curl_snippet, requests_snippet

    ref = ModelRef(name="m", protocol="v2", endpoint="http://127.0.0.1:9", model_name="m",
                   headers={"Authorization": "Bearer s3cr3t-token", "X-Api-Key": "k3y", "Seldon-Model": "m"})
    body = {"id": "r1", "inputs": []}
    for snippet in (curl_snippet(ref, body), requests_snippet(ref, body)):
        assert "s3cr3t" not in snippet and "k3y" not in snippet
        assert "MDS_AUTHORIZATION" in snippet and "MDS_X_API_KEY" in snippet and "Seldon-Model" in snippet
    assert '-H "Authorization: $MDS_AUTHORIZATION"' in curl_snippet(ref, body)
    assert "os.environ['MDS_AUTHORIZATION']" in requests_snippet(ref, body)
    assert "s3cr3t-token" in curl_snippet(ref, body, reveal=True)


def test_call_snippets_write_the_call_with_credentials_hidden_and_shown():
    from mds_client import ModelRef
    from workbench.predict.results import Result
    from workbench.predict.snippets import call_snippets

    ref = ModelRef(name="m", protocol="v2", endpoint="http://127.0.0.1:9", model_name="m",
                   headers={"Authorization": "Bearer s3cr3t-token", "Seldon-Model": "m"})
    body = {"id": "r1", "inputs": []}
    result = Result("m", "v2", "regression", None, None, 1.0, 3.0, "r1", body, {}, inputs={"x": 1.0})
    snippets = call_snippets(ref, "catalog.yaml", result)
    assert snippets.url == ref.predict_url and snippets.secret_headers == ("Authorization",)
    assert (snippets.curl, snippets.python) == (curl_snippet(ref, body), requests_snippet(ref, body))
    assert snippets.curl_revealed == curl_snippet(ref, body, reveal=True)
    assert snippets.python_revealed == requests_snippet(ref, body, reveal=True)
    assert snippets.mds_client == mds_client_snippet(ref, "catalog.yaml", {"x": 1.0}, body)
    assert call_snippets(ref, "catalog.yaml", Result(**{**vars(result), "url": "http://elsewhere"})).url == "http://elsewhere"
