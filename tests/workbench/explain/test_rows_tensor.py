"""Explanations send a numeric model's rows as one tensor, when its metadata declares so, and get the same answers."""

from __future__ import annotations

import numpy as np


def test_rows_as_one_tensor_answer_exactly_as_one_input_per_column(client, numeric_classifier):
    m = numeric_classifier
    assert m.schema.takes_numeric_rows, "the embedded MDS declares content_type np for its all-numeric models"
    rows = m.reference.sample(50, random_state=1)[m.schema.names]
    tensor = client.predict(m.ref, rows, m.schema, validate=False, rows_as_tensor=True)
    columns = client.predict(m.ref, rows, m.schema, validate=False)
    assert len(tensor.request["inputs"]) == 1 and tensor.request["inputs"][0]["shape"] == [50, len(m.schema.names)]
    assert len(columns.request["inputs"]) == len(m.schema.names)
    assert np.allclose(tensor.probabilities.to_numpy(), columns.probabilities.to_numpy(), atol=1e-12)
    assert tensor.labels == columns.labels


def test_a_mixed_model_keeps_one_input_per_column(client, mixed_classifier):
    m = mixed_classifier
    assert not m.schema.takes_numeric_rows
    rows = m.reference.head(3)[m.schema.names]
    sent = client.predict(m.ref, rows, m.schema, validate=False, rows_as_tensor=True).request
    assert sent["parameters"] == {"content_type": "pd"} and len(sent["inputs"]) == len(m.schema.names)
