"""The V2 gRPC transport against a real NVIDIA Triton (tests/triton_fixture.py, the tests' own models of
tests/triton_repository/): every input layout answers over gRPC what it answers over REST, and Triton's own errors
(a model it does not know, a server that is not there) arrive as the errors REST gives."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mds_client import MDSClient, ModelRef
from mds_client.errors import ModelNotFound, ModelUnavailable
from mds_client.prediction import jsonable
from tests.mds_client.test_against_triton import ROWS


@pytest.fixture(scope="module")
def triton(triton_server):
    client = MDSClient()
    refs = {name: ModelRef(name=name, protocol="v2", endpoint=triton_server.url, grpc_url=triton_server.grpc_url)
            for name in ROWS}
    yield client, refs
    client.close()


@pytest.mark.parametrize("model", ["grade", "price", "shade", "pair"])
def test_each_layout_answers_over_grpc_what_it_answers_over_rest(triton, model):
    client, refs = triton
    rest = refs[model]
    grpc = rest.over("grpc")
    schema = client.schema(rest)
    over_rest, over_grpc = client.predict(rest, ROWS[model], schema), client.predict(grpc, ROWS[model], schema)
    assert over_grpc.labels == over_rest.labels and over_grpc.values == over_rest.values
    if over_rest.proba_matrix is not None:
        assert np.array_equal(over_grpc.proba_matrix, over_rest.proba_matrix)
    assert _without_ids(jsonable(over_grpc.request)) == _without_ids(jsonable(over_rest.request))  # the same body


def _without_ids(body):
    """A request without its request ids (new for every call), at any depth (one request per row for ``pair``)."""
    if isinstance(body, dict):
        return {k: _without_ids(v) for k, v in body.items() if k != "id"}
    return [_without_ids(v) for v in body] if isinstance(body, list) else body


def test_the_label_output_and_the_shapes_triton_declares_go_over_grpc(triton):
    client, refs = triton
    grpc = refs["grade"].over("grpc")
    prediction = client.predict(grpc, ROWS["grade"], client.schema(refs["grade"]))
    assert prediction.labels == ["bronze", "gold", "gold"]  # Triton's BYTES label output, read from raw bytes
    assert {o["name"]: o["shape"] for o in prediction.response["outputs"]} == {"probabilities": [3, 2], "label": [3, 1]}
    assert client.status(grpc).status == "ready"
    assert client.server_info(grpc).family == "triton"
    assert client.grpc.sends_raw(grpc.grpc_url) is True  # Triton reads raw_input_contents fastest (measured)


def test_tritons_errors_over_grpc_are_the_errors_rest_gives(triton):
    client, refs = triton
    rest = refs["grade"]
    schema = client.schema(rest)
    for bad_rest, bad_grpc, error in [
        (replace(rest, model_name="silver"), replace(rest, model_name="silver").over("grpc"), ModelNotFound),
        (replace(rest, endpoint="http://127.0.0.1:9"), replace(rest, grpc_url="grpc://127.0.0.1:9").over("grpc"),
         ModelUnavailable),
    ]:
        with pytest.raises(error):
            client.predict(bad_rest, ROWS["grade"], schema)
        with pytest.raises(error) as over_grpc:
            client.predict(bad_grpc, ROWS["grade"], schema)
        assert "gRPC" in str(over_grpc.value) and "'grade'" in str(over_grpc.value)
    assert client.status(replace(rest, model_name="silver").over("grpc")).status == "not ready"
