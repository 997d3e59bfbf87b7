"""Feedback service and review metrics against a real SQLite store (no servers needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select, update

from workbench.errors import InvalidFeedback, PredictionNotFound
from workbench.feedback import metrics as fm
from workbench.feedback.capture import (
    edit_feedback,
    feedback_for_prediction,
    feedback_history,
    find_prediction,
    record_feedback,
    withdraw_feedback,
)
from workbench.feedback.outbox import deliver_pending
from workbench.feedback.sinks import WorkbenchOnlySink
from workbench.store import Feedback, PredictionRow, log_prediction, session_scope
from workbench.store.outbox import Delivery

CLASSES = ["class_0", "class_1", "class_2"]


def classified(engine, label="class_0", *, model="wine", protocol="v2", user="ana", request_id="r1", created=None):
    probs = {c: (0.8 if c == label else 0.1) for c in CLASSES}
    pid = log_prediction(engine, user=user, model=model, protocol=protocol, version="1", request_id=request_id,
                         inputs={"alcohol": 13.0, "ash": 2.1},
                         outputs={"task": "classification", "label": label, "probabilities": probs, "value": None},
                         request={"data": {"ndarray": [[13.0, 2.1]]}}, response={"data": {"ndarray": [[0.8, 0.1, 0.1]]}})
    if created is not None:
        with session_scope(engine) as s:
            s.execute(update(PredictionRow).where(PredictionRow.id == pid).values(created=created))
    return pid


def regressed(engine, value, *, user="ana"):
    return log_prediction(engine, user=user, model="tip-amount", protocol="v2", request_id=f"t{value}",
                          inputs={"total_bill": 20.0}, outputs={"task": "regression", "label": value, "value": value})


def test_feedback_is_committed_before_anything_else(engine):
    pid = classified(engine, protocol="seldon")
    item = record_feedback(engine, pid, "ana", "wrong", truth="class_2", confidence=0.9, comment="label says 2",
                           tags=["audit", "audit", " lab "])
    # A fresh connection sees it: it is committed, waiting to be sent.
    with session_scope(engine) as s:
        row = s.get(Feedback, item.id)
        assert (row.verdict, row.truth, row.reward, row.forwarded, row.attempts) == ("wrong", "class_2", 0.0, "pending", 0)
        assert row.tags == ["audit", "lab"]
    assert item.state_text == "waiting to be sent"


def test_v2_and_unsure_feedback_is_not_applicable(engine):
    v2 = record_feedback(engine, classified(engine), "ana", "correct")
    unsure = record_feedback(engine, classified(engine, protocol="seldon", request_id="r2"), "ana", "unsure")
    assert v2.forwarded == unsure.forwarded == "not_applicable"
    assert v2.reward == 1.0 and unsure.reward is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"verdict": "wrong", "truth": "merlot"}, "'merlot' is not one of model 'wine''s classes: class_0, class_1, class_2"),
        ({"verdict": "maybe"}, "The verdict must be one of correct, wrong, unsure, not 'maybe'"),
        ({"verdict": "wrong", "truth": "class_0"}, "gave the model's own answer 'class_0'"),
        ({"verdict": "correct", "truth": "class_1"}, "You marked the answer 'class_0' correct but gave 'class_1'"),
        ({"verdict": "wrong", "confidence": 3}, "Confidence must be between 0 and 1, not 3.0"),
    ],
)
def test_bad_feedback_is_refused_with_a_clear_message(engine, kwargs, message):
    pid = classified(engine)
    with pytest.raises(InvalidFeedback) as info:
        record_feedback(engine, pid, "ana", **kwargs)
    assert message in str(info.value)
    assert feedback_for_prediction(engine, pid) == []


def test_truth_is_matched_to_the_class_name_and_numbers_for_regression(engine):
    assert record_feedback(engine, classified(engine), "ana", "wrong", truth="CLASS_1").truth == "class_1"
    pid = regressed(engine, 3.0)
    assert record_feedback(engine, pid, "ana", "wrong", truth="2.5").truth == 2.5
    with pytest.raises(InvalidFeedback, match="predicts a number; 'a lot' is not a number"):
        record_feedback(engine, pid, "bob", "wrong", truth="a lot")


def test_feedback_on_a_missing_prediction(engine):
    with pytest.raises(PredictionNotFound, match="There is no prediction 999"):
        record_feedback(engine, 999, "ana", "correct")
    with pytest.raises(PredictionNotFound, match="request id 'nope'"):
        find_prediction(engine, "wine", "nope")


def test_find_prediction_by_request_id(engine):
    pid = classified(engine, request_id="abc")
    assert find_prediction(engine, "wine", "abc") == pid


def test_edits_and_withdrawals_keep_history(engine):
    pid = classified(engine, protocol="seldon")
    first = record_feedback(engine, pid, "ana", "correct")
    again = record_feedback(engine, pid, "ana", "wrong", truth="class_1")  # same person: an edit
    assert again.id == first.id and again.verdict == "wrong" and again.reward == 0.0
    edited = edit_feedback(engine, first.id, "ana", comment="checked the label")
    assert edited.comment == "checked the label" and edited.truth == "class_1"
    gone = withdraw_feedback(engine, first.id, "ana")
    assert gone.withdrawn and gone.forwarded == "not_applicable"
    history = feedback_history(engine, first.id)
    assert [e["action"] for e in history] == ["created", "edited", "edited", "withdrawn"]
    assert history[1]["before"]["verdict"] == "correct" and history[1]["after"]["verdict"] == "wrong"
    assert feedback_for_prediction(engine, pid) == []
    # a withdrawn item is never sent
    assert deliver_pending(engine, [WorkbenchOnlySink()]).delivered == 0


def test_editing_a_delivered_item_does_not_send_it_again(engine):
    pid = classified(engine, protocol="seldon")
    item = record_feedback(engine, pid, "ana", "correct")

    class Counting:
        name, forwards, sent = "count", True, []

        def accepts(self, d: Delivery) -> bool:
            return True

        def send(self, d: Delivery) -> None:
            self.sent.append(d.feedback_id)

    sink = Counting()
    assert deliver_pending(engine, [sink]).delivered == 1
    edit_feedback(engine, item.id, "ana", comment="more")
    assert deliver_pending(engine, [sink]).delivered == 0
    assert sink.sent == [item.id]


# -- metrics on a hand-made fixture -------------------------------------------------------------
@pytest.fixture()
def fixture_store(engine):
    """10 wine predictions; 6 get verdicts (4 correct, 2 wrong), one unsure; 2 regression votes."""
    now = datetime.now(UTC)
    day1, day2 = now - timedelta(days=2), now - timedelta(days=1)
    labels = ["class_0", "class_0", "class_1", "class_2", "class_1", "class_0", "class_2", "class_0", "class_1", "class_2"]
    pids = [classified(engine, label, request_id=f"w{i}") for i, label in enumerate(labels)]
    votes = [  # (prediction index, user, verdict, truth, day)
        (0, "ana", "correct", None, day1), (1, "ana", "correct", None, day1), (2, "bob", "wrong", "class_0", day1),
        (3, "bob", "correct", None, day2), (4, "ana", "correct", None, day2), (5, "bob", "wrong", "class_2", day2),
        (6, "ana", "unsure", None, day2),
    ]
    for index, user, verdict, truth, day in votes:
        item = record_feedback(engine, pids[index], user, verdict, truth=truth)
        with session_scope(engine) as s:
            s.execute(update(Feedback).where(Feedback.id == item.id).values(created=day))
    record_feedback(engine, regressed(engine, 3.0), "ana", "wrong", truth=2.0)
    record_feedback(engine, regressed(engine, 5.0), "ana", "wrong", truth=6.5)
    return engine, day1, day2


def test_accuracy_and_coverage_equal_hand_computed(fixture_store):
    engine, _, _ = fixture_store
    frame = fm.feedback_frame(engine, fm.FeedbackFilter(model="wine"))
    summary = fm.summarize(frame, fm.count_predictions(engine, model="wine"))
    assert (summary.predictions, summary.labelled, summary.correct, summary.wrong, summary.unsure) == (10, 6, 4, 2, 1)
    assert summary.accuracy == pytest.approx(4 / 6)
    assert summary.coverage == pytest.approx(6 / 10)
    assert any("fewer than 30" in w for w in summary.warnings)
    table = fm.summary_by_model(engine).set_index("model")
    assert table.loc["wine", "accuracy"] == pytest.approx(4 / 6)
    assert table.loc["tip-amount", "accuracy"] == 0.0 and table.loc["tip-amount", "coverage"] == 1.0


def test_accuracy_over_time_and_confusion(fixture_store):
    engine, _, _ = fixture_store
    frame = fm.feedback_frame(engine, fm.FeedbackFilter(model="wine"))
    over = fm.accuracy_over_time(frame)
    assert over["labelled"].tolist() == [3, 3]
    assert over["accuracy"].tolist() == pytest.approx([2 / 3, 2 / 3])
    matrix = fm.confusion_matrix(frame, CLASSES)
    expected = pd.DataFrame([[2, 1, 0], [0, 1, 0], [1, 0, 1]], index=CLASSES, columns=CLASSES)
    assert (matrix.to_numpy() == expected.to_numpy()).all()
    # two mistakes of one each: the first in reading order, with how many mistakes and verdicts there are
    assert fm.top_confusion(matrix) == fm.Confusion(CLASSES[0], CLASSES[1], 1, 6, 2)
    assert fm.top_confusion(pd.DataFrame([[3, 0], [0, 2]], index=["a", "b"], columns=["a", "b"])) is None
    assert fm.top_confusion(pd.DataFrame([[1, 0], [4, 2]], index=["a", "b"], columns=["a", "b"])).true == "b"
    only_bob = fm.feedback_frame(engine, fm.FeedbackFilter(model="wine", user="bob"))
    assert sorted(only_bob["verdict"]) == ["correct", "wrong", "wrong"]


def test_error_distribution_and_export(fixture_store):
    engine, _, _ = fixture_store
    errors = fm.error_distribution(fm.feedback_frame(engine, fm.FeedbackFilter(model="tip-amount")))
    assert errors["error"].tolist() == [1.0, -1.5]
    export = fm.export_frame(fm.feedback_frame(engine, fm.FeedbackFilter(model="wine", verdict="wrong")))
    assert {"alcohol", "ash", "predicted", "truth", "verdict"} <= set(export.columns)
    assert export["truth"].tolist() == ["class_0", "class_2"]
    assert fm.to_csv_bytes(export).startswith(b"prediction_id,model,version,request_id,alcohol,ash")
    back = pd.read_parquet(__import__("io").BytesIO(fm.to_parquet_bytes(export)))
    assert len(back) == 2


@pytest.mark.parametrize(("correct", "wrong", "expected"), [
    (10, 10, ["fewer than 30"]), (20, 20, []), (5, 35, ["say 'wrong'"]), (40, 2, ["say 'correct'"]),
    (1, 0, ["Only 1 prediction has a right/wrong verdict"]),  # one-sided only from 30 verdicts on
    (29, 0, ["fewer than 30"]), (30, 0, ["100% of the verdicts say 'correct'"]),
])
def test_trust_warnings(correct, wrong, expected):
    warnings = fm.trust_warnings(correct, wrong)
    assert len(warnings) == len(expected)
    for text, want in zip(warnings, expected, strict=True):
        assert want in text


def test_week_counts(fixture_store):
    engine, _, _ = fixture_store
    counts = fm.week_counts(fm.feedback_frame(engine))
    assert counts["items"] == 9 and counts["wrong"] == 4
    assert fm.verdict_counts(fm.feedback_frame(engine)) == counts  # the fixture's feedback is all recent


def test_records_exist_as_rows(engine):
    pid = classified(engine)
    record_feedback(engine, pid, "ana", "correct")
    with session_scope(engine) as s:
        assert len(list(s.scalars(select(Feedback)))) == 1
