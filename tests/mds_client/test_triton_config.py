"""Triton's model configuration (``GET /v2/models/NAME/config``), read where the metadata is not enough, against the
real Triton of tests/triton_fixture.py serving the tests' own models (tests/triton_repository/):

- ``grade``: ``max_batch_size`` 64, so a batch sends at most 64 rows per request (Triton refuses more);
- ``price``: no batching and ``dims [-1]``: the -1 is a length, not a batch dimension (one row per request);
- ``pair``: no batching, fixed ``dims [2]``;
- ``ripeness``: a Python-backend model of this file, loaded into the same Triton
  through its repository API: a string and a number in, probabilities out whose classes a ``label_filename`` names.
"""

from __future__ import annotations

import shutil
import textwrap
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import requests
import yaml

from mds_client import MDSClient, ModelRef, load_catalog
from mds_client.batch.scorer import BatchScorer
from mds_client.codecs.classification import read_classes
from mds_client.triton_config import ModelConfig, TensorConfig, model_config, read_model_config, with_model_config
from tests.triton_fixture import MODELS

RIPENESS_LABELS = ("green", "ripe", "rotten")
RIPENESS_CONFIG = """
name: "ripeness"
backend: "python"
max_batch_size: 16
input [ { name: "days" data_type: TYPE_FP32 dims: [ 1 ] }, { name: "variety" data_type: TYPE_STRING dims: [ 1 ] } ]
output [ { name: "probabilities" data_type: TYPE_FP32 dims: [ 3 ] label_filename: "labels.txt" } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
"""
RIPENESS_MODEL = """
import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        answers = []
        for request in requests:
            days = pb_utils.get_input_tensor_by_name(request, "days").as_numpy().astype(np.float32)
            variety = pb_utils.get_input_tensor_by_name(request, "variety").as_numpy()
            days = days + np.array([[3.0 if v[0] == b"bramley" else 0.0] for v in variety], dtype=np.float32)
            weights = np.exp(-0.2 * (days - np.array([[2.0, 7.0, 14.0]], dtype=np.float32)) ** 2)
            probabilities = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
            answers.append(pb_utils.InferenceResponse([pb_utils.Tensor("probabilities", probabilities)]))
        return answers
"""


@pytest.fixture(scope="module")
def triton(triton_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("triton-config") / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [{"name": n, "protocol": "v2", "url": triton_server.url} for n in MODELS]}))
    client = MDSClient()
    yield triton_server, client, {ref.name: ref for ref in load_catalog(path)}
    client.close()


