"""The check's corrected and converted payloads against the real servers: what it writes is taken.

For broken payloads of the usual kinds, the corrected payload is sent to the model itself and the
converted one to the same model served on the other protocol (wine on MLServer, wine-v1 on
seldon-core): both answer, with the same classes as the right payload.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests

from mds_client.payload_check import diagnose, example_payload

JSON = {"Content-Type": "application/json"}


def post(ref, body):
    return requests.post(ref.predict_url, data=json.dumps(body), headers=JSON, timeout=10)


@pytest.fixture(scope="module")
def wine_rows(refs):
    return pd.read_csv(refs["wine"].reference_data).head(3)


def _broken(rows):
    names, values = list(rows.columns), rows.to_numpy().tolist()
    records = rows.to_dict(orient="records")
    no_pd = {"inputs": [{"name": c, "shape": [len(rows)], "datatype": "FP32", "data": rows[c].tolist()} for c in names]}
    nested = {"parameters": {"content_type": "pd"},
              "inputs": [{"name": c, "shape": [len(rows), 1], "datatype": "FP64", "data": [[v] for v in rows[c]]} for c in names]}
    return {
        "v1 ndarray": {"data": {"names": names, "ndarray": values}},
        "records": records,
        "columns": {c: rows[c].tolist() for c in names},
        "V2 without pd, FP32": no_pd,
        "V2 nested data": nested,
        "numbers as strings": {"data": {"names": names, "ndarray": [[str(v) for v in row] for row in values]}},
    }


@pytest.mark.parametrize("case", ["v1 ndarray", "records", "columns", "V2 without pd, FP32", "V2 nested data",
                                  "numbers as strings"])
def test_corrected_and_converted_payloads_are_taken_by_the_real_servers(client, refs, wine_rows, case):
    v2, v1 = refs["wine"], refs["wine-v1"]
    truth = client.predict(v2, wine_rows, client.schema(v2)).labels
    payload = _broken(wine_rows)[case]
    for ref, other in ((v2, v1), (v1, v2)):
        report = diagnose(json.dumps(payload), ref, client.schema(ref))
        assert report.corrected is not None and report.rows == 3, report.findings
        assert diagnose(json.dumps(report.corrected), ref, client.schema(ref)).accepted
        for target, body in ((ref, report.corrected), (other, report.converted)):
            answer = post(target, body)
            assert answer.status_code == 200, (target.name, answer.text[:300])
            labels = client.predict_body(target, body, client.schema(target)).labels
            assert labels == truth


def test_example_payloads_are_taken_by_every_real_model(client, refs):
    for name in ("wine", "tips", "tip-amount", "digits", "wine-v1"):
        ref = refs[name]
        schema = client.schema(ref)
        answer = post(ref, example_payload(schema, ref.protocol, pd.read_csv(ref.reference_data)))
        assert answer.status_code == 200, (name, answer.text[:300])


def test_what_the_payload_check_refuses_the_server_refuses_too(client, refs, wine_rows):
    v2 = refs["wine"]
    v1_body = {"data": {"names": list(wine_rows.columns), "ndarray": wine_rows.to_numpy().tolist()}}
    assert not diagnose(json.dumps(v1_body), v2, client.schema(v2)).accepted
    assert post(v2, v1_body).status_code == 422
    v2_body = json.loads(json.dumps(diagnose(json.dumps(v1_body), v2, client.schema(v2)).corrected))
    assert not diagnose(json.dumps(v2_body), refs["wine-v1"], client.schema(refs["wine-v1"])).accepted
    assert post(refs["wine-v1"], v2_body).status_code == 400
