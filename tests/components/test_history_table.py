"""History's grid says each verdict in a word, so it stays whole at 1024 px; the right answer given opens per row."""

from datetime import UTC, datetime

from components.history_table import history_frame
from workbench.records import FeedbackItem, LoggedPrediction

NOW = datetime(2026, 12, 7, 17, 30, tzinfo=UTC)


def prediction(pk: int) -> LoggedPrediction:
    outputs = {"task": "classification", "label": "ripe-early", "probabilities": {"ripe-early": 0.9, "late": 0.1}}
    return LoggedPrediction(pk, f"r{pk}", "orchard", "1", "v2", "ann", {"age": 3}, outputs, {}, {}, 4.0, "ok", None,
                            "workbench", NOW)


def verdict(pk: int, said: str, truth: object) -> FeedbackItem:
    return FeedbackItem(pk, pk, "ann", said, truth, None, "", (), None, "pending", 0, None, None, NOW, NOW, False)


def test_a_wrong_verdict_is_one_word_in_the_grid_and_the_right_answer_is_a_detail():
    frame = history_frame([prediction(1), prediction(2), prediction(3)],
                          {1: verdict(1, "wrong", "late-in-the-season"), 2: verdict(2, "correct", None)})
    assert frame["feedback"].tolist() == ["Wrong", "Correct", ""]
    assert frame["right answer"].tolist() == ["late-in-the-season", "", ""]
