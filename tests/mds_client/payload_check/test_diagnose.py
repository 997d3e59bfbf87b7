"""The payload check on the mistakes people really make, each with the exact advice expected.

The schema is parsed from V2 metadata shaped like a real model's (a mixed tips-like table) on MLServer, so the
parse path is the one a served model takes, and MLServer's own rules apply (where servers differ:
test_server_rules.py). Against real servers: tests/mds_client/payload_check/test_against_servers.py.
"""

from __future__ import annotations

import json
import time

import pytest

from mds_client import ModelRef
from mds_client.payload_check import MAX_DEPTH, diagnose, example_payload, nesting_depth, read_payload
from mds_client.payload_check.errors import PayloadTooDeep, PayloadTooLarge, PayloadUnreadable
from mds_client.schema.sources import from_v2_metadata
from mds_client.server_info import ServerInfo

META = {
    "name": "tips",
    "inputs": [
        {"name": "total_bill", "datatype": "FP64", "shape": [-1], "parameters": {"kind": "number", "min": 0, "max": 100}},
        {"name": "sex", "datatype": "BYTES", "shape": [-1],
         "parameters": {"content_type": "str", "kind": "category", "categories": ["Female", "Male"]}},
        {"name": "smoker", "datatype": "BOOL", "shape": [-1], "parameters": {"kind": "boolean"}},
        {"name": "size", "datatype": "INT64", "shape": [-1], "parameters": {"kind": "integer", "min": 1, "max": 6}},
        {"name": "tip_rate", "datatype": "FP64", "shape": [-1],
         "parameters": {"kind": "number", "min": 0.05, "max": 0.3, "bounds": "observed"}},
    ],
    "outputs": [{"name": "predict", "datatype": "BYTES", "shape": [-1, 1],
                 "parameters": {"kind": "label", "class_names": ["generous", "stingy"]}}],
}
SCHEMA = from_v2_metadata(META)
V2 = ModelRef("tips", "v2", "http://127.0.0.1:9")
V1 = ModelRef("tips-v1", "seldon", "http://127.0.0.1:9")
NAMES = ["total_bill", "sex", "smoker", "size", "tip_rate"]
MLSERVER = ServerInfo("mlserver", "1.7.1")
ROW = [16.99, "Female", False, 2, 0.15]


def v2_input(name, datatype, data, shape=None, **extra):
    spec = {"name": name, "shape": shape or [len(data)], "datatype": datatype, "data": data}
    if datatype == "BYTES":
        spec["parameters"] = {"content_type": "str"}
    spec.update(extra)
    return spec


def good_v2(**override):
    inputs = [v2_input("total_bill", "FP64", [16.99]), v2_input("sex", "BYTES", ["Female"]),
              v2_input("smoker", "BOOL", [False]), v2_input("size", "INT64", [2]), v2_input("tip_rate", "FP64", [0.15])]
    for i, spec in enumerate(inputs):
        if spec["name"] in override:
            inputs[i] = override[spec["name"]]
    return {"parameters": {"content_type": "pd"}, "inputs": [s for s in inputs if s is not None]}


def text(doc):
    return json.dumps(doc)


def messages(report):
    return [(f.severity, f.path, f.message, f.fix) for f in report.findings if f.severity != "info"]


def test_a_right_payload_is_accepted_as_is_on_both_protocols():
    v2 = diagnose(text(good_v2()), V2, SCHEMA)
    assert (v2.kind, v2.accepted, v2.rows, messages(v2)) == ("v2", True, 1, [])
    v1 = diagnose(text({"jsonData": [dict(zip(NAMES, ROW, strict=True))]}), V1, SCHEMA)
    assert (v1.kind, v1.accepted, messages(v1)) == ("seldon", True, [])
    assert v2.converted == v1.corrected and v1.converted == v2.corrected


