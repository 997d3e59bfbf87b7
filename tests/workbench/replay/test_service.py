"""Replay against a real MLServer serving versions trained here (``orchard_versions``), on traffic logged in the
exact shape the request-log sink writes.

Version 1's answers are logged; version 2 answers differently on rows known in advance (decision trees
answer their own training rows exactly), so every count, the confusion table and the feature the changes
concentrate on are asserted exactly. Rows the target refuses, rows its model fails on and logged calls that
cannot be sent are each counted with their reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tests.workbench.replay.served_versions import (
    add,
    grade_a,
    grade_b,
    log_calls,
    logged_event,
    yield_a,
    yield_b,
)
from workbench.replay import NothingToReplay, TargetUnavailable, replay
from workbench.store.request_log import LogWrite, store_log

pytestmark = pytest.mark.server

HOUR_AGO = timedelta(hours=1)


def since_an_hour_ago() -> datetime:
    return datetime.now(UTC) - HOUR_AGO


def test_the_rows_a_new_version_answers_differently_are_found_exactly(orchard_versions, client, engine):
    ref, traffic, known = orchard_versions.grade, orchard_versions.traffic, orchard_versions.known
    ids = log_calls(engine, client, ref, traffic)
    result = replay(engine, client, ref, ref.at_version("2"), start=since_an_hour_ago(), top=5)

    expected_changed = grade_a(known) != grade_b(known)
    fuji = len(traffic) - len(known)
    assert (result.logged, result.replayed, result.skipped) == (600, 600, 0)
    assert (result.answered, result.failed) == (len(known), fuji) and fuji > 0
    assert result.changed == int(expected_changed.sum()) > 0
    assert result.changed_share == pytest.approx(expected_changed.sum() / len(known))
    assert (result.kind, result.target, result.model) == ("class", "replay-orchard-grade@2", "replay-orchard-grade")

    expected = pd.crosstab(pd.Series(grade_a(known), name="logged"), pd.Series(grade_b(known), name="replayed"))
    expected = expected.reindex(index=result.confusion.index, columns=result.confusion.columns, fill_value=0)
    pd.testing.assert_frame_equal(result.confusion, expected, check_dtype=False)
    assert result.confusion.loc["standard", "premium"] == result.changed  # the only way the rules differ

    top = result.concentration.iloc[0]
    assert (top["feature"], top["kind"]) == ("rainfall_mm", "number") and top["effect"] > 1.0
    assert top["summary"].startswith("higher where answers change")

    assert result.failures[["reason", "rows"]].values.tolist() == [
        ["variety: 'fuji' is not one of bramley, cox, gala", fuji]]
    assert result.failures["example_request_id"].iloc[0] in ids

    biggest = result.biggest
    assert len(biggest) == 5 and set(biggest["request_id"]) <= set(ids)
    assert (biggest["logged"] == "standard").all() and (biggest["replayed"] == "premium").all()
    assert (biggest["rainfall_mm"] > 850).all() and biggest["change"].is_monotonic_decreasing

    # every row is there, in the order logged, each changed exactly where the rules differ
    rows = result.rows
    assert len(rows) == 600 and rows["request_id"].tolist() == [i for i in ids for _ in range(50)]
    answered = rows[rows["error"] == ""]
    assert answered["changed"].tolist() == expected_changed.tolist()
    assert answered["rainfall_mm"].tolist() == known["rainfall_mm"].tolist()


def test_the_same_version_changes_nothing(orchard_versions, client, engine):
    ref = orchard_versions.grade
    log_calls(engine, client, ref, orchard_versions.traffic.head(100))
    result = replay(engine, client, ref, ref, start=since_an_hour_ago())
    assert (result.answered, result.changed, result.failed) == (100, 0, 0)
    assert int(np.trace(result.confusion.to_numpy())) == 100 and result.concentration.empty and result.biggest.empty


def test_values_move_by_exactly_what_the_new_version_adds(orchard_versions, client, engine):
    ref, known = orchard_versions.yield_ref, orchard_versions.known
    log_calls(engine, client, ref, known)
    result = replay(engine, client, ref, ref.at_version("2"), start=since_an_hour_ago(), tolerance=0.5)

    moved = np.abs(yield_b(known) - yield_a(known))
    gala = int((known["variety"] == "gala").sum())
    assert result.kind == "value" and result.confusion is None
    assert (result.answered, result.changed, result.moves.beyond) == (len(known), gala, gala)
    assert result.moves.mean == pytest.approx(moved.mean()) and result.moves.max == pytest.approx(5.0)
    assert result.moves.median == pytest.approx(np.median(moved))
    assert result.changed_share == pytest.approx(gala / len(known))
    top = result.concentration.iloc[0]
    assert (top["feature"], top["category"], top["changed_rows"]) == ("variety", "gala", 1.0)
    assert result.biggest["change"].round(9).eq(5.0).all()


def test_logged_calls_that_cannot_be_sent_are_skipped_with_their_reason(orchard_versions, client, engine):
    ref = orchard_versions.grade
    rows = orchard_versions.known.head(20)
    log_calls(engine, client, ref, rows)
    schema = client.schema(ref)
    now = datetime.now(UTC) - timedelta(seconds=1)
    whole = {"parameters": {"content_type": "pd"}, "inputs": [
        {"name": "variety", "datatype": "BYTES", "shape": [2], "data": ["cox", "gala"]},
        {"name": "age_years", "datatype": "INT64", "shape": [2], "data": [3, 4]},
        {"name": "rainfall_mm", "datatype": "FP64", "shape": [2], "data": [700.0, 800.0]}]}
    lacking = {**whole, "inputs": whole["inputs"][:2]}
    answer = client.predict_body(ref, whole, schema, n_rows=2).response
    write = LogWrite()
    for request_id, parts in [("failed", [("request", whole), ("response", {"error": "model crashed"})]),
                              ("no-answer", [("request", whole)]),
                              ("no-request", [("response", answer)]),
                              ("lacking", [("request", lacking), ("response", answer)])]:
        for kind, body in parts:
            add(write, logged_event(ref, kind, request_id, body, now), ref, schema)
    store_log(engine, write)

    result = replay(engine, client, ref, ref, start=since_an_hour_ago())
    assert (result.logged, result.skipped, result.replayed, result.changed) == (28, 8, 20, 0)
    assert result.skips.values.tolist() == [
        ["the logged call failed, so there is no answer to compare", 2, "failed"],
        ["no answer was logged (the response event never arrived)", 2, "no-answer"],
        ["no inputs were logged (the request event never arrived)", 2, "no-request"],
        ["the logged inputs lack rainfall_mm", 2, "lacking"],
    ]


def test_rows_the_new_model_fails_on_are_counted_with_its_reason(orchard_versions, client, engine):
    ref, traffic = orchard_versions.grade, orchard_versions.traffic
    log_calls(engine, client, ref, traffic)
    result = replay(engine, client, ref, ref.at_version("3"), start=since_an_hour_ago(), limit=40)
    newest = traffic.tail(40)
    fuji = int((newest["variety"] == "fuji").sum())
    assert (result.logged, result.limited, result.replayed) == (40, True, 40) and fuji > 0
    assert (result.failed, result.answered) == (fuji, 40 - fuji)
    [reason] = result.failures["reason"].tolist()
    assert reason == "the model failed on this row: ValueError: Found unknown categories ['fuji'] in column 0 " \
                     "during transform"
    failed = result.rows[result.rows["error"] != ""]
    assert (failed["variety"] == "fuji").all() and failed["replayed"].isna().all()


def test_no_logged_call_in_the_window_is_nothing_to_replay(orchard_versions, client, engine):
    ref = orchard_versions.grade
    log_calls(engine, client, ref, orchard_versions.known.head(10), end=datetime.now(UTC) - timedelta(days=2))
    with pytest.raises(NothingToReplay, match="no call to 'replay-orchard-grade' was logged between"):
        replay(engine, client, ref, ref.at_version("2"), start=since_an_hour_ago())
    assert replay(engine, client, ref, ref.at_version("2"), start=datetime.now(UTC) - timedelta(days=3)).replayed == 10


def test_a_version_that_is_not_served_is_not_answering(orchard_versions, client, engine):
    ref = orchard_versions.grade
    with pytest.raises(TargetUnavailable, match=r"replay-orchard-grade@9 is not answering at .*/versions/9/infer"):
        replay(engine, client, ref, ref.at_version("9"), start=since_an_hour_ago())
