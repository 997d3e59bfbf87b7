"""Real refusals from MLServer and seldon-core, provoked here, and what the check makes of them.

The table is the record of what these servers really say (MLServer 1.7.1, seldon-core 1.18.2):
each row sends a broken body to a real server, checks the status, and checks the cause, the field
and the advice ``explain_server_error`` gives.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests

from mds_client.payload_check import explain_server_error

JSON = {"Content-Type": "application/json"}


def _wine_inputs(columns, row, drop=()):
    return [{"name": c, "shape": [1], "datatype": "FP64", "data": [v]} for c, v in zip(columns, row, strict=True) if c not in drop]


def _tips_inputs(sex="Female"):
    return [{"name": "total_bill", "shape": [1], "datatype": "FP64", "data": [10.0]},
            {"name": "sex", "shape": [1], "datatype": "BYTES", "parameters": {"content_type": "str"}, "data": [sex]}]


CASES = [
    # (id, server, path, body builder, status, cause, field, advice starts with)
    ("unknown output", "mlserver", "/v2/models/wine-bare/infer",
     lambda c, r: {"parameters": {"content_type": "pd"}, "inputs": _wine_inputs(c, r), "outputs": [{"name": "delayed"}]},
     400, "unknown-output", "delayed", "The request asks for an output the model does not have."),
    ("v1 sent to V2", "mlserver", "/v2/models/wine/infer", lambda c, r: {"data": {"names": c, "ndarray": [r]}},
     422, "not-v2", "", "The request has no 'inputs': is it a Seldon v1 payload sent to a V2 endpoint?"),
    ("datatype not V2", "mlserver", "/v2/models/wine/infer",
     lambda c, r: {"inputs": [{"name": "x", "shape": [1], "datatype": "FLOAT", "data": [1]}]},
     422, "bad-datatype", "", "That input's datatype is not a V2 datatype"),
    ("shape mismatch", "mlserver", "/v2/models/wine/infer",
     lambda c, r: {"inputs": [{"name": "x", "shape": [2, 13], "datatype": "FP64", "data": r}]},
     500, "shape", "", "The shape does not match the number of values"),
    ("feature count", "mlserver", "/v2/models/wine/infer",
     lambda c, r: {"inputs": [{"name": "x", "shape": [1, 12], "datatype": "FP64", "data": r[:12]}]},
     500, "feature-count", "", "The model got a different number of features"),
    ("missing feature", "mlserver", "/v2/models/wine/infer",
     lambda c, r: {"parameters": {"content_type": "pd"}, "inputs": _wine_inputs(c, r, drop=("proline",))},
     500, "missing-feature", "proline", "Add the missing feature"),
    ("text in a number tensor", "mlserver", "/v2/models/wine/infer",
     lambda c, r: {"inputs": [{"name": "x", "shape": [1, 13], "datatype": "BYTES", "data": ["abc"] + [str(v) for v in r[1:]]}]},
     500, "text-as-number", "", "A text value reached a numeric feature"),
    ("model not served", "mlserver", "/v2/models/nope/infer", lambda c, r: {"inputs": _wine_inputs(c, r)},
     404, "not-found", "nope", "The server does not serve that model name"),
    ("body not JSON", "mlserver", "/v2/models/wine/infer", lambda c, r: "{not json",
     422, "bad-json", "", "The body is not valid JSON"),
    ("MICROSERVICE_BAD_DATA missing feature", "wine-v1", "/api/v1.0/predictions",
     lambda c, r: {"data": {"names": c[:12], "ndarray": [r[:12]]}},
     400, "missing-feature", "proline", "Add the missing feature"),
    ("V2 sent to v1", "wine-v1", "/api/v1.0/predictions", lambda c, r: {"inputs": _wine_inputs(c, r)},
     400, "not-v1", "", "The Seldon v1 endpoint got something else (a V2 payload?)"),
    ("v1 body not JSON", "wine-v1", "/api/v1.0/predictions", lambda c, r: "{nope",
     400, "bad-json", "", "The body is not valid JSON"),
    ("MICROSERVICE_BAD_DATA text for a number", "wine-v1", "/api/v1.0/predictions",
     lambda c, r: {"data": {"names": c, "ndarray": [["abc", *r[1:]]]}},
     400, "text-as-number", "alcohol", "A text value reached a numeric feature"),
]


@pytest.mark.parametrize("server,path,build,status,cause,field,advice", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_real_refusals_are_explained(local_mds, client, refs, server, path, build, status, cause, field, advice):
    reference = pd.read_csv(refs["wine"].reference_data)
    columns, row = list(reference.columns), [float(v) for v in reference.iloc[0]]
    body = build(columns, row)
    answer = requests.post(local_mds.url(server) + path, data=body if isinstance(body, str) else json.dumps(body),
                           headers=JSON, timeout=10)
    assert answer.status_code == status, answer.text[:300]
    schema = client.schema(refs["wine" if server == "mlserver" else "wine-v1"])
    explained = explain_server_error(answer.status_code, answer.content, schema)
    assert (explained.cause, explained.field) == (cause, field), explained
    assert explained.advice.startswith(advice)
    assert explained.server_message and "Traceback" not in explained.server_message


def test_the_sklearn_refusal_from_the_issue_reads_in_plain_words():
    body = {"error": "SKLearnModel only supports 'predict', 'predict_proba' and 'transform' as outputs (delayed was received)"}
    explained = explain_server_error(400, body)
    assert str(explained) == (
        "The server said: SKLearnModel only supports 'predict', 'predict_proba' and 'transform' as outputs (delayed was "
        "received) (delayed). The request asks for an output the model does not have. Ask only for outputs its metadata "
        "declares, or leave 'outputs' out to get the default.")
