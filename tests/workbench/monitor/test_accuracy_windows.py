"""Feedback accuracy and Seldon's reward on the timeline's windows: what lands in which window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from workbench.monitor.accuracy_windows import feedback_per_window, prometheus_query_span, reward_per_window
from workbench.monitor.windows import WindowPlan

START = datetime(2026, 11, 30, 12, tzinfo=UTC)
PLAN = WindowPlan(START, timedelta(hours=2), 4)  # 12:00 .. 20:00


def votes(*rows: tuple[str, datetime, datetime]) -> pd.DataFrame:
    return pd.DataFrame({"verdict": [r[0] for r in rows], "predicted_at": pd.to_datetime([r[1] for r in rows], utc=True),
                         "created": pd.to_datetime([r[2] for r in rows], utc=True)})


def test_verdicts_count_in_the_window_of_the_answer_not_of_the_feedback():
    late = START + timedelta(hours=7)  # every verdict given in the last window...
    frame = votes(("correct", START + timedelta(minutes=10), late), ("wrong", START + timedelta(minutes=50), late),
                  ("correct", START + timedelta(hours=4, minutes=5), late), ("unsure", START, late))
    out = feedback_per_window(frame, PLAN)
    # ...counts where the model answered: 1 of 2 right at 12:00, 1 of 1 at 16:00; "unsure" judges nothing
    assert out["window"].tolist() == [pd.Timestamp(START), pd.Timestamp(START + timedelta(hours=4))]
    assert out["labelled"].tolist() == [2, 1] and out["accuracy"].tolist() == [0.5, 1.0]


def test_verdicts_on_answers_outside_the_windows_are_left_out():
    frame = votes(("correct", START - timedelta(minutes=1), START), ("wrong", PLAN.end, PLAN.end))
    assert feedback_per_window(frame, PLAN).empty
    assert feedback_per_window(votes(), PLAN).empty


def test_reward_at_a_window_end_belongs_to_the_window_before_it():
    first, last = prometheus_query_span(PLAN)
    assert (first, last) == (START + PLAN.width, PLAN.end)  # range-query points are window ends
    ends = pd.to_datetime([first + k * PLAN.width for k in range(PLAN.count)], utc=True)
    reward = pd.DataFrame({"time": ends, "value": [0.0, 3.0, 0.0, 1.5]})
    counts = pd.DataFrame({"time": ends, "value": [0.0, 3.0, 0.0, 2.0]})
    out = reward_per_window([reward], [counts], PLAN)
    assert out["window"].tolist() == [pd.Timestamp(START + PLAN.width), pd.Timestamp(START + 3 * PLAN.width)]
    assert out["reward"].tolist() == [3.0, 1.5] and out["rewarded"].tolist() == [3.0, 2.0]


def test_reward_of_several_series_adds_up_and_nothing_reads_empty():
    end = pd.to_datetime([START + PLAN.width], utc=True)
    two = [pd.DataFrame({"time": end, "value": [1.0]}), pd.DataFrame({"time": end, "value": [2.0]})]
    assert reward_per_window(two, [], PLAN)["reward"].tolist() == [3.0]
    assert reward_per_window([], [], PLAN).empty
    assert reward_per_window([pd.DataFrame({"time": end, "value": [0.0]})], [], PLAN).empty
