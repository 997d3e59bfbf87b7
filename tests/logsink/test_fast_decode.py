"""The sink's plain-Python reading of small responses gives exactly the codec path's rows.

Generated Seldon v1 and V2 bodies (probabilities, regressions, int and string labels, NaN, float32,
several V2 outputs, schemas naming outputs and classes, shapes that do not fit) are read both ways:
whenever ``fast_rows`` answers, its rows equal ``response_rows``' rows through ``mds_client``'s codecs,
and the bodies it declines still read (or fail) as before.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logsink import payloads
from logsink.errors import MalformedEvent
from logsink.fast_decode import fast_rows
from logsink.payloads import RowOutput, response_rows
from mds_client import ModelSchema
from mds_client.schema.model import Output


def codec_rows(body: dict[str, Any], protocol: str, schema: ModelSchema | None) -> Any:
    """``response_rows`` with the fast path switched off: the rows, or the error it raises."""
    original = payloads.fast_rows
    payloads.fast_rows = lambda *_: None
    try:
        return response_rows(body, protocol, schema).rows
    except MalformedEvent as exc:
        return exc
    finally:
        payloads.fast_rows = original


def same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN and float equal only to float (1 == 1.0 would hide a type change)."""
    if isinstance(a, RowOutput) and isinstance(b, RowOutput):
        return all(same(getattr(a, f), getattr(b, f)) for f in ("label", "value", "probabilities", "confidence"))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def check(body: dict[str, Any], protocol: str, schema: ModelSchema | None = None) -> bool:
    """True when the fast path answered (and agreed); False when it left the body to the codecs."""
    fast = fast_rows(body, protocol, schema or ModelSchema())
    fast = None if fast is None else [RowOutput(*row) for row in fast]
    slow = codec_rows(body, protocol, schema)
    if fast is None:
        return False
    assert not isinstance(slow, MalformedEvent), f"fast path read a body the codecs refuse: {body} ({slow})"
    assert same(fast, slow), f"{body}\nfast  {fast}\ncodec {slow}"
    assert same(response_rows(body, protocol, schema).rows, slow)
    return True


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
unit = st.floats(min_value=0, max_value=1)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
small_ints = st.integers(min_value=-3, max_value=5)
texts = st.text(max_size=6)
scalars = st.one_of(floats, unit, ints, small_ints, texts, st.booleans(), st.none())


@st.composite
def probabilities(draw: Any, width: int) -> list[float]:
    raw = draw(st.lists(st.floats(min_value=0.001, max_value=1), min_size=width, max_size=width))
    return [v / sum(raw) for v in raw]


@st.composite
def matrices(draw: Any) -> list[Any]:
    n = draw(st.integers(1, 4))
    width = draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["proba", "floats", "ints", "texts", "mixed", "flat", "ragged"]))
    if kind == "proba" and width > 1:
        return [draw(probabilities(width)) for _ in range(n)]
    element = {"floats": floats, "ints": st.one_of(ints, small_ints), "texts": texts, "mixed": scalars}.get(
        kind, st.one_of(floats, small_ints))
    if kind == "flat":
        return draw(st.lists(st.one_of(floats, small_ints, texts), min_size=1, max_size=5))
    if kind == "ragged":
        return [draw(st.lists(element, min_size=0, max_size=4)) for _ in range(n)]
    return [draw(st.lists(element, min_size=width, max_size=width)) for _ in range(n)]


names = st.one_of(st.none(), st.lists(st.sampled_from(["a", "b", "c", "setosa", "0"]), max_size=4))


@st.composite
def schemas(draw: Any) -> ModelSchema | None:
    if draw(st.booleans()):
        return None
    classes = tuple(draw(st.lists(st.sampled_from(["x", "y", "z", "w"]), max_size=4, unique=True)))
    outputs = draw(st.lists(st.builds(
        Output, name=st.sampled_from(["data", "predict", "predict_proba", "out"]),
        kind=st.sampled_from(["label", "proba", "value", "tensor", "text"]),
        class_names=st.just(classes) | st.just(()), wire_name=st.sampled_from(["", "predict"])), max_size=2))
    return ModelSchema(outputs=tuple(outputs))


relaxed = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(matrix=matrices(), names=names, schema=schemas())
def test_seldon_ndarray_reads_as_the_codec_reads_it(matrix: list[Any], names: Any, schema: Any) -> None:
    data: dict[str, Any] = {"ndarray": matrix}
    if names is not None:
        data["names"] = names
    check({"data": data, "meta": {"puid": "r1"}}, "seldon", schema)


@relaxed
@given(values=st.lists(st.one_of(floats, unit, small_ints), min_size=1, max_size=12),
       shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), schema=schemas())
def test_seldon_tensor_reads_as_the_codec_reads_it(values: list[Any], shape: list[int], schema: Any) -> None:
    check({"data": {"names": ["a", "b"], "tensor": {"shape": shape, "values": values}}}, "seldon", schema)


# the datatypes servers send most, more often; the rest so that declining them is tried too
datatypes = st.sampled_from(["FP64", "FP64", "FP64", "FP32", "FP32", "INT64", "INT64", "INT32", "INT8", "UINT8",
                             "BYTES", "BYTES", "BOOL", "FP16", "", "X"])


