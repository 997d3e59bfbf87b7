"""Window planning: the period a reader asks for gives the width; sparse traffic widens it by the median
window; a burst of minutes changes nothing. Pure: calls are a list of times, counted here."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime, timedelta

import pytest

from workbench.monitor.windows import (
    PERIODS,
    WindowPlan,
    duration_unit,
    fit_windows,
    period_of,
    period_span,
    plan_windows,
    quiet_calls,
    typical_calls,
    unknown_period_text,
)

NOW = datetime(2026, 12, 7, 11, 6, 30, tzinfo=UTC)
MIN_ROWS = 20


def spread(n: int, start: datetime, end: datetime) -> list[datetime]:
    return [start + (end - start) * (i + 0.5) / n for i in range(n)]


def counter(times: list[datetime]):  # type: ignore[no-untyped-def]
    ordered = sorted(times)

    def calls_in(plan: WindowPlan) -> list[int]:
        return [bisect_left(ordered, plan.bounds(k)[1]) - bisect_left(ordered, plan.bounds(k)[0])
                for k in range(plan.count)]

    return calls_in


def fit(times: list[datetime], period: str = "all", now: datetime = NOW) -> tuple[WindowPlan, bool]:
    start, end = period_span(PERIODS[period], min(times), max(times), now)
    return fit_windows(start, end, counter(times), wanted=2 * MIN_ROWS, at_least=MIN_ROWS)


HISTORY = spread(280, NOW - timedelta(days=3), NOW - timedelta(minutes=10))
BURST = spread(1200, NOW - timedelta(minutes=2), NOW)  # two minutes at 10 calls/s


def test_a_burst_does_not_change_the_windows_of_the_whole_history():
    before, widened = fit(HISTORY)
    after, _ = fit(HISTORY + BURST)
    assert widened and before.width == timedelta(hours=12), before
    assert after.width == before.width and after.count == before.count
    assert sum(counter(HISTORY + BURST)(after)) == 1480  # every call is in a window


@pytest.mark.parametrize(("period", "width", "windows"), [
    ("hour", timedelta(minutes=5), range(12, 14)),
    ("day", timedelta(hours=1), range(24, 26)),
    ("week", timedelta(hours=6), range(28, 30)),
])
def test_each_period_gives_windows_fitted_to_it(period, width, windows):
    busy = spread(140_000, NOW - timedelta(days=8), NOW)  # a call every 5 s: nothing to widen
    plan, widened = fit(busy, period)
    assert (plan.width, widened) == (width, False) and plan.count in windows
    assert plan.start <= NOW - PERIODS[period].length and plan.end > NOW


def test_the_whole_history_is_cut_by_its_span():
    month = spread(30 * 200, NOW - timedelta(days=30), NOW)
    plan, widened = fit(month)
    assert (plan.width, widened) == (timedelta(days=1), False) and 30 <= plan.count <= 32


def test_the_last_hour_of_a_burst_keeps_five_minute_windows():
    """The hour holds the burst and a few stray calls of the history: no width makes those testable."""
    plan, widened = fit(HISTORY + BURST, "hour")
    assert (plan.width, widened) == (timedelta(minutes=5), False)
    assert sum(counter(HISTORY + BURST)(plan)) >= 1200


def test_sparse_traffic_widens_until_a_typical_window_can_be_tested():
    plan, widened = fit(spread(160, NOW - timedelta(days=2), NOW))
    assert widened and plan.width == timedelta(hours=12) and 4 <= plan.count <= 5


def test_too_few_calls_anywhere_are_not_widened_into_one_wide_window():
    plan, widened = fit(spread(16, NOW - timedelta(minutes=15), NOW))
    assert not widened and plan.width == timedelta(minutes=5)


def test_widening_stops_once_a_window_can_be_tested_or_one_window_holds_all():
    calls = spread(30, NOW - timedelta(minutes=50), NOW)  # 30 calls can never make a median of 40
    plan, widened = fit(calls)
    assert widened and max(counter(calls)(plan)) >= MIN_ROWS and plan.width <= timedelta(hours=2)
    plan, widened = fit(spread(30, NOW - timedelta(days=20), NOW))  # a call a day or so: one window of a week
    assert widened and plan.width == timedelta(days=7) and plan.count <= 4


def test_the_typical_window_ignores_empty_windows_and_bursts():
    assert typical_calls([0, 10, 12, 0, 5000, 11]) == 11.5 and typical_calls([0, 0]) == 0
    assert quiet_calls([0, 10, 12, 0, 5000, 25], 20) == 22


@pytest.mark.parametrize("value", ["day", "all"])
def test_known_periods_are_found(value):
    assert period_of(value) is PERIODS[value]


@pytest.mark.parametrize("value", ["", "DAY", "year", "<script>alert(1)</script>", "x" * 10_000, None, 7, "day\n"])
def test_any_other_period_is_refused_with_a_reason(value):
    assert period_of(value) is None
    text = unknown_period_text(value)
    assert "does not know" in text and "all history" in text and len(text) < 300 and "\n" not in text


@pytest.mark.parametrize(("width", "words"), [(timedelta(minutes=5), "5 minutes"), (timedelta(hours=1), "hour"),
                                              (timedelta(seconds=90), "90 seconds"), (timedelta(days=7), "week")])
def test_a_duration_is_named_as_people_say_it(width, words):
    assert duration_unit(width) == words


def test_windows_start_on_whole_multiples_of_their_width():
    plan = plan_windows(NOW - timedelta(days=1), NOW)
    assert plan.start == datetime(2026, 12, 6, 11, tzinfo=UTC) and plan.width == timedelta(hours=1)


def test_the_last_day_of_a_burst_stays_a_line_of_windows():
    """A quiet day and a busy hour: widening for the quiet calls stops at a quarter of the day."""
    day = spread(130, NOW - timedelta(days=1), NOW - timedelta(hours=1)) + spread(6000, NOW - timedelta(hours=1), NOW)
    plan, widened = fit(day, "day")
    assert widened and plan.width == timedelta(hours=6) and plan.count >= 4


def test_a_handful_of_minutes_is_widened_until_a_window_can_be_tested():
    plan, widened = fit(spread(30, NOW - timedelta(minutes=15), NOW))
    assert widened and plan.count == 1  # one tested window says more than four of seven calls each


@pytest.mark.parametrize("end", [NOW, datetime(2026, 12, 7, 0, 5, tzinfo=UTC), datetime(2026, 12, 7, 0, 2, tzinfo=UTC)])
def test_calls_of_a_quarter_hour_are_never_one_window_of_a_week(end):
    """24 calls within 15 minutes (no 10 minutes of them testable), also either side of midnight: one or two
    windows of 30 minutes at most, starting by the first call; across midnight the whole-multiple windows of an hour, 6
    hours, a day each held half of them, and the widening ran on to one window of a week."""
    calls = spread(24, end - timedelta(minutes=15), end)
    plan, widened = fit(calls)
    assert widened and plan.count <= 2 and plan.width <= timedelta(minutes=30), plan
    assert min(calls) - plan.width < plan.start <= min(calls) and plan.end > max(calls)
    assert sum(counter(calls)(plan)) == 24


@pytest.mark.parametrize("calls", [spread(24, NOW - timedelta(minutes=15), NOW),
                                   spread(30, NOW - timedelta(days=20), NOW), HISTORY + BURST])
def test_the_plan_returned_is_one_the_caller_was_asked_to_count(calls):
    """The timeline reads each window's counts by the plan it was asked about: a plan made without asking
    (the single window started at the first call) left Monitor with a KeyError on screen."""
    asked: list[WindowPlan] = []
    count = counter(calls)

    def calls_in(plan: WindowPlan) -> list[int]:
        asked.append(plan)
        return count(plan)

    start, end = period_span(PERIODS["all"], min(calls), max(calls), NOW)
    plan, _ = fit_windows(start, end, calls_in, wanted=2 * MIN_ROWS, at_least=MIN_ROWS)
    assert plan in asked
