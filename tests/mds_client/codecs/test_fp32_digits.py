"""A value typed as 5.8 for an input the server declares FP32 (every Triton column) goes on the wire, in the Request
tab and in the snippets as 5.8, not as the 32-bit float's 5.800000190734863; both encoding paths agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mds_client.codecs import V2Codec
from mds_client.prediction import dump_json, jsonable
from mds_client.schema.sources import from_v2_metadata

SCHEMA = from_v2_metadata({"inputs": [{"name": "length", "datatype": "FP32", "shape": [-1, 1]},
                                      {"name": "count", "datatype": "INT32", "shape": [-1, 1]},
                                      {"name": "city", "datatype": "BYTES", "shape": [-1, 1]}]})


@pytest.mark.parametrize("rows", [1, 40])  # the small-frame and the column paths
def test_a_32_bit_float_is_sent_with_the_digits_typed(rows):
    frame = pd.DataFrame({"length": [5.8, 1.3] * (rows // 2) or [5.8], "count": [3] * rows, "city": ["Lyon"] * rows})
    body = V2Codec().encode(frame.head(rows), SCHEMA)
    wire = dump_json(body).decode()
    assert "5.8," in wire or "5.8]" in wire, wire[:300]
    assert "5.800000190734863" not in wire and "1.2999999523162842" not in wire
    shown = {i["name"]: i["data"] for i in jsonable(body)["inputs"]}
    assert shown["length"][0] == 5.8 and shown["count"][0] == 3 and shown["city"][0] == "Lyon"
    assert np.float32(shown["length"][0]) == np.float32(5.8)  # the same 32-bit value the server reads
