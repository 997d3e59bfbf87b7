from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from workbench.time_text import DAY, SECOND, when, whens


def test_one_order_day_month_year_clock():
    moment = datetime(2026, 2, 12, 9, 5, 7)
    assert when(moment) == "12 Feb 2026 09:05"
    assert when(moment, SECOND) == "12 Feb 2026 09:05:07"
    assert when(date(2026, 2, 12), DAY) == "12 Feb 2026"


def test_missing_times_are_blank_not_nat():
    assert when(None) == "" and when(pd.NaT) == ""
    column = whens(pd.Series([datetime(2026, 12, 2, 14, 5), None, "not a time"]))
    assert column.tolist() == ["02 Dec 2026 14:05", "", ""]


def test_aware_times_are_shown_in_utc():
    aware = pd.Series([pd.Timestamp("2026-12-02 15:05", tz="Europe/Paris")])
    assert whens(aware).tolist() == ["02 Dec 2026 14:05"]
    assert when(datetime(2026, 12, 2, 14, 5, tzinfo=UTC)) == "02 Dec 2026 14:05"
    assert when(aware[0]) == "02 Dec 2026 14:05"