@pytest.fixture(scope="module")
def ripeness(triton) -> Iterator[ModelRef]:
    """The labelled model, written into the Triton's model store and loaded through the repository API."""
    server = triton[0]
    folder = server.repository / "ripeness"
    (folder / "1").mkdir(parents=True, exist_ok=True)
    (folder / "labels.txt").write_text("\n".join(RIPENESS_LABELS) + "\n")
    (folder / "config.pbtxt").write_text(textwrap.dedent(RIPENESS_CONFIG))
    (folder / "1" / "model.py").write_text(textwrap.dedent(RIPENESS_MODEL))
    requests.post(f"{server.url}/v2/repository/models/ripeness/load", json={}, headers=server.repository_headers,
                  timeout=120).raise_for_status()
    deadline = time.monotonic() + 60
    while requests.get(f"{server.url}/v2/models/ripeness/ready", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "ripeness did not load"
        time.sleep(0.2)
    yield ModelRef(name="ripeness", protocol="v2", endpoint=server.url)
    # The Triton is shared with other modules, which list its models: leave it as it was.
    requests.post(f"{server.url}/v2/repository/models/ripeness/unload", json={}, headers=server.repository_headers,
                  timeout=60)
    deadline = time.monotonic() + 30
    while requests.get(f"{server.url}/v2/models/ripeness/ready", timeout=5).status_code == 200 and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_configuration_says_what_the_metadata_does_not(triton):
    _, client, refs = triton
    grade, price, pair = (model_config(client, refs[n]) for n in ("grade", "price", "pair"))
    assert grade is not None and grade.max_batch_size == 64 and grade.rows_per_request == 64
    assert {t.name: t.dims for t in grade.inputs} == {"size": (1,), "city": (1,)}
    assert {t.name: grade.wire_shape(t) for t in grade.outputs} == {"probabilities": (-1, 2), "label": (-1, 1)}
    assert grade.inputs[0].datatype in ("FP32", "FP64") and not grade.labelled_outputs
    # price's metadata says [-1] as a batched model's column does; only the configuration says it is a length
    assert price is not None and not price.batched and price.rows_per_request == 1
    assert [price.wire_shape(t) for t in price.inputs] == [(-1,), (-1,)]
    assert pair is not None and [pair.wire_shape(t) for t in pair.inputs] == [(2,)]


def test_a_batch_sends_at_most_max_batch_size_rows_per_request(triton, tmp_path):
    server, client, refs = triton
    ref = refs["grade"]
    rows = pd.DataFrame({"size": np.linspace(0.0, 9.9, 150).round(2), "city": ["Lyon", "Paris", "Nice"] * 50})
    # Triton itself refuses a request of more rows than max_batch_size: what the scorer must not send
    body = {"inputs": [{"name": "size", "shape": [100, 1], "datatype": "FP32", "data": [1.0] * 100},
                       {"name": "city", "shape": [100, 1], "datatype": "BYTES", "data": ["Lyon"] * 100}]}
    refused = requests.post(f"{server.url}/v2/models/grade/infer", json=body, timeout=10)
    assert refused.status_code == 400 and "batch" in refused.text.lower()

    rows.to_csv(tmp_path / "in.csv", index=False)
    scorer = BatchScorer(client, ref, client.schema(ref), batch_size=100, workers=2)
    assert scorer.rows_per_call == 64
    result = scorer.run(tmp_path / "in.csv", tmp_path / "out.csv")
    assert result.rows_scored == 150 and result.rows_rejected == 0, result.reasons
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    gold = rows["size"].to_numpy(np.float32) / np.float32(10) + np.where(rows["city"] == "Lyon", 0.1, 0.0).astype(np.float32)
    assert out["prediction"].tolist() == np.where(gold >= 0.5, "gold", "bronze").tolist()  # the model's own label
    assert out["prediction"].value_counts().to_dict().keys() == {"gold", "bronze"}
    assert out["request_id"].nunique() == 3  # 64 + 64 + 22 rows


def test_a_model_without_batching_is_scored_one_row_per_request(triton, tmp_path):
    _, client, refs = triton
    ref = refs["price"]
    rows = pd.DataFrame({"rooms": [1.0, 2.0, 3.0, 4.0], "area": [10.0, 20.0, 30.5, 41.0]})
    rows.to_csv(tmp_path / "in.csv", index=False)
    scorer = BatchScorer(client, ref, client.schema(ref), batch_size=100, workers=2)
    assert scorer.rows_per_call == 1
    result = scorer.run(tmp_path / "in.csv", tmp_path / "out.csv")
    assert result.rows_scored == 4
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["prediction"].round(3).tolist() == (50 * rows["rooms"] + 2 * rows["area"]).round(3).tolist()
    assert out["request_id"].nunique() == 4


def test_a_single_call_of_several_rows_to_a_model_without_batching_sends_one_request_per_row(triton):
    """``price`` declares [-1] inputs as a batched column would; its configuration (max_batch_size 0) says the -1 is a
    length, so Predict's several rows go one request each, answers joined in order."""
    _, client, refs = triton
    schema = client.schema(refs["price"])
    assert schema.rows_per_request == 1 and schema.one_row_per_call
    rows = pd.DataFrame({"rooms": [1.0, 2.0, 3.0], "area": [10.0, 20.0, 30.5]})
    prediction = client.predict(refs["price"], rows, schema)
    assert prediction.values == [70.0, 140.0, 211.0]
    assert [r["inputs"][0]["shape"] for r in prediction.request["requests"]] == [[1], [1], [1]]
    assert len(prediction.response["responses"]) == 3


def test_a_single_call_of_more_rows_than_max_batch_size_goes_in_parts(triton):
    _, client, refs = triton
    schema = client.schema(refs["grade"])
    assert schema.rows_per_request == 64 and not schema.one_row_per_call
    rows = pd.DataFrame({"size": np.linspace(0.0, 9.9, 150).round(2), "city": ["Lyon", "Paris", "Nice"] * 50})
    prediction = client.predict(refs["grade"], rows, schema)  # Triton refuses 150 rows in one request (400)
    assert [r["inputs"][0]["shape"] for r in prediction.request["requests"]] == [[64, 1], [64, 1], [22, 1]]
    gold = rows["size"].to_numpy(np.float32) / np.float32(10) + np.where(rows["city"] == "Lyon", 0.1, 0.0).astype(
        np.float32)
    assert prediction.labels == np.where(gold >= 0.5, "gold", "bronze").tolist()
    assert prediction.proba_matrix.shape == (150, 2)


RIPENESS_ROWS = pd.DataFrame({"days": [1.0, 8.0, 15.0, 5.0, 30.0], "variety": ["gala", "gala", "gala", "bramley", "cox"]})
RIPENESS_EXPECTED = ["green", "ripe", "rotten", "ripe", "rotten"]  # bramley ripens 3 days early


def test_a_label_file_names_the_classes_of_a_batch(triton, ripeness, tmp_path):
    _, client, _ = triton
    config = model_config(client, ripeness)
    assert config is not None and [(o.name, o.label_filename) for o in config.labelled_outputs] == [
        ("probabilities", "labels.txt")]
    RIPENESS_ROWS.to_csv(tmp_path / "in.csv", index=False)
    result = BatchScorer(client, ripeness, client.schema(ripeness), batch_size=2).run(tmp_path / "in.csv",
                                                                                      tmp_path / "out.csv")
    assert result.rows_scored == len(RIPENESS_ROWS)
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["prediction"].tolist() == RIPENESS_EXPECTED  # the label, not the index
    assert {f"p({label})" for label in RIPENESS_LABELS} <= set(out.columns)
    assert out[[f"p({label})" for label in RIPENESS_LABELS]].sum(axis=1).round(4).eq(1.0).all()


def test_a_single_call_reads_the_label_with_the_configured_schema(triton, ripeness):
    _, client, _ = triton
    schema = client.schema(ripeness)  # the metadata has no class names: the schema reads the configuration's
    assert with_model_config(schema, model_config(client, ripeness)) == schema
    prediction = client.predict(ripeness, RIPENESS_ROWS, schema)
    assert prediction.labels == RIPENESS_EXPECTED
    assert prediction.confidence(1) > 0.9


@pytest.mark.parametrize(("data", "n_rows", "expected"), [
    (["0.9:1:ripe", "0.1:0:green"], 1, ([[0.1, 0.9]], ("green", "ripe"))),
    ([b"0.7:0:a:b", b"0.3:1:"], 1, ([[0.7, 0.3]], ("a:b", "1"))),  # a label holding ':'; none given: the index
    (["0.5:0:x", "0.5:1:y", "1:1:y", "0:0:x"], 2, ([[0.5, 0.5], [0.0, 1.0]], ("x", "y"))),
    (["gold", "bronze"], 2, None),  # a model's own label output, not a classification answer
    (["0.5:7:far"], 1, None),
])
def test_classification_answers_are_read_back_as_probabilities_by_index(data, n_rows, expected):
    read = read_classes(np.asarray(data, dtype=object), n_rows)
    if expected is None:
        assert read is None
    else:
        assert read is not None and read[0].tolist() == expected[0] and read[1] == expected[1]


def test_another_server_has_no_configuration_and_its_batches_are_unchanged(client, refs):
    ref = next(r for r in refs.values() if r.protocol == "v2")
    assert model_config(client, ref) is None
    assert BatchScorer(client, ref, client.schema(ref), batch_size=500).rows_per_call == 500


@pytest.mark.parametrize(("doc", "expected"), [
    ({"name": "kind", "max_batch_size": 8,
      "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": ["4"]}],
      "output": [{"name": "probs", "data_type": "TYPE_FP32", "dims": ["3"], "label_filename": "labels.txt"}]},
     ModelConfig("kind", 8, (TensorConfig("x", "FP32", (4,)),),
                 (TensorConfig("probs", "FP32", (3,), "labels.txt"),))),
    ({"name": "plain"}, ModelConfig("plain")),
    ({"name": "odd", "max_batch_size": "many"}, None),
    (["not", "a", "config"], None),
    ({"error": "Request for unknown model"}, None),
])
def test_configuration_documents_are_read_as_triton_writes_them(doc, expected):
    config = read_model_config(doc)
    assert config == expected
    if config is not None and config.outputs:
        assert [o.name for o in config.labelled_outputs] == ["probs"]
        assert config.wire_shape(config.outputs[0]) == (-1, 3)
