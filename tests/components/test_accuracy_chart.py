"""The Accuracy chart: feedback accuracy, accuracy estimated without labels and Seldon's reward on one time axis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from components.timeline_charts import accuracy_figure
from workbench.monitor.timeline import Timeline
from workbench.monitor.windows import WindowPlan

START = datetime(2026, 11, 30, 12, tzinfo=UTC)
PLAN = WindowPlan(START, timedelta(hours=2), 3)


def timeline() -> Timeline:
    starts = [START + k * PLAN.width for k in range(PLAN.count)]
    windows = pd.DataFrame({"window": pd.to_datetime(starts, utc=True), "calls": [10, 10, 10],
                            "estimated_accuracy": [0.9, 0.85, 0.6], "estimated_se": [0.02, 0.02, 0.03]})
    return Timeline(PLAN, windows, pd.DataFrame(), 0.01, "", "", pd.DataFrame())


FEEDBACK = pd.DataFrame({"window": pd.to_datetime([START + PLAN.width], utc=True), "labelled": [4], "correct": [2],
                         "accuracy": [0.5]})
REWARD = pd.DataFrame({"window": pd.to_datetime([START + PLAN.width, START + 2 * PLAN.width], utc=True),
                       "reward": [2.0, 1.0], "rewarded": [2.0, 1.0]})


def by_name(figure):  # type: ignore[no-untyped-def]
    return {t.name: t for t in figure.data}


def test_reward_is_a_row_under_the_accuracy_sharing_its_time_axis():
    figure = accuracy_figure(timeline(), FEEDBACK, REWARD)
    traces = by_name(figure)
    estimated, feedback, reward = (traces[n] for n in ("estimated from confidence", "from analyst feedback",
                                                      "Seldon feedback reward"))
    assert estimated.xaxis == feedback.xaxis == "x" and reward.xaxis == "x2"
    layout = figure.layout
    assert layout.xaxis.matches == "x2"  # zooming one row zooms the other: one timeline
    assert layout.yaxis2.domain[1] < layout.yaxis.domain[0]  # the reward row sits under the accuracy row
    # a window's three numbers stand one above the other: the same x for the same window
    assert pd.Timestamp(feedback.x[0]) == pd.Timestamp(estimated.x[1]) == pd.Timestamp(reward.x[0])
    assert pd.Timestamp(reward.x[1]) == pd.Timestamp(estimated.x[2])
    assert list(layout.xaxis.range) == list(layout.xaxis2.range)  # the windows' span on both rows


def test_without_reward_the_chart_is_one_row():
    figure = accuracy_figure(timeline(), FEEDBACK, None)
    assert "Seldon feedback reward" not in by_name(figure) and "xaxis2" not in figure.to_dict()["layout"]
    assert accuracy_figure(timeline(), None, REWARD.iloc[:0]).layout.height == 360