@st.composite
def v2_outputs(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 3))
    width = draw(st.integers(1, 4))
    datatype = draw(datatypes)
    if datatype in ("FP64", "FP32") and width > 1 and draw(st.booleans()):
        data = [v for _ in range(n) for v in draw(probabilities(width))]
    elif datatype.startswith(("INT", "UINT")):
        data = draw(st.lists(st.one_of(small_ints, ints, unit), min_size=n * width, max_size=n * width))
    elif datatype == "BYTES":
        data = draw(st.lists(st.one_of(texts, small_ints), min_size=n * width, max_size=n * width))
    else:
        data = draw(st.lists(st.one_of(floats, unit, small_ints, texts), min_size=n * width, max_size=n * width))
    shape = draw(st.sampled_from([[n, width], [n * width], [n, width, 1], [n + 1, width], []]))
    out: dict[str, Any] = {"name": draw(st.sampled_from(["predict", "predict_proba", "out", "data"])),
                           "datatype": datatype, "data": data}
    if shape:
        out["shape"] = shape
    return out


@relaxed
@given(outputs=st.lists(v2_outputs(), min_size=1, max_size=3), schema=schemas())
def test_v2_outputs_read_as_the_codec_reads_them(outputs: list[dict[str, Any]], schema: Any) -> None:
    check({"model_name": "m", "id": "r1", "outputs": outputs}, "v2", schema)


CLASSES = ModelSchema(outputs=(Output(name="predict_proba", kind="proba", class_names=("a", "b", "c")),))


@pytest.mark.parametrize(("body", "protocol", "schema"), [
    ({"data": {"names": ["c0", "c1", "c2"], "ndarray": [[0.91, 0.06, 0.03]]}}, "seldon", None),
    ({"data": {"names": ["c0", "c1"], "ndarray": [[0.5, 0.5], [0.2, 0.8]]}}, "seldon", None),
    ({"data": {"ndarray": [13.4]}}, "seldon", None),
    ({"data": {"ndarray": [[2]]}}, "seldon", ModelSchema(outputs=(Output(name="p", kind="label",
                                                                         class_names=("a", "b", "c")),))),
    ({"data": {"ndarray": ["setosa", "virginica"]}}, "seldon", None),
    ({"data": {"names": ["t:0"], "tensor": {"shape": [2, 1], "values": [0.5, 1.5]}}}, "seldon", None),
    ({"data": {"ndarray": [[1.0, 2.0, 3.0]]}}, "seldon", None),
    ({"outputs": [{"name": "predict", "shape": [1, 1], "datatype": "INT64", "data": [1]},
                  {"name": "predict_proba", "shape": [1, 3], "datatype": "FP64", "data": [0.1, 0.7, 0.2]}]},
     "v2", CLASSES),
    ({"outputs": [{"name": "predict_proba", "shape": [1, 3], "datatype": "FP32", "data": [0.1, 0.7, 0.2]}]},
     "v2", None),
    ({"outputs": [{"name": "predict", "shape": [2], "datatype": "FP64", "data": [1.5, float("nan")]}]}, "v2", None),
    ({"outputs": [{"name": "predict", "shape": [1], "datatype": "BYTES", "data": ["cat"]}]}, "v2", None),
    ({"outputs": [{"name": "predict_proba", "shape": [1, 3], "datatype": "FP64",
                   "data": [0.2, float("nan"), 0.3]}]}, "v2", CLASSES),
])
def test_the_common_answers_take_the_fast_path_and_agree(body: dict[str, Any], protocol: str, schema: Any) -> None:
    assert check(body, protocol, schema)


@pytest.mark.parametrize("body", [
    {"data": {"ndarray": [[True, 0.5]]}},  # numpy makes the bool a float
    {"data": {"ndarray": [[1, "a"]]}},  # numpy makes the number a string
    {"data": {"ndarray": [[0.1, 0.9], [0.5]]}},  # ragged: the codec path names the fault
    {"jsonData": {"a": 1}},
    {"data": {"ndarray": [[0.001] * 300]}},  # past the small-matrix size
])
def test_other_answers_are_left_to_the_codecs(body: dict[str, Any]) -> None:
    assert fast_rows(body, "seldon", ModelSchema()) is None
    assert not check(body, "seldon")


@st.composite
def served_outputs(draw: Any) -> dict[str, Any]:
    """Outputs as MLServer and Triton send them: the shape fits, the data fits its datatype."""
    n, width = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    datatype = draw(st.sampled_from(["FP64", "FP32", "INT64", "INT32", "BYTES"]))
    if datatype.startswith("FP"):
        rows = [draw(probabilities(width)) if width > 1 and draw(st.booleans())
                else draw(st.lists(st.one_of(floats, unit), min_size=width, max_size=width)) for _ in range(n)]
        data = [v for row in rows for v in row]
    elif datatype.startswith("INT"):
        data = draw(st.lists(small_ints, min_size=n * width, max_size=n * width))
    else:
        data = draw(st.lists(texts, min_size=n * width, max_size=n * width))
    return {"name": draw(st.sampled_from(["predict", "predict_proba", "out"])), "datatype": datatype,
            "shape": [n, width] if width > 1 or draw(st.booleans()) else [n], "data": data}


@relaxed
@given(outputs=st.lists(served_outputs(), min_size=1, max_size=2), schema=schemas())
def test_served_v2_outputs_take_the_fast_path_as_the_codec_reads_them(outputs: list[dict[str, Any]],
                                                                       schema: Any) -> None:
    check({"model_name": "m", "outputs": outputs}, "v2", schema)
