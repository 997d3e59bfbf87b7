"""Time ticks on the Monitor's charts: no two ticks read the same, whatever the span and window width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from components.chart_axes import time_ticks
from components.drift_charts import outlier_figure
from components.timeline_charts import distribution_figure

START = datetime(2026, 11, 30, 14, 7, tzinfo=UTC)


def tick_labels(settings: dict, start: datetime, end: datetime) -> list[str]:
    """The labels Plotly draws for linear ticks: tick0 + k * dtick inside the range, in the tick format."""
    tick0 = datetime.strptime(settings["tick0"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    step = timedelta(milliseconds=settings["dtick"])
    first = tick0 + -(-(start - tick0) // step) * step
    ticks = [first + k * step for k in range(int((end - first) / step) + 1)]
    return [t.strftime(settings["tickformat"]) for t in ticks]


@pytest.mark.parametrize("span,width", [
    (timedelta(minutes=5), timedelta(minutes=5)), (timedelta(minutes=50), timedelta(minutes=5)),
    (timedelta(hours=1), timedelta(minutes=5)), (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=2), timedelta(hours=2)), (timedelta(days=3), timedelta(days=1)),
    (timedelta(days=16), timedelta(days=1)), (timedelta(days=31), timedelta(days=1)),
    (timedelta(seconds=40), timedelta(seconds=5)), (timedelta(days=200), timedelta(days=7)),
])
def test_no_two_ticks_read_the_same(span, width):
    settings = time_ticks((START, START + span), width)
    labels = tick_labels(settings, START, START + span)
    assert 1 <= len(labels) <= 13 and len(set(labels)) == len(labels), labels


def test_one_day_is_read_in_hours():
    settings = time_ticks((START, START + timedelta(days=1)), timedelta(hours=1))
    assert settings["tickformat"].startswith("%H:%M") and timedelta(milliseconds=settings["dtick"]) <= timedelta(hours=3)
    assert settings["tick0"].endswith(":00:00")  # whole hours


def test_a_category_is_drawn_by_its_label():
    figure = distribution_figure(np.array([0, 0, 1, 2.0]), np.array([2, 2, 1.0]), "colour", "30 Nov",
                                 categories=["red", "green", "blue"])
    assert [list(bar.x) for bar in figure.data] == [["red", "green", "blue"]] * 2
    assert list(figure.data[1].y) == pytest.approx([0, 1 / 3, 2 / 3])
    assert pd.Series(figure.data[0].y).sum() == pytest.approx(1)


def test_reference_and_window_are_binned_alike():
    """Bars of one width for both: a window shifted off the reference must not get finer or coarser bars."""
    rng = np.random.default_rng(0)
    figure = distribution_figure(rng.normal(0, 1, 500), rng.normal(4, 0.2, 60), "x", "30 Nov")
    reference, window = (trace.xbins for trace in figure.data)
    assert reference == window and reference.size > 0
    everything = np.concatenate([trace.x for trace in figure.data])
    assert reference.start <= everything.min() and reference.end > everything.max()  # covers both samples


def test_outlier_bars_share_their_bins():
    scores = pd.DataFrame({"score": [0.1, 0.12, 0.2, 0.3, 0.9, 0.95], "is_outlier": [False] * 4 + [True] * 2})
    normal, outlier = outlier_figure(scores).data
    assert normal.xbins == outlier.xbins and normal.xbins.size == pytest.approx(0.85 / 30)


def test_no_numbers_leave_the_bins_to_plotly():
    figure = distribution_figure(np.array([np.nan]), np.array([]), "x", "30 Nov")
    assert all(trace.xbins.size is None for trace in figure.data)
