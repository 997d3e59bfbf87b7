"""The anchor search remembers answers and sends each round at once: same explanation, no row sent twice.

Against the real servers; rows are counted on the wire (every request body the client sends is read back).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from requests.adapters import HTTPAdapter

from mds_client import MDSClient, Transport
from workbench.explain.anchors import explain_with_anchor
from workbench.explain.budget import BlackBox
from workbench.explain.feature_space import FeatureSpace


class BodyAdapter(HTTPAdapter):
    def __init__(self, bodies: list[bytes], **kwargs) -> None:
        super().__init__(**kwargs)
        self.bodies = bodies

    def send(self, request, **kwargs):
        if request.method == "POST":
            self.bodies.append(request.body)
        return super().send(request, **kwargs)


@pytest.fixture
def wire():
    """``wire()`` -> (a client, the list of row tuples it has sent in predict bodies so far)."""
    made = []

    def make():
        bodies: list[bytes] = []
        client = MDSClient(Transport(adapter_factory=lambda: BodyAdapter(bodies, pool_maxsize=4, max_retries=0)))
        made.append(client)
        return client, bodies

    yield make
    for client in made:
        client.close()


def rows_sent(bodies: list[bytes]) -> list[tuple]:
    """Every row in the V2 or Seldon v1 predict bodies, as a tuple of its wire values."""
    rows: list[tuple] = []
    for raw in bodies:
        doc = json.loads(raw)
        if "inputs" in doc:
            inputs = doc["inputs"]
            if len(inputs) == 1 and len(inputs[0]["shape"]) == 2:
                rows += [tuple(r) for r in np.asarray(inputs[0]["data"]).reshape(inputs[0]["shape"]).tolist()]
            else:
                rows += list(zip(*(i["data"] for i in inputs), strict=True))
        elif "jsonData" in doc:
            rows += [tuple(r.values()) for r in doc["jsonData"]]
        else:
            data = doc["data"]
            matrix = data["ndarray"] if "ndarray" in data else \
                np.asarray(data["tensor"]["values"]).reshape(data["tensor"]["shape"]).tolist()
            rows += [tuple(r) for r in matrix]
    return rows


@pytest.mark.parametrize("picked", ["numeric_classifier", "mixed_classifier"])
def test_remembered_rounds_give_the_same_anchor_and_never_resend_a_row(request, wire, picked):
    m = request.getfixturevalue(picked)
    ref = replace(m.ref, explainer=None)
    row = m.reference.iloc[[5]][m.schema.names]
    plain_client, plain_bodies = wire()
    plain = explain_with_anchor(plain_client, ref, m.schema, row, m.reference, seed=3, reuse=False)
    reused_client, reused_bodies = wire()
    reused = explain_with_anchor(reused_client, ref, m.schema, row, m.reference, seed=3)

    assert reused.anchor and reused.anchor == plain.anchor
    assert (reused.precision, reused.coverage, reused.target) == (plain.precision, plain.coverage, plain.target)
    assert (reused.keeps, reused.breaks) == (plain.keeps, plain.breaks)
    plain_rows, reused_rows = rows_sent(plain_bodies), rows_sent(reused_bodies)
    assert len(set(plain_rows)) < len(plain_rows), "Alibi alone asks about some rows more than once"
    assert len(set(reused_rows)) == len(reused_rows), "a repeated row was sent again"
    assert set(reused_rows) == set(plain_rows), "the same rows reach the model, each once"
    # each round of the search is one request: fewer calls, and the count shown is what was sent
    assert reused.calls == len(reused_bodies) and plain.calls == len(plain_bodies)
    assert reused.calls < 0.7 * plain.calls


def test_black_box_answers_a_repeated_row_from_memory(wire, numeric_classifier):
    m = numeric_classifier
    client, bodies = wire()
    space = FeatureSpace.of(m.schema)
    distinct = space.encode(m.reference.head(40)[m.schema.names])
    asked = np.concatenate([distinct, distinct[::-1], distinct[:5]])
    box = BlackBox(client, m.ref, m.schema, space, remember=True)
    first = box(asked)
    assert (box.calls, box.rows, box.asked) == (1, 40, 85)
    again = box(distinct[10:20])
    assert box.calls == 1 and box.rows == 40 and len(bodies) == 1, "all known: no request at all"
    plain = BlackBox(client, m.ref, m.schema, space)(asked)
    assert np.array_equal(first, plain) and np.array_equal(again, plain[10:20])
    assert "40 rows (55 repeated rows answered from memory)" in box.progress_message()
