"""Fuzzing the wire codecs: encode/decode round trips per dtype, and any answer a server could send."""

from __future__ import annotations

import io
import json

import numpy as np
import orjson
import pandas as pd
import requests
import urllib3
from hypothesis import given
from hypothesis import strategies as st

from mds_client import MDSClient, ModelRef, ModelSchema, Transport, codec_for
from mds_client.prediction import dump_json
from mds_client.transport.sessions import NO_RETRY
from tests.fuzz.conftest import FUZZ, json_docs, memory_capped, typed_only

names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8)
column = st.sampled_from(["float64", "int64", "bool", "object"]).flatmap(
    lambda dtype: st.tuples(names, st.just(dtype)))


@st.composite
def frames(draw):
    cols = draw(st.lists(column, min_size=1, max_size=4, unique_by=lambda c: c[0]))
    n = draw(st.integers(1, 6))
    data = {}
    for name, dtype in cols:
        if dtype == "float64":
            values = draw(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=n, max_size=n))
        elif dtype == "int64":
            values = draw(st.lists(st.integers(-(2**53), 2**53), min_size=n, max_size=n))
        elif dtype == "bool":
            values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        else:
            values = draw(st.lists(st.text(max_size=10), min_size=n, max_size=n))
        data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data)


def request_frame(body, protocol: str) -> pd.DataFrame:
    """The frame a server reads from our request body (V2 ``pd`` inputs, Seldon ``names``/``ndarray``)."""
    body = orjson.loads(dump_json(body))  # what goes on the wire
    if protocol == "v2":
        return pd.DataFrame({i["name"]: i["data"] for i in body["inputs"]})
    if "jsonData" in body:  # mixed types: one record per row
        return pd.DataFrame(body["jsonData"])
    data = body["data"]
    if "ndarray" in data:
        return pd.DataFrame(data["ndarray"], columns=data["names"])
    return pd.DataFrame(np.asarray(data["tensor"]["values"]).reshape(data["tensor"]["shape"]), columns=data["names"])


@FUZZ
@given(frames(), st.sampled_from(["v2", "seldon"]))
def test_every_dtype_survives_the_wire(frame, protocol):
    body = codec_for(protocol).encode(frame, ModelSchema(), request_id="r")
    back = request_frame(body, protocol)
    assert list(back.columns) == list(frame.columns)
    for name in frame.columns:
        sent, got = frame[name].tolist(), back[name].tolist()
        if frame[name].dtype == object:  # a string column stays strings, and no number becomes a string
            assert got == sent
        else:
            assert [type(v) is str for v in got] == [False] * len(got), (name, got)
            np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(sent, dtype=float))


class Canned(requests.adapters.BaseAdapter):
    """A transport seam that answers every call with ``body`` (no socket)."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        super().__init__()
        self.body, self.status = body, status

    def send(self, request, **kwargs):
        raw = urllib3.HTTPResponse(body=io.BytesIO(self.body), status=self.status, preload_content=False,
                                   headers={"Content-Type": "application/json", "Content-Length": str(len(self.body))})
        response = requests.Response()
        response.status_code, response.raw, response.url = self.status, raw, request.url
        response.headers = requests.structures.CaseInsensitiveDict(raw.headers)
        return response

    def close(self):
        pass


def answering(body: bytes, status: int = 200) -> MDSClient:
    return MDSClient(Transport(retry=NO_RETRY, adapter_factory=lambda: Canned(body, status)))


FRAME = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})


@FUZZ
@given(json_docs | st.fixed_dictionaries({"outputs": st.lists(json_docs, max_size=3)})
       | st.fixed_dictionaries({"data": json_docs, "meta": json_docs}), st.sampled_from(["v2", "seldon"]),
       st.sampled_from([200, 400, 404, 500, 503]))
def test_any_json_answer_is_a_prediction_or_a_typed_error(doc, protocol, status):
    client = answering(json.dumps(doc).encode(), status)  # NaN and 2**64 included: a server may send them
    ref = ModelRef("m", protocol, "http://127.0.0.1:9")
    with memory_capped():
        prediction = typed_only(lambda: client.predict(ref, FRAME, ModelSchema()))
    if prediction is not None:
        prediction.to_frame(), prediction.request_json(), prediction.response_json()


@FUZZ
@given(st.binary(max_size=500))
def test_any_bytes_answer_is_a_prediction_or_a_typed_error(raw):
    for protocol in ("v2", "seldon"):
        typed_only(lambda p=protocol: answering(raw).predict(ModelRef("m", p, "http://127.0.0.1:9"), FRAME))