# (name, model, payload, (severity, path, message, fix) expected among the findings)
BROKEN = [
    ("v1 sent to V2", V2, {"data": {"names": NAMES, "ndarray": [ROW]}},
     ("error", "$", "This is a Seldon v1 payload, but model 'tips' speaks V2 (Open Inference Protocol): the server will "
      "refuse it.", "Send the corrected payload, in V2 (Open Inference Protocol) form.")),
    ("V2 sent to v1", V1, good_v2(),
     ("error", "$", "This is a V2 (Open Inference Protocol) payload, but model 'tips-v1' speaks Seldon v1: the server "
      "will refuse it.", "Send the corrected payload, in Seldon v1 form.")),
    ("BYTES without content_type str", V2, good_v2(sex={"name": "sex", "shape": [1], "datatype": "BYTES", "data": ["Female"]}),
     ("warning", "$.inputs[1].parameters.content_type", "sex: BYTES input without parameters.content_type 'str': "
      "MLServer 1.7's pd codec reads it as text, but other codecs and runtimes hand the model bytes (b'...').",
      "Add \"parameters\": {\"content_type\": \"str\"} to this input.")),
    ("no request-level pd", V2, {"inputs": good_v2()["inputs"]},
     ("error", "$.parameters.content_type", "5 inputs without the request-level content_type 'pd': MLServer cannot "
      "join them into one table for the model.", "Add \"parameters\": {\"content_type\": \"pd\"} at the top of the request.")),
    ("ndarray names shorter than rows", V1, {"data": {"names": NAMES[:4], "ndarray": [ROW]}},
     ("error", "$.data.names", "data.names has 4 names but each row has 5 values.",
      "Give one name per column, in the order of the values.")),
    ("FP32 for an INT64 feature", V2, good_v2(size=v2_input("size", "FP32", [2.0])),
     ("error", "$.inputs[3].datatype", "size: sent as FP32, the model declares INT64.", "Send datatype INT64 (whole numbers).")),
    ("FP32 for an FP64 feature", V2, good_v2(total_bill=v2_input("total_bill", "FP32", [16.99])),
     ("warning", "$.inputs[0].datatype", "total_bill: sent as FP32, the model declares FP64.", "Send datatype FP64.")),
    ("shape vs data length", V2, good_v2(size=v2_input("size", "INT64", [2], shape=[2])),
     ("error", "$.inputs[3].shape", "size: shape [2] says 2 values, data has 1.", "Set shape to [1].")),
    ("string in a numeric tensor", V2, good_v2(total_bill=v2_input("total_bill", "FP64", ["16.99"])),
     ("error", "$.inputs[0].data", "total_bill: '16.99' is text in a FP64 tensor.",
      "Send numbers unquoted, or use datatype BYTES with content_type 'str' for text.")),
    ("strings in an ndarray of numbers", V1, {"data": {"names": NAMES, "ndarray": [["16.99", "Female", False, 2, 0.15]]}},
     ("error", "$.data.ndarray[0][0]", "total_bill: '16.99' is a string where the model wants a number.",
      "Send total_bill unquoted: 16.99")),
    ("mixed ndarray stringified by Seldon", V1, {"data": {"names": NAMES, "ndarray": [ROW]}},
     ("warning", "$.data.ndarray", "Strings and numbers in one ndarray: Seldon's Python wrapper makes one numpy array of "
      "it, so every value reaches the model as a string.",
      "Send mixed rows as jsonData records: {\"jsonData\": [{\"feature\": value, ...}]}.")),
    ("row-oriented JSON instead of a request", V2, [dict(zip(NAMES, ROW, strict=True))],
     ("error", "$", "This is a bare JSON table (one record per row), not a V2 (Open Inference Protocol) request: the "
      "server will refuse it.", "Send it as {\"inputs\": [{\"name\": ..., \"shape\": [n], \"datatype\": ..., \"data\": "
      "[...]}]} (the corrected payload).")),
    ("missing feature", V2, good_v2(size=None),
     ("error", "$.inputs", "size: the model needs this feature and the payload has none.",
      "Add size (a whole number from 1 to 6).")),
    ("extra feature, misspelt", V1, {"jsonData": [{**dict(zip(NAMES[:4], ROW[:4], strict=True)), "tip_rat": 0.1, "tip_rate": 0.1}]},
     ("warning", "$.jsonData", "tip_rat: not a feature of this model; it is left out.", "Remove tip_rat.")),
    ("misspelt feature name", V1, {"jsonData": [{**dict(zip(NAMES[:4], ROW[:4], strict=True)), "tip_rte": 0.1}]},
     ("warning", "$.jsonData", "tip_rte: not a feature of this model; it is left out. Did you mean tip_rate?",
      "Remove tip_rte or rename it to tip_rate.")),
    ("category not in the list", V2, good_v2(sex=v2_input("sex", "BYTES", ["F"])),
     ("error", "$.inputs[1].data[0]", "row 1, sex: 'F' is not one of Female, Male.", "Send one of Female, Male.")),
    ("declared bound exceeded", V2, good_v2(size=v2_input("size", "INT64", [9])),
     ("error", "$.inputs[3].data[0]", "row 1, size: 9 is above the maximum 6.", "Send a whole number from 1 to 6.")),
    ("observed range exceeded is a warning", V2, good_v2(tip_rate=v2_input("tip_rate", "FP64", [0.5])),
     ("warning", "$.inputs[4].data[0]", "row 1, tip_rate: 0.5 is above the highest value seen in the reference data "
      "(0.3); the model still scores it.", "")),
    ("V2 data nested", V2, good_v2(total_bill={"name": "total_bill", "shape": [2], "datatype": "FP64", "data": [[16.99], [3.5]]},
                                   sex=v2_input("sex", "BYTES", ["Female", "Male"]), smoker=v2_input("smoker", "BOOL", [False, True]),
                                   size=v2_input("size", "INT64", [2, 3]), tip_rate=v2_input("tip_rate", "FP64", [0.1, 0.2])),
     ("info", "$.inputs[0].data", "total_bill: data is nested lists; the protocol sends it flat, in row-major order "
      "(MLServer and Triton accept both).", "Send \"data\": [16.99, 3.5] with the shape saying the dimensions.")),
    ("ragged columns", V2, good_v2(total_bill=v2_input("total_bill", "FP64", [1.0] * 200)),
     ("error", "$.inputs", "Columns have different lengths: total_bill has 200, the others 1.",
      "Give every input one value per row.")),
    ("unknown datatype name", V2, good_v2(total_bill=v2_input("total_bill", "FLOAT", [16.99])),
     ("error", "$.inputs[0].datatype", "total_bill: datatype 'FLOAT' is not a V2 datatype.",
      "Use one of FP64, FP32, INT64, BOOL, BYTES.")),
    ("input without shape", V2, good_v2(size={"name": "size", "datatype": "INT64", "data": [2]}),
     ("error", "$.inputs[3]", "size: the input has no shape.", "Every V2 input needs name, shape, datatype and data.")),
    ("tensor shape vs values", V1, {"data": {"names": NAMES, "tensor": {"shape": [2, 5], "values": [1, 2, 3, 4, 5]}}},
     ("error", "$.data.tensor.shape", "tensor.shape [2, 5] says 10 values, values has 5.",
      "Make shape's product equal the number of values.")),
    ("flat ndarray", V1, {"data": {"names": NAMES, "ndarray": ROW}},
     ("warning", "$.data.ndarray", "ndarray is one flat list; Seldon expects a list of rows.",
      "Wrap it in another list: [[...]] for one row.")),
    ("KServe v1 instances", V2, {"instances": [ROW]},
     ("error", "$.instances", "This is a KServe v1 payload ('instances'); model 'tips' speaks V2 (Open Inference Protocol).",
      "Send the corrected payload.")),
    ("binData not base64", V1, {"binData": "not base64!"},
     ("error", "$.binData", "binData is not base64.", "Encode the bytes with base64 (no line breaks).")),
    ("not an object", V2, 42,
     ("error", "$", "The payload is a JSON number, not an object.", "Send a JSON object: {\"inputs\": [{\"name\": ..., "
      "\"shape\": [n], \"datatype\": ..., \"data\": [...]}]}.")),
    ("boolean as text", V2, good_v2(smoker=v2_input("smoker", "BYTES", ["maybe"])),
     ("error", "$.inputs[2].data[0]", "row 1, smoker: 'maybe' is not true/false.", "Send true or false.")),
]


