"""V2 bodies to gRPC messages and back, with no server: raw bytes per tensor, answers in raw bytes or typed contents,
the parameters the protocol can carry, and a message naming the input that cannot go."""

from __future__ import annotations

import numpy as np
import pytest

from mds_client.transport import grpc_messages as wire
from mds_client.transport.grpc_v2 import Target


def _body() -> dict:
    return {"id": "r-1", "parameters": {"content_type": "pd", "headers": {"x": "y"}, "threshold": 0.5},
            "inputs": [
                {"name": "size", "datatype": "FP64", "shape": [3], "data": np.array([1.5, -2.0, 1e300])},
                {"name": "rooms", "datatype": "INT64", "shape": [3, 1], "data": [[1], [2], [3]]},
                {"name": "city", "datatype": "BYTES", "shape": [3], "parameters": {"content_type": "str"},
                 "data": ["paris", "", "Zürich"]},
                {"name": "organic", "datatype": "BOOL", "shape": [3], "data": [True, False, True]},
                {"name": "pixels", "datatype": "FP32", "shape": [1, 3], "data": np.array([[0.1, 0.2, 0.3]])},
            ], "outputs": [{"name": "predict_proba"}]}


def test_a_request_carries_each_tensor_as_little_endian_bytes():
    request = wire.messages().ModelInferRequest.FromString(
        wire.encode_infer(_body(), model="orchard", version="2").SerializeToString())
    assert (request.model_name, request.model_version, request.id) == ("orchard", "2", "r-1")
    assert [(t.name, t.datatype, list(t.shape)) for t in request.inputs] == [
        ("size", "FP64", [3]), ("rooms", "INT64", [3, 1]), ("city", "BYTES", [3]), ("organic", "BOOL", [3]),
        ("pixels", "FP32", [1, 3])]
    raw = list(request.raw_input_contents)
    assert np.frombuffer(raw[0], "<f8").tolist() == [1.5, -2.0, 1e300]
    assert np.frombuffer(raw[1], "<i8").tolist() == [1, 2, 3]
    assert raw[2] == b"\x05\x00\x00\x00paris\x00\x00\x00\x00\x07\x00\x00\x00Z\xc3\xbcrich"
    assert raw[3] == b"\x01\x00\x01"
    assert np.frombuffer(raw[4], "<f4").tolist() == np.float32([0.1, 0.2, 0.3]).tolist()
    assert [o.name for o in request.outputs] == ["predict_proba"]


def test_typed_contents_carry_the_same_values_as_raw_bytes():
    request = wire.messages().ModelInferRequest.FromString(
        wire.encode_infer(_body(), model="orchard", raw=False).SerializeToString())
    assert not request.raw_input_contents
    contents = {t.name: t.contents for t in request.inputs}
    assert list(contents["size"].fp64_contents) == [1.5, -2.0, 1e300]
    assert list(contents["rooms"].int64_contents) == [1, 2, 3]
    assert list(contents["city"].bytes_contents) == [b"paris", b"", "Zürich".encode()]
    assert list(contents["organic"].bool_contents) == [True, False, True]
    assert list(contents["pixels"].fp32_contents) == np.float32([0.1, 0.2, 0.3]).tolist()


def test_only_scalar_parameters_travel_as_the_protocol_has_no_field_for_a_mapping():
    request = wire.encode_infer(_body(), model="m")
    assert wire.parameters_doc(request.parameters) == {"content_type": "pd", "threshold": 0.5}
    assert wire.parameters_doc(request.inputs[2].parameters) == {"content_type": "str"}


def _answer(raw: bool) -> object:
    m = wire.messages()
    answer = m.ModelInferResponse(model_name="orchard", model_version="1", id="r-1")
    answer.parameters["content_type"].string_param = "np"
    label = answer.outputs.add(name="label", datatype="BYTES", shape=[2, 1])
    proba = answer.outputs.add(name="proba", datatype="FP32", shape=[2, 2])
    if raw:
        answer.raw_output_contents.extend([b"\x04\x00\x00\x00gold\x06\x00\x00\x00bronze",
                                           np.float32([0.25, 0.75, 0.5, 0.5]).tobytes()])
    else:
        label.contents.bytes_contents.extend([b"gold", b"bronze"])
        proba.contents.fp32_contents.extend([0.25, 0.75, 0.5, 0.5])
    return m.ModelInferResponse.FromString(answer.SerializeToString())


@pytest.mark.parametrize("raw", [True, False], ids=["raw_output_contents", "typed contents"])
def test_an_answer_reads_as_the_document_rest_gives(raw):
    doc = wire.decode_infer(_answer(raw))
    assert {k: v for k, v in doc.items() if k != "outputs"} == {
        "model_name": "orchard", "model_version": "1", "id": "r-1", "parameters": {"content_type": "np"}}
    label, proba = doc["outputs"]
    assert label == {"name": "label", "shape": [2, 1], "datatype": "BYTES", "data": ["gold", "bronze"]}
    assert proba["datatype"] == "FP32" and proba["data"].dtype == np.float32
    assert proba["data"].tolist() == [0.25, 0.75, 0.5, 0.5]


@pytest.mark.parametrize(("inputs", "words"), [
    ([], "needs a non-empty 'inputs' list"),
    ([{"name": "size", "shape": [1], "data": [1.0]}], "needs a name, a datatype"),
    ([{"name": "size", "datatype": "FLOAT", "shape": [1], "data": [1.0]}], "datatype FLOAT, which the gRPC"),
    ([{"name": "size", "datatype": "FP64", "shape": [1], "data": ["ten"]}], "'size' holds values that are not FP64"),
    ([{"name": "size", "datatype": "FP64", "shape": [2, 2], "data": [1.0, 2.0]}], r"2 values for its shape \[2, 2\]"),
])
def test_a_body_that_cannot_be_encoded_is_refused_naming_the_input(inputs, words):
    with pytest.raises(ValueError, match=words):
        wire.encode_infer({"inputs": inputs}, model="m")


@pytest.mark.parametrize(("url", "address", "secure"), [
    ("grpc://127.0.0.1:9501", "127.0.0.1:9501", False), ("grpcs://mds.example:443/", "mds.example:443", True),
    ("127.0.0.1:8001", "127.0.0.1:8001", False)])
def test_a_grpc_url_names_the_address_and_whether_it_is_tls(url, address, secure):
    target = Target.parse(url)
    assert (target.address, target.secure) == (address, secure)
    assert target.url("ModelInfer").endswith(f"{address}/inference.GRPCInferenceService/ModelInfer")
