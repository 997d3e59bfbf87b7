"""Steps that make charts readable, PromQL durations, rounding for people, and query rendering."""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from workbench.monitor.promql import QUERIES, escape_label_value
from workbench.monitor.range_steps import choose_step, promql_duration, rate_window, round_for_people


@pytest.mark.parametrize(("span", "step"), [
    (timedelta(minutes=2), timedelta(seconds=5)),
    (timedelta(minutes=10), timedelta(seconds=30)),
    (timedelta(hours=1), timedelta(minutes=2)),
    (timedelta(days=1), timedelta(hours=1)),  # one day of traffic: hours, not one bar
    (timedelta(days=7), timedelta(hours=6)),
    (timedelta(days=30), timedelta(days=1)),
    (timedelta(days=3650), timedelta(days=7)),
])
def test_step_adapts_to_the_span(span, step):
    assert choose_step(span) == step
    assert span / step <= 30 or step == timedelta(days=7)


def test_step_respects_a_minimum_and_rejects_an_empty_span():
    assert choose_step(timedelta(minutes=1), minimum=timedelta(seconds=15)) == timedelta(seconds=15)
    with pytest.raises(ValueError, match="positive"):
        choose_step(timedelta(0))


def test_rate_window_never_holds_fewer_than_four_scrapes():
    assert rate_window(timedelta(seconds=5), timedelta(seconds=2)) == timedelta(seconds=8)
    assert rate_window(timedelta(hours=1), timedelta(seconds=15)) == timedelta(hours=1)
    assert rate_window(timedelta(seconds=30), timedelta(seconds=30)) == timedelta(minutes=2)


@pytest.mark.parametrize(("duration", "text"), [
    (timedelta(seconds=8), "8s"), (timedelta(seconds=90), "90s"), (timedelta(minutes=2), "2m"),
    (timedelta(hours=1), "1h"), (timedelta(days=1), "1d"), (timedelta(hours=36), "36h"),
])
def test_promql_duration(duration, text):
    assert promql_duration(duration) == text


def test_round_for_people_keeps_three_significant_digits():
    values = pd.Series([13.60712, 14.1339, 0.00123456, 1234.5, 0.0, math.nan, -2.71828])
    rounded = round_for_people(values).tolist()
    assert rounded[:5] == [13.6, 14.1, 0.00123, 1230.0, 0.0]
    assert math.isnan(rounded[5]) and rounded[6] == -2.72


def test_queries_render_for_all_models_or_one():
    query = QUERIES["request_rate"]
    every = query.render(window="1m")
    one = query.render(window="1m", model="wine")
    assert "{}" in every and "[1m]" in every and "$" not in every
    assert 'model="wine"' in one and one.count('model="wine"') == every.count("{}")
    for q in QUERIES.values():
        assert all(name in q.render() for name in q.metrics), q.key
        assert q.title and q.unit and q.caption


def test_a_model_name_cannot_break_out_of_its_label_matcher():
    assert escape_label_value('a"b\\c') == 'a\\"b\\\\c'
    assert 'model="a\\"} or vector(1) #"' in QUERIES["latency_mean"].render(model='a"} or vector(1) #')


def test_per_server_queries_ignore_the_model_and_select_a_server():
    query = QUERIES["latency_p95"]
    assert query.per_server
    assert query.render(model="wine") == query.render()
    assert 'path=~"/v2/models/.+/infer", server="mlserver"' in query.render(server="mlserver")


def test_a_model_is_found_in_metrics_by_its_server_side_name():
    from mds_client import ModelRef
    from workbench.monitor.promql import metrics_name

    assert metrics_name(ModelRef(name="ns/fraud", protocol="seldon", endpoint="http://x", model_name="classifier")) == "classifier"
    assert metrics_name(ModelRef(name="wine", protocol="v2", endpoint="http://x")) == "wine"
