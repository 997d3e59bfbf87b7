"""The KServe V1 protocol (and V2 on the same server) against a real KServe 0.21 ModelServer.

The server (tests/kserve_fixture.py, one per session) serves the tests' own classifier over mixed columns
with text class names; every answer is compared with the fitted pipeline's own.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import requests

from mds_client import ModelRef, load_catalog
from mds_client.batch import BatchScorer
from mds_client.errors import ModelNotFound, ServerError
from mds_client.payload_check import diagnose, example_payload, explain_server_error
from workbench.cli import main

pytestmark = pytest.mark.server
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def refs(kserve) -> dict[str, ModelRef]:
    return {ref.name: ref for ref in load_catalog(kserve.catalog)}


@pytest.fixture(scope="module")
def rows(kserve) -> pd.DataFrame:
    return kserve.rows.head(40)


def post(url: str, body: object) -> requests.Response:
    return requests.post(url, data=json.dumps(body), headers=JSON, timeout=10)


def test_readiness_and_urls(client, refs):
    orchard = refs["orchard"]
    assert orchard.ready_url.endswith("/v1/models/orchard") and orchard.predict_url.endswith("/v1/models/orchard:predict")
    assert client.status(orchard).status == "ready"
    missing = client.status(ModelRef("nope", "kserve-v1", orchard.endpoint))
    assert missing.status == "not ready" and missing.status_reason


def test_form_comes_from_the_reference_rows(client, refs):
    schema = client.schema(refs["orchard"])
    kinds = {f.name: f.kind.value for f in schema.features}
    assert kinds == {"size": "number", "rooms": "integer", "city": "category", "organic": "boolean"}
    assert schema.feature("city").categories == ("lyon", "nantes", "paris")


def test_predict_equals_the_models_own_answers(client, refs, kserve, rows):
    ref = refs["orchard"]
    prediction = client.predict(ref, rows, client.schema(ref))
    assert prediction.labels == kserve.pipeline.predict(rows).tolist()
    # Named instances: each value keeps its type (no number turned into text, booleans stay booleans).
    first = prediction.request["instances"][0]
    assert first == {"size": rows["size"].iloc[0], "rooms": int(rows["rooms"].iloc[0]), "city": rows["city"].iloc[0],
                     "organic": bool(rows["organic"].iloc[0])}
    assert prediction.protocol == "kserve-v1" and len(prediction.request_id) == 32


def test_probabilities_named_by_the_catalog_schema(client, refs, kserve, rows):
    ref = refs["orchard-proba"]
    schema = client.schema(ref)
    assert schema.class_names == ("bronze", "gold", "silver") and schema.task == "classification"
    prediction = client.predict(ref, rows, schema)
    assert prediction.proba_names == ["bronze", "gold", "silver"]
    np.testing.assert_allclose(prediction.proba_matrix, kserve.pipeline.predict_proba(rows), rtol=1e-9)
    assert prediction.labels == kserve.pipeline.predict(rows).tolist()
    # The schema describes the answer; the request is the same V1 body as for the model without one.
    assert set(prediction.request) == {"instances"}


def test_the_same_model_on_v2(client, refs, kserve, rows):
    ref = refs["orchard-v2"]
    prediction = client.predict(ref, rows, client.schema(ref))
    assert prediction.labels == kserve.pipeline.predict(rows).tolist()
    assert prediction.request_id == prediction.request["id"]


def test_hand_written_inputs_body(client, refs, kserve, rows):
    body = {"inputs": rows.head(3).astype(object).values.tolist()}  # rows in column order, under 'inputs'
    prediction = client.predict_body(refs["orchard"], body)
    assert prediction.labels == kserve.pipeline.predict(rows.head(3)).tolist()


def test_batch_scoring_a_few_hundred_rows(client, refs, kserve, tmp_path):
    source = tmp_path / "rows.csv"
    kserve.rows.to_csv(source, index=False)
    ref = refs["orchard"]
    result = BatchScorer(client, ref, client.schema(ref), batch_size=50, workers=2).run(source, tmp_path / "out.csv")
    assert (result.rows_scored, result.rows_rejected) == (len(kserve.rows), 0)
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["prediction"].tolist() == kserve.pipeline.predict(kserve.rows).tolist()


def test_model_errors_are_typed_and_explained(client, refs, rows):
    ref = refs["orchard"]
    bad = rows.head(1).assign(city="rome")
    with pytest.raises(ServerError) as caught:
        client.predict(ref, bad, validate=False)
    advice = explain_server_error(caught.value.status, caught.value.body, client.schema(ref))
    assert advice.cause == "unknown-category" and "rome" in advice.server_message
    with pytest.raises(ModelNotFound):
        client.predict(ModelRef("nope", "kserve-v1", ref.endpoint), rows.head(1))


def test_explain_at_the_models_explain_verb(client, refs, kserve, rows):
    ref = refs["orchard"]
    assert ref.explainer is not None and ref.explainer.explain_url.endswith("/v1/models/orchard:explain")
    body = {"instances": rows.head(1).astype(object).to_dict(orient="records")}
    doc = client.explain(ref.explainer, body)
    assert doc["data"]["anchor"] == [f"city = {rows['city'].iloc[0]}"]
    assert doc["data"]["raw"]["prediction"] == [list(kserve.pipeline.classes_).index(kserve.pipeline.predict(rows.head(1))[0])]


def test_explain_page_service_asks_the_kserve_explainer(client, refs, kserve, rows):
    from workbench.explain.service import explain_with_server

    ref = refs["orchard"]
    schema = client.schema(ref)
    explanation = explain_with_server(client, ref, schema, rows.head(1))
    city, label = rows["city"].iloc[0], kserve.pipeline.predict(rows.head(1))[0]
    # The reference rows name no classes: the explainer's class index stands for the class.
    assert explanation.anchor == [f"city = {city}"] and explanation.target == str(list(kserve.pipeline.classes_).index(label))
    assert 0 < explanation.coverage <= 1


GOOD = [{"size": 9.5, "rooms": 3, "city": "paris", "organic": True}, {"size": 4.2, "rooms": 1, "city": "lyon",
                                                                       "organic": False}]
BAD = {
    "numbers as text": ({"instances": [{**GOOD[0], "size": "big"}]}, "$.instances[0].size"),
    "unknown city": ({"instances": [{**GOOD[0], "city": "rome"}]}, "$.instances[0].city"),
    "missing feature": ({"instances": [{k: v for k, v in GOOD[0].items() if k != "city"}]}, "$.instances"),
    "instances not a list": ({"instances": GOOD[0]}, "$.instances"),
    "a V2 body": ({"inputs": [{"name": "size", "shape": [1], "datatype": "FP64", "data": [9.5]}]}, "$"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_check_agrees_with_the_server(client, refs, case):
    ref = refs["orchard"]
    schema = client.schema(ref)
    payload, path = BAD[case]
    report = diagnose(json.dumps(payload), ref, schema)
    assert not report.accepted and path in [f.path for f in report.errors], report.findings
    assert post(ref.predict_url, payload).status_code >= 400  # the server refuses it too


@pytest.mark.parametrize("payload", [{"instances": GOOD}, {"inputs": GOOD},
                                     {"instances": [list(r.values()) for r in GOOD]},
                                     {"instances": [{**r, "size": str(r["size"]), "colour": "red"} for r in GOOD]}],
                         ids=["objects", "inputs", "rows", "number as text, extra column"])
def test_good_payloads_pass_and_are_answered(client, refs, kserve, payload):
    ref = refs["orchard"]
    report = diagnose(json.dumps(payload), ref, client.schema(ref))
    assert report.accepted and report.rows == 2 and report.kind == "kserve-v1", report.findings
    answer = post(ref.predict_url, payload)
    assert answer.status_code == 200
    assert answer.json()["predictions"] == kserve.pipeline.predict(pd.DataFrame(GOOD)).tolist()
    assert post(ref.predict_url, report.corrected).json() == answer.json()
    # The same rows in V2, for the same model on KServe's V2 endpoint.
    v2 = refs["orchard-v2"]
    assert client.predict_body(v2, report.converted).labels == answer.json()["predictions"]


def test_example_payload_is_answered(client, refs, kserve):
    ref = refs["orchard"]
    body = example_payload(client.schema(ref), "kserve-v1", kserve.rows)
    assert post(ref.predict_url, body).status_code == 200


def test_mds_check_command(refs, kserve, tmp_path, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"instances": GOOD}))
    bad.write_text(json.dumps({"instances": [{**GOOD[0], "city": "rome"}]}))
    fixed = tmp_path / "fixed.json"
    assert main(["--catalog", str(kserve.catalog), "check", "orchard", "--payload", str(good)]) == 0
    assert "orchard will accept this payload (kserve-v1, 2 row(s)" in capsys.readouterr().out
    assert main(["--catalog", str(kserve.catalog), "check", "orchard", "--payload", str(bad), "--fix", str(fixed)]) == 1
    err = capsys.readouterr().err
    assert "city" in err and "rome" in err and "[$.instances[0].city]" in err


def test_mds_predict_command(kserve, tmp_path, capsys):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    kserve.rows.head(60).to_csv(source, index=False)
    assert main(["--catalog", str(kserve.catalog), "predict", "orchard", "--input", str(source),
                 "--output", str(out)]) == 0
    assert pd.read_csv(out)["prediction"].tolist() == kserve.pipeline.predict(kserve.rows.head(60)).tolist()