@pytest.mark.parametrize("ref,payload,expected", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_payload_gets_the_exact_advice(ref, payload, expected):
    report = diagnose(text(payload), ref, SCHEMA, server=MLSERVER if ref.protocol == "v2" else None)
    found = [(f.severity, f.path, f.message, f.fix) for f in report.findings]
    assert expected in found, found
    assert report.accepted == (expected[0] != "error" and not report.errors)


def test_there_are_at_least_twenty_kinds_of_mistake():
    assert len(BROKEN) >= 20


def test_corrected_payload_fixes_what_can_be_fixed_and_is_accepted():
    broken = good_v2(size=v2_input("size", "FP32", [2.0]), sex={"name": "sex", "shape": [1], "datatype": "BYTES", "data": ["Male"]})
    report = diagnose(text(broken), V2, SCHEMA)
    assert not report.accepted
    again = diagnose(text(report.corrected), V2, SCHEMA)
    assert again.accepted and messages(again) == []
    size = next(i for i in report.corrected["inputs"] if i["name"] == "size")
    assert size == {"name": "size", "shape": [1], "datatype": "INT64", "data": [2]}
    assert report.converted == {"jsonData": [{"total_bill": 16.99, "sex": "Male", "smoker": False, "size": 2, "tip_rate": 0.15}]}


def test_no_corrected_payload_when_features_are_missing():
    report = diagnose(text({"data": {"names": ["total_bill"], "ndarray": [[1.0]]}}), V1, SCHEMA)
    assert report.corrected is None and not report.accepted


def test_a_curl_command_is_read_and_its_url_only_kept_for_display():
    body = text(good_v2())
    command = f"curl -s -X POST http://10.0.0.1:8080/v2/models/x/infer \\\n  -H 'Content-Type: application/json' -d '{body}'"
    pasted = read_payload(command)
    assert pasted.from_curl and pasted.url == "http://10.0.0.1:8080/v2/models/x/infer" and pasted.doc == good_v2()
    assert diagnose(command, V2, SCHEMA).accepted
    assert read_payload(f"curl --data-raw='{body}' http://h/x").doc == good_v2()


@pytest.mark.parametrize("command,message", [
    ("curl http://h/x", "The curl command has no body: add the JSON with -d '...'."),
    ("curl -d @body.json http://h/x", "The curl command reads its body from the file 'body.json': paste that file's JSON."),
    ("curl -d '{\"a\": 1", "The curl command does not split into words (No closing quotation): check its quotes."),
])
def test_curl_commands_that_cannot_be_read_say_why(command, message):
    with pytest.raises(PayloadUnreadable) as info:
        read_payload(command)
    assert info.value.message == message


def test_example_payloads_are_accepted_on_their_protocol():
    for ref in (V2, V1):
        example = example_payload(SCHEMA, ref.protocol)
        assert diagnose(text(example), ref, SCHEMA).accepted
    assert example_payload(SCHEMA, "v2")["outputs"] == [{"name": "predict"}]


# -- hostile payloads -------------------------------------------------------------------------------
@pytest.mark.parametrize("payload,error,message", [
    ("[" * 10_000 + "]" * 10_000, PayloadTooDeep, f"The payload is nested 10000 levels deep; the check reads at most {MAX_DEPTH}."),
    ('{"a": ' * 5_000 + "1" + "}" * 5_000, PayloadTooDeep, f"The payload is nested 5000 levels deep; the check reads at most {MAX_DEPTH}."),
    ("", PayloadUnreadable, "The payload is empty."),
    ('{"inputs": [', PayloadUnreadable, "The payload is not valid JSON: unexpected end of data at line 1."),
])
def test_hostile_payloads_are_refused_with_a_clear_message(payload, error, message):
    with pytest.raises(error) as info:
        read_payload(payload)
    assert info.value.message == message
    report = diagnose(payload, V2, SCHEMA)
    assert not report.accepted and report.findings[0].message == message


def test_a_50_mb_array_is_refused_unread_and_fast():
    big = '{"inputs": [{"name": "total_bill", "shape": [-1], "datatype": "FP64", "data": [' + "1.5," * 12_500_000 + "1]}]}"
    assert len(big) > 50_000_000
    started = time.perf_counter()
    with pytest.raises(PayloadTooLarge) as info:
        read_payload(big)
    assert info.value.message == "The payload is 50.0 MB; the check reads at most 8 MB."
    assert time.perf_counter() - started < 1.0


def test_depth_is_measured_without_counting_brackets_inside_strings():
    assert nesting_depth(b'{"a": "[[[[[[[[[[", "b": [[1]]}') == 3
    assert nesting_depth(b'{"a": "x\\"[[[[["}') == 1


def test_deep_strings_and_a_big_but_allowed_payload_finish_in_time():
    rows = 50_000
    doc = good_v2(total_bill=v2_input("total_bill", "FP64", [1.0] * rows), sex=v2_input("sex", "BYTES", ["Male"] * rows),
                  smoker=v2_input("smoker", "BOOL", [True] * rows), size=v2_input("size", "INT64", [2] * rows),
                  tip_rate=v2_input("tip_rate", "FP64", [0.2] * rows))
    started = time.process_time()  # CPU time: a loaded machine must not fail it (the check's own budget is wall time)
    report = diagnose(text(doc), V2, SCHEMA)
    assert report.accepted and report.rows == rows
    assert time.process_time() - started < 5.0
