"""Explainers in the catalog and on the wire, and when rows may travel as one numeric tensor (no servers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mds_client import load_catalog
from mds_client.client import _explanation_output
from mds_client.codecs.v2 import V2Codec
from mds_client.schema.merge import resolve
from mds_client.schema.sources import from_prediction_schema, from_v2_metadata
from mds_client.transport.sessions import server_message

CATALOG = """
models:
  - name: wine-v1
    protocol: seldon
    url: http://127.0.0.1:9510
    explainer: {name: wine-v1-explainer, protocol: seldon, url: http://127.0.0.1:9523/}
"""

METADATA = {"name": "m", "parameters": {"content_type": "np"},
            "inputs": [{"name": "a", "datatype": "FP64", "shape": [-1], "parameters": {"kind": "number"}},
                       {"name": "b", "datatype": "INT64", "shape": [-1], "parameters": {"kind": "integer"}}],
            "outputs": [{"name": "predict_proba", "datatype": "FP64", "shape": [-1, 2]}]}


def test_a_seldon_explainer_is_asked_at_api_v1_explain(tmp_path: Path):
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG)
    (ref,) = load_catalog(path)
    assert ref.explainer.name == "wine-v1-explainer" and ref.explainer.protocol == "seldon"
    assert ref.explainer.explain_url == "http://127.0.0.1:9523/api/v1.0/explain"


def test_a_v2_explainers_answer_is_its_explanation_output():
    doc = {"outputs": [{"name": "explanation", "datatype": "BYTES", "shape": [1],
                        "data": ['{"meta": {"name": "AnchorTabular"}, "data": {"anchor": ["a > 1"]}}']}]}
    assert _explanation_output(doc)["data"]["anchor"] == ["a > 1"]
    assert _explanation_output({"outputs": [{"name": "other", "data": ["{}"]}]}) is None


def test_tornados_error_page_reads_as_its_reason():
    page = b"<html><title>400: Expected key &quot;data&quot; in request body</title><body>400: ...</body></html>"
    assert server_message(page) == 'Expected key "data" in request body'


@pytest.mark.parametrize(("metadata", "takes"), [
    (METADATA, True),
    ({**METADATA, "parameters": {}}, False),  # no declaration: one input per column, as always
    ({**METADATA, "inputs": [*METADATA["inputs"], {"name": "c", "datatype": "BYTES", "shape": [-1],
                                                   "parameters": {"kind": "category", "categories": ["x"]}}]},
     False),  # a category column cannot ride in a numeric tensor
])
def test_rows_go_as_one_tensor_only_when_the_models_metadata_says_so(metadata, takes):
    schema = resolve([from_v2_metadata(metadata)])
    assert schema.takes_numeric_rows is takes


def test_a_catalog_schema_never_changes_the_wire():
    catalog = from_prediction_schema({"requests": [{"name": "a", "type": "REAL"}, {"name": "b", "type": "REAL"}]})
    plain = {**METADATA, "parameters": {}}
    assert not resolve([catalog, from_v2_metadata(plain)]).takes_numeric_rows
    assert resolve([catalog, from_v2_metadata(METADATA)]).request_content_type == "np"


def test_the_rows_tensor_keeps_every_value_in_feature_order():
    schema = resolve([from_v2_metadata(METADATA)])
    frame = pd.DataFrame({"b": [1, 2, 3], "a": [0.5, 1.5, 2.5]})
    body = V2Codec().encode_rows_tensor(frame, schema, request_id="r1")
    (tensor,) = body["inputs"]
    assert body["parameters"] == {"content_type": "np"} and body["id"] == "r1"
    assert tensor["datatype"] == "FP64" and tensor["shape"] == [3, 2]
    assert np.asarray(tensor["data"]).reshape(3, 2).tolist() == [[0.5, 1], [1.5, 2], [2.5, 3]]
    assert body["outputs"] == [{"name": "predict_proba"}]
