"""Monitor opened with a fixed end of the period (``?until=``), as Health's links for resolved alerts open it: the
period ends then, the page says so by its "As of" line with one click back to now, and follows nothing; a
malformed or future time is refused with its reason and the page shows the period up to now."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, page_path
from tests.app.helpers import texts, unescape
from tests.app.test_monitor_periods import BURST, HISTORY, MODEL, fill
from workbench.monitor.until import link_time
from workbench.settings import get_settings

NOW = datetime.now(UTC)


@pytest.fixture
def monitor(app_env, refs, monkeypatch):  # type: ignore[no-untyped-def]
    fill(refs[MODEL], NOW)  # three days of calls, then a burst of 1,200 in the last two minutes
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", "")
    get_settings.cache_clear()

    def open_monitor(**query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params.update({"model": MODEL, **query})
        at.run()
        at.switch_page(page_path("monitor")).run(timeout=120)
        assert not at.exception, at.exception
        return at
    return open_monitor


def markdown(at: AppTest) -> str:
    return unescape(" ".join(str(m.value) for m in at.markdown))


def test_the_period_ends_at_the_links_time_and_one_click_goes_back_to_now(monitor):
    until = NOW - timedelta(days=1)
    at = monitor(period="day", until=link_time(until))
    shown = texts(at)
    headline = re.search(r"([\d,]+) calls in the 24 hours to (\d\d \w+ \d\d:\d\d) \(UTC\), from", shown)
    assert headline, shown[:600]
    calls = int(headline.group(1).replace(",", ""))
    assert 0.2 * HISTORY < calls < 0.45 * HISTORY  # a third of the three quiet days; none of today's burst
    assert "a fixed time from the link (not now)" in markdown(at)
    assert not [w for w in at.warning if "link" in str(w.value)] and at.query_params["until"] == link_time(until)
    assert not [t for t in at.toggle if t.key == "monitor.follow"]  # nothing to follow at a fixed time
    at.button(key="monitor.now").click().run(timeout=120)
    assert not at.exception, at.exception
    assert "until" not in at.query_params and at.query_params["period"] == "day"
    assert re.search(r"[\d,]+ calls in the last 24 hours, from", texts(at))
    assert "fixed time" not in markdown(at) and re.search(r"As of \d\d:\d\d:\d\d UTC", markdown(at))
    assert [t for t in at.toggle if t.key == "monitor.follow"]


@pytest.mark.parametrize(("value", "why"), [
    ("last tuesday", "is not a date and time like 2026-12-05T14:00Z"),
    (link_time(NOW + timedelta(days=2)), "is in the future"),
    ("1999-01-01T00:00Z", "before the year 2000"),
])
def test_a_bad_time_is_refused_and_the_period_ends_now(monitor, value, why):
    at = monitor(until=value)
    warnings = [unescape(str(w.value)) for w in at.warning]
    assert any(why in w and "up to now instead" in w for w in warnings), warnings
    assert "until" not in at.query_params
    total = HISTORY + BURST
    assert re.search(rf"{total:,} calls in the whole history, from", texts(at)), texts(at)[:600]
    assert "fixed time" not in markdown(at)


def test_a_time_before_the_first_call_says_the_calls_came_after_it(monitor):
    until = NOW - timedelta(days=4)  # the three days of calls began a day later
    at = monitor(period="day", until=link_time(until))
    infos = [unescape(str(i.value)) for i in at.info]
    assert any(re.search(r"No calls to \S+ in the 24 hours to \d\d \w+ \d\d:\d\d \(UTC\): the first one was "
                         r"logged on \d\d \w+ \d\d:\d\d \(UTC\), after this link's time\. Back to now shows them\.", i)
               for i in infos), infos
    assert not any("logged yet" in i for i in infos)
    assert at.button(key="monitor.now")  # the way to the calls is on the page
