"""What a V2 model's outputs are when its metadata does not say (``parameters.kind``): a BYTES label beside
probabilities is the prediction, one number per row a regression's value (with its unit when given), one whole
number per row a class index; and what the codec makes of an answer with them."""

from __future__ import annotations

import pytest

from mds_client.codecs import V2Codec
from mds_client.schema.sources import from_v2_metadata


def output(name: str, datatype: str, shape: list[int], **parameters) -> dict:
    return {"name": name, "datatype": datatype, "shape": shape} | ({"parameters": parameters} if parameters else {})


@pytest.mark.parametrize(("outputs", "kinds", "task"), [
    ([output("probabilities", "FP32", [-1, 2]), output("label", "BYTES", [-1, 1])], ["proba", "label"], "classification"),
    ([output("probs", "FP32", [-1, 3]), output("species", "BYTES", [-1])], ["tensor", "text"], "other"),
    ([output("scores", "FP32", [-1, 3]), output("label", "BYTES", [-1, 1])], ["tensor", "label"], "classification"),
    ([output("predict_proba", "FP64", [-1, 2]), output("species", "BYTES", [-1])], ["proba", "label"], "classification"),
    ([output("price", "FP32", [-1, 1])], ["value"], "regression"),
    ([output("OUTPUT0", "FP64", [-1])], ["value"], "regression"),
    ([output("total", "FP32", [1])], ["value"], "regression"),              # no batching: one value per request
    ([output("class_index", "INT64", [-1, 1])], ["label"], "classification"),
    ([output("embedding", "FP32", [-1, 16])], ["tensor"], "other"),
    ([output("text", "BYTES", [-1])], ["text"], "other"),
    ([output("price", "FP32", [-1, 1], kind="tensor")], ["tensor"], "other"),  # the model's own word wins
])
def test_output_kinds_when_the_metadata_does_not_name_them(outputs, kinds, task):
    schema = from_v2_metadata({"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1]}], "outputs": outputs})
    assert [o.kind for o in schema.outputs] == kinds
    assert schema.task == task


def test_the_models_label_is_the_prediction_and_its_probabilities_stay_beside_it():
    schema = from_v2_metadata({"outputs": [output("probabilities", "FP32", [-1, 2]), output("label", "BYTES", [-1, 1])]})
    answer = {"model_name": "grade", "outputs": [
        {"name": "probabilities", "datatype": "FP32", "shape": [2, 2], "data": [0.7, 0.3, 0.2, 0.8]},
        {"name": "label", "datatype": "BYTES", "shape": [2, 1], "data": ["bronze", "gold"]}]}
    decoded = V2Codec().decode(answer, schema, n_rows=2)
    assert decoded.labels == ["bronze", "gold"]
    assert decoded.proba_matrix.ravel().tolist() == pytest.approx([0.7, 0.3, 0.2, 0.8])


def test_a_regression_value_keeps_its_unit():
    schema = from_v2_metadata({"outputs": [output("price", "FP64", [-1, 1], unit="EUR")]})
    assert schema.output("value").unit == "EUR"
    decoded = V2Codec().decode({"outputs": [{"name": "price", "datatype": "FP64", "shape": [2, 1], "data": [1.5, 2.0]}]},
                               schema, n_rows=2)
    assert decoded.values == [1.5, 2.0] and decoded.labels == [1.5, 2.0]
