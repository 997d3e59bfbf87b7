"""The payload check for a KServe V1 model: the V1 forms are its own, each mistake gets its exact advice.

Against a real KServe ModelServer: tests/mds_client/test_kserve_server.py.
"""

from __future__ import annotations

import json

import pytest

from mds_client import ModelRef
from mds_client.payload_check import diagnose, example_payload, payload_kind
from tests.mds_client.payload_check.test_diagnose import NAMES, ROW, SCHEMA, good_v2

KSERVE = ModelRef("tips-ks", "kserve-v1", "http://127.0.0.1:9")
RECORD = dict(zip(NAMES, ROW, strict=True))


def check(doc):
    return diagnose(json.dumps(doc), KSERVE, SCHEMA)


def said(report):
    return [(f.severity, f.path, f.message) for f in report.findings]


@pytest.mark.parametrize("doc", [{"instances": [RECORD]}, {"inputs": [RECORD]},
                                 {"instances": [RECORD, {**RECORD, "size": 4}]}], ids=["instances", "inputs", "two"])
def test_named_instances_are_accepted_as_they_are(doc):
    report = check(doc)
    assert report.kind == "kserve-v1" and report.accepted and said(report) == []
    assert report.corrected == {"instances": doc.get("instances") or doc["inputs"]}
    assert report.converted is not None and "inputs" in report.converted  # the same rows in V2


def test_rows_in_feature_order_are_read_with_a_warning_on_mixed_types():
    report = check({"instances": [ROW]})
    assert report.accepted and report.rows == 1
    assert said(report) == [("warning", "$.instances", "The instances are lists that mix text and numbers: KServe's own "
                             "runtimes turn each into one NumPy array of strings.")]
    assert report.corrected == {"instances": [RECORD]}


@pytest.mark.parametrize("case,doc,expected", [
    ("not a list", {"instances": RECORD},
     ("error", "$.instances", "'instances' must be a list, one instance per row (KServe refuses anything else with "
      "HTTP 400).")),
    ("empty", {"instances": []}, ("error", "$.instances", "'instances' is empty: there is nothing to score.")),
    ("row too short", {"instances": [ROW[:3]]},
     ("error", "$.instances", "Each instance has 3 values; the model has 5 features (total_bill, sex, smoker, size, "
      "tip_rate).")),
    ("ragged rows", {"instances": [ROW, ROW[:2]]},
     ("error", "$.instances[1]", "Instances have different lengths: instance 2 has 2 values, the first 5.")),
    ("scalars for a table", {"instances": [1, 2]},
     ("error", "$.instances", "Each instance is one value, but the model has 5 features.")),
    ("unknown category", {"instances": [{**RECORD, "sex": "F"}]},
     ("error", "$.instances[0].sex", "row 1, sex: 'F' is not one of Female, Male.")),
    ("unknown category in a row", {"instances": [[16.99, "F", False, 2, 0.15]]},
     ("error", "$.instances[0][1]", "row 1, sex: 'F' is not one of Female, Male.")),
    ("missing feature", {"instances": [{k: v for k, v in RECORD.items() if k != "size"}]},
     ("error", "$.instances", "size: the model needs this feature and the payload has none.")),
    ("a V2 body", good_v2(),
     ("error", "$", "This is a V2 (Open Inference Protocol) payload, but model 'tips-ks' speaks KServe V1: the server "
      "will refuse it.")),
    ("a Seldon body", {"data": {"names": NAMES, "ndarray": [ROW]}},
     ("error", "$", "This is a Seldon v1 payload, but model 'tips-ks' speaks KServe V1: the server will refuse it.")),
    ("a bare table", [RECORD],
     ("error", "$", "This is a bare JSON table (one record per row), not a KServe V1 request: the server will refuse "
      "it.")),
])
def test_each_mistake_gets_its_advice(case, doc, expected):
    report = check(doc)
    assert expected in said(report), (case, said(report))
    assert not report.accepted


def test_corrected_payload_of_a_foreign_body_is_v1_and_accepted():
    report = check(good_v2())
    assert report.corrected == {"instances": [RECORD]}
    assert check(report.corrected).accepted


@pytest.mark.parametrize("doc,kind", [
    ({"inputs": [[1, 2]]}, "kserve-v1"), ({"inputs": [{"a": 1}]}, "kserve-v1"),
    ({"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [1]}]}, "v2"), ({"inputs": []}, "v2"),
    ({"instances": [[1]]}, "kserve-v1"),
])
def test_inputs_is_v1_unless_it_holds_v2_tensors(doc, kind):
    assert payload_kind(doc) == kind


def test_example_payload_is_accepted():
    body = example_payload(SCHEMA, "kserve-v1")
    assert set(body) == {"instances"} and check(body).accepted


def test_not_an_object_names_the_v1_skeleton():
    assert ("error", "$", "The payload is a JSON number, not an object.") in said(check(42))
    assert '{"instances": [{"feature": value, ...}, ...]}' in check(42).findings[0].fix
