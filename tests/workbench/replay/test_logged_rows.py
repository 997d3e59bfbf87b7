"""Logged calls read into rows to send, and every call that cannot be sent with its reason (no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mds_client import ModelSchema
from mds_client.schema import from_v2_metadata
from workbench.replay.logged_rows import (
    CALL_COLUMNS,
    CLASS,
    FAILED_WHEN_LOGGED,
    NO_ANSWER,
    NO_INPUTS,
    NOT_A_NUMBER,
    NOT_A_RECORD,
    VALUE,
    answer_kind,
    feature_kinds,
    read_logged,
)
from workbench.store.traffic import LoggedRow

T = datetime(2026, 12, 1, 12, tzinfo=UTC)
SCHEMA = from_v2_metadata({"name": "orchard", "inputs": [
    {"name": "variety", "datatype": "BYTES", "shape": [-1],
     "parameters": {"content_type": "str", "kind": "category", "categories": ["cox", "gala"]}},
    {"name": "age_years", "datatype": "INT64", "shape": [-1], "parameters": {"kind": "integer"}},
    {"name": "rainfall_mm", "datatype": "FP64", "shape": [-1], "parameters": {"kind": "number"}}],
    "outputs": [{"name": "predict", "datatype": "BYTES", "shape": [-1, 1],
                 "parameters": {"kind": "label", "class_names": ["juice", "premium"]}}]})
ROW = {"variety": "cox", "age_years": 3, "rainfall_mm": 700.5}


def call(inputs=ROW, *, label="juice", value=None, status="ok", request_id="r1") -> LoggedRow:
    return LoggedRow("seldon-logger", request_id, 0, T.timestamp(), inputs, label, value, 0.8, status)


@pytest.mark.parametrize(("logged", "reason"), [
    (call(status="error", label=None), FAILED_WHEN_LOGGED),
    (call(status="pending", label=None), NO_ANSWER),
    (call(inputs=None), NO_INPUTS),
    (call(inputs=[1, 2, 3]), NOT_A_RECORD),
    (call(inputs={"variety": "cox"}), "the logged inputs lack age_years, rainfall_mm"),
])
def test_a_call_that_cannot_be_sent_is_skipped_with_its_reason(logged, reason):
    rows = read_logged([call(request_id="ok"), logged], SCHEMA.table_columns(), CLASS, SCHEMA)
    assert rows.skipped == [("r1", reason)]
    assert rows.calls["request_id"].tolist() == ["ok"] and list(rows.calls.columns) == CALL_COLUMNS
    assert rows.calls["time"].tolist() == [T]


def test_sendable_rows_keep_their_types_and_columns_and_extra_keys_are_dropped():
    rows = read_logged([call(), call({**ROW, "age_years": 40, "extra": "x"}, request_id="r2")],
                       SCHEMA.table_columns(), CLASS, SCHEMA)
    assert list(rows.inputs.columns) == ["variety", "age_years", "rainfall_mm"]
    assert rows.inputs["age_years"].dtype.kind == "i" and rows.inputs["rainfall_mm"].dtype.kind == "f"
    assert rows.calls[["request_id", "logged", "logged_confidence"]].values.tolist() == [["r1", "juice", 0.8],
                                                                                         ["r2", "juice", 0.8]]


def test_a_value_is_read_from_the_logged_number_and_a_non_number_is_skipped():
    rows = read_logged([call(label="2.5", value=2.5), call(label="n/a", value=None, request_id="r2")],
                       SCHEMA.table_columns(), VALUE, SCHEMA)
    assert rows.calls["logged"].tolist() == [2.5] and rows.skipped == [("r2", NOT_A_NUMBER)]


def test_the_kind_of_answer_comes_from_the_schema_else_from_the_log():
    assert answer_kind(SCHEMA, []) == CLASS
    assert answer_kind(ModelSchema(), [call(value=1.5), call(value=2.0)]) == VALUE
    assert answer_kind(ModelSchema(), [call()]) == CLASS


def test_features_are_numbers_or_categories_as_the_schema_says():
    rows = read_logged([call()], SCHEMA.table_columns(), CLASS, SCHEMA)
    assert feature_kinds(SCHEMA, rows.inputs) == {"variety": "category", "age_years": "number",
                                                  "rainfall_mm": "number"}
