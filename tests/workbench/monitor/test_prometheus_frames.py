"""Prometheus API answers (in the shapes /api/v1/query and /query_range return) as frames."""

from __future__ import annotations

from datetime import timedelta

import pytest

from workbench.monitor.prometheus_api import parse_duration, to_frame
from workbench.monitor.prometheus_errors import PrometheusResponseError


def test_a_vector_becomes_one_row_per_series():
    data = {"resultType": "vector", "result": [
        {"metric": {"model": "wine", "server": "mlserver"}, "value": [1700000000.5, "0.30000000000000004"]},
        {"metric": {"model": "tips", "server": "mlserver"}, "value": [1700000000.5, "NaN"]},
        {"metric": {"model_name": "wine-v1"}, "value": [1700000000.5, "+Inf"]},
        {"metric": {"model_name": "echo-v1"}, "value": [1700000000.5, "2"]},
    ]}
    frame = to_frame(data)
    assert list(frame.columns) == ["time", "model", "server", "value"]
    # NaN and infinity mean "no data here" and are dropped; values are parsed exactly.
    assert frame[["model", "server", "value"]].values.tolist() == [["echo-v1", "", 2.0], ["wine", "mlserver", 0.30000000000000004]]
    assert str(frame["time"].dt.tz) == "UTC" and frame["time"][0].timestamp() == 1700000000.5


def test_a_matrix_becomes_one_row_per_series_and_step_and_label_chooses_the_name():
    data = {"resultType": "matrix", "result": [
        {"metric": {"server": "mlserver"}, "values": [[10, "1"], [15, "2"]]},
        {"metric": {"server": "alibi"}, "values": [[10, "3"]]},
    ]}
    frame = to_frame(data, label="server")
    assert frame[["model", "value"]].values.tolist() == [["alibi", 3.0], ["mlserver", 1.0], ["mlserver", 2.0]]
    assert [t.timestamp() for t in frame["time"]] == [10, 10, 15]


def test_a_scalar_and_an_empty_answer():
    assert to_frame({"resultType": "scalar", "result": [5, "1.5"]})["value"].tolist() == [1.5]
    empty = to_frame({"resultType": "vector", "result": []})
    assert empty.empty and list(empty.columns) == ["time", "model", "server", "value"]


@pytest.mark.parametrize("data", [{}, {"resultType": "streams", "result": []}, None])
def test_an_answer_that_is_not_prometheus_is_a_typed_error(data):
    with pytest.raises(PrometheusResponseError):
        to_frame(data)


@pytest.mark.parametrize(("text", "seconds"), [("2s", 2), ("500ms", 0.5), ("1m", 60), ("1h", 3600), ("1m30s", 90)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "15", "1.5s", "1 m", "s"])
def test_parse_duration_rejects_what_is_not_a_duration(text):
    with pytest.raises(ValueError, match="not a Prometheus duration"):
        parse_duration(text)
