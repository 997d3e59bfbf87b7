"""The payload check applies a server's own rules only to that server: what one V2 server refuses and another takes
is an error for the one that refuses it, nothing for one that takes it, a warning when the server is unknown. Each
row was measured against MLServer 1.7.1 and Triton 2.51 (tests/mds_client/test_against_triton.py checks Triton's)."""

from __future__ import annotations

import json

import pytest

from mds_client import MDSClient, ModelRef, Transport
from mds_client.payload_check import diagnose
from mds_client.schema.sources import from_v2_metadata
from mds_client.server_info import ServerInfo, read_server_info

# A Triton-style classifier: one column per input with a batch dimension.
SCHEMA = from_v2_metadata({"name": "grade", "inputs": [
    {"name": "size", "datatype": "FP32", "shape": [-1, 1]}, {"name": "city", "datatype": "BYTES", "shape": [-1, 1]}],
    "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 2]},
                {"name": "label", "datatype": "BYTES", "shape": [-1, 1]}]})
FIXED = from_v2_metadata({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2]}]})
REF = ModelRef("grade", "v2", "http://127.0.0.1:9")
SERVERS = {"mlserver": ServerInfo("mlserver", "1.7.1"), "triton": ServerInfo("triton", "2.51.0"),
           "kserve": ServerInfo("kserve", "0.21.0"), "unknown": ServerInfo()}


def size(shape=(1, 1), datatype="FP32", data=(3.0,), nested=False):
    values = [[v] for v in data] if nested else list(data)
    return {"name": "size", "datatype": datatype, "shape": list(shape), "data": values}


def city(shape=(1, 1), content_type="str"):
    spec = {"name": "city", "datatype": "BYTES", "shape": list(shape), "data": ["Lyon"]}
    return spec | ({"parameters": {"content_type": content_type}} if content_type else {})


PD = {"parameters": {"content_type": "pd"}}

# (what, payload, field the finding is about, {server: severity or None (no finding)})
CASES = [
    ("several inputs without 'pd'", {"inputs": [size(), city()]}, "content_type",
     {"mlserver": "error", "triton": None, "kserve": None, "unknown": "warning"}),
    ("BYTES without content_type 'str'", PD | {"inputs": [size(), city(content_type="")]}, "city",
     {"mlserver": "warning", "triton": None, "kserve": "warning", "unknown": "warning"}),
    ("FP64 for FP32", PD | {"inputs": [size(datatype="FP64"), city()]}, "size",
     {"mlserver": "warning", "triton": "error", "kserve": "warning", "unknown": "warning"}),
    ("[n] for [-1, 1]", PD | {"inputs": [size(shape=(1,)), city()]}, "size",
     {"mlserver": None, "triton": "error", "kserve": "warning", "unknown": "warning"}),
    ("nested data", PD | {"inputs": [size(nested=True), city()]}, "size",
     {"mlserver": "info", "triton": "info", "kserve": "warning", "unknown": "warning"}),
    ("an input the model does not declare", PD | {"inputs": [size(), city(), {**size(), "name": "colour"}]}, "colour",
     {"mlserver": "warning", "triton": "error", "kserve": "warning", "unknown": "warning"}),
]


@pytest.mark.parametrize(("payload", "field", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("server", list(SERVERS))
def test_a_quirk_weighs_what_the_server_makes_of_it(payload, field, expected, server):
    report = diagnose(json.dumps(payload), REF, SCHEMA, server=SERVERS[server])
    severities = {f.severity for f in report.findings if f.field == field}
    want = expected[server]
    assert severities == ({want} if want else set()), report.findings
    assert report.accepted == (want != "error")
    assert report.server == str(SERVERS[server]) if server != "unknown" else report.server == ""


def test_what_every_server_takes_is_never_an_error_on_an_unknown_server():
    for _, payload, _, expected in CASES:
        if None in expected.values():
            assert diagnose(json.dumps(payload), REF, SCHEMA).accepted, payload


@pytest.mark.parametrize(("server", "severity"), [("triton", "error"), ("unknown", "warning"), ("mlserver", "info")])
def test_several_rows_for_a_model_without_batching(server, severity):
    payload = {"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 2], "data": [1.0, 2.0, 3.0, 4.0]}]}
    report = diagnose(json.dumps(payload), REF, FIXED, server=SERVERS[server])
    rows = [f for f in report.findings if "one row per request" in f.message]
    assert [f.severity for f in rows] == [severity]
    assert report.corrected is None and report.converted is not None


def test_the_corrected_payload_has_the_declared_shapes():
    report = diagnose(json.dumps([{"size": 3.0, "city": "Lyon"}, {"size": 8.0, "city": "Paris"}]), REF, SCHEMA,
                      server=SERVERS["triton"])
    assert [(i["name"], i["shape"], i["datatype"]) for i in report.corrected["inputs"]] == [
        ("size", [2, 1], "FP32"), ("city", [2, 1], "BYTES")]
    assert diagnose(json.dumps(report.corrected), REF, SCHEMA, server=SERVERS["triton"]).accepted


@pytest.mark.parametrize(("doc", "family"), [
    ({"name": "triton", "version": "2.51.0", "extensions": ["classification", "model_repository"]}, "triton"),
    ({"name": "mlserver", "version": "1.7.1", "extensions": []}, "mlserver"),
    ({"name": "kserve", "version": "0.21.0"}, "kserve"),
    ({"name": "my-server", "version": "1"}, ""),
    ("not an object", ""),
])
def test_what_get_v2_says(doc, family):
    assert read_server_info(doc).family == family


def test_a_server_that_does_not_answer_is_unknown():
    client = MDSClient(Transport())
    assert client.server_info(REF) == ServerInfo()  # nothing listens on port 9
    assert client.server_info(ModelRef("v1", "seldon", "http://127.0.0.1:9")) == ServerInfo()
    client.close()
