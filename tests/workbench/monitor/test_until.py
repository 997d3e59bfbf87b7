"""Monitor's fixed "as of" time from a link: what is refused and why, and the link Health builds for a resolved
alert from days ago opens on windows that hold the alert's start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from workbench.alerts.service import monitor_link
from workbench.monitor.until import link_time, parse_until, period_until
from workbench.monitor.windows import PERIODS, period_span, plan_windows

NOW = datetime(2026, 12, 8, 1, 40, 17, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-12-05T14:00Z", datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),
    ("2026-12-05T14:00", datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),  # no zone: UTC
    ("2026-12-05T15:30:00+01:00", datetime(2026, 12, 5, 14, 30, tzinfo=UTC)),
])
def test_a_time_is_read_in_utc(value, expected):
    assert parse_until(value, NOW) == (expected, "")


@pytest.mark.parametrize(("value", "why"), [
    ("yesterday", "is not a date and time like 2026-12-05T14:00Z"),
    ("2026-13-45T99:00Z", "is not a date and time"),
    ("", "is not a date and time"),
    ("2026-12-10T00:00Z", "is in the future"),
    ("1970-01-01T00:00Z", "before the year 2000"),
])
def test_what_is_not_a_usable_time_is_refused_with_a_reason(value, why):
    at, reason = parse_until(value, NOW)
    assert at is None and why in reason and "up to now instead" in reason
    assert "\n" not in reason and len(reason) < 200


def test_a_time_a_moment_ahead_is_not_the_future():
    assert parse_until(link_time(NOW), NOW)[0] == datetime(2026, 12, 8, 1, 41, tzinfo=UTC)


def test_the_sentences_name_the_fixed_end():
    until = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    assert period_until(PERIODS["day"], until).words == "in the 24 hours to 05 Dec 14:00 (UTC)"
    assert period_until(PERIODS["hour"], until).words == "in the hour to 05 Dec 14:00 (UTC)"
    assert period_until(PERIODS["all"], until).words == "in the whole history up to 05 Dec 14:00 (UTC)"


@pytest.mark.parametrize(("fired_ago", "lasted", "period"), [
    (timedelta(days=3), timedelta(minutes=40), "hour"),
    (timedelta(days=3), timedelta(hours=20), "day"),
    (timedelta(days=5), timedelta(days=2), "week"),
    (timedelta(days=20), timedelta(days=9), "all"),
])
def test_a_resolved_alert_from_days_ago_opens_monitor_on_its_windows(fired_ago, lasted, period):
    starts, lead = NOW - fired_ago, timedelta(minutes=2)
    ends = starts + lasted + timedelta(seconds=41)
    link = monitor_link("churn model", starts, lead=lead, now=NOW, ends_at=ends)
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query["model"] == "churn model" and query["period"] == period
    until, why = parse_until(query["until"], NOW)  # what Monitor reads from the link
    assert why == "" and ends <= until < ends + timedelta(minutes=1)
    first, last = starts - timedelta(days=30), NOW  # calls long before and after the alert
    start, end = period_span(PERIODS[period], first, min(last, until), until)
    plan = plan_windows(start, end)
    assert plan.start <= starts - lead and plan.end >= ends  # the windows hold the alert, start to end
    assert end == until < NOW - timedelta(days=1)  # the period ends where the alert did, not now


def test_a_firing_alert_opens_monitor_up_to_now():
    starts = NOW - timedelta(minutes=30)
    assert monitor_link("m", starts, lead=timedelta(minutes=2), now=NOW) == "/monitor?model=m&period=hour"
