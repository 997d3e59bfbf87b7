"""Monitor's Prometheus charts say when Prometheus's points begin well after the period the page shows."""

from datetime import UTC, datetime, timedelta

import pandas as pd

from workbench.monitor.prometheus_api import MetricSeries
from workbench.monitor.promql import QUERIES
from workbench.ui.monitor_service import late_start_md

END = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
START = END - timedelta(days=3)


def series_from(first: datetime) -> MetricSeries:
    times = pd.date_range(first, END, periods=5, tz=UTC)
    frame = pd.DataFrame({"time": times, "model": "m", "server": "s", "value": [1.0] * 5})
    query = next(iter(QUERIES.values()))
    return MetricSeries(query, "q", timedelta(minutes=1), timedelta(minutes=1), frame)


def test_points_from_the_last_minutes_of_three_days_are_said_to_begin_late():
    text = late_start_md(series_from(END - timedelta(minutes=20)), START, END)
    assert "from 07 Dec 11" in text and "40 UTC only" in text  # the time as Markdown-escaped text


def test_points_over_the_whole_period_need_no_sentence():
    assert late_start_md(series_from(START), START, END) == ""
    assert late_start_md(series_from(START + timedelta(hours=6)), START, END) == ""
