"""Monitor's two reads from Prometheus (the model's series, Seldon's feedback reward) say the same reason, in the
same words as before they shared one helper, when no Prometheus is configured and when the configured one does not
answer; the rest of the page goes on without them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.app.helpers import dead_url
from workbench.monitor.prometheus_api import not_configured_message
from workbench.settings import get_settings
from workbench.ui.monitor_prometheus import prometheus_view, seldon_feedback

END = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
START = END - timedelta(hours=6)
FROM_THE_LOG = "The service numbers below come from the request log."


def series(label: str):
    return prometheus_view(label, START, END)


def feedback(label: str):
    return seldon_feedback(label, START, END, 600.0)


@pytest.fixture
def prometheus_at(monkeypatch, tmp_path):
    """Point the settings at ``url`` (None: no Prometheus configured and no embedded MDS state)."""

    def point(url: str | None) -> None:
        monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))  # no state.json: no embedded Prometheus either
        if url is None:
            monkeypatch.delenv("WORKBENCH_PROMETHEUS_URL", raising=False)
        else:
            monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", url)
        get_settings.cache_clear()
        prometheus_view.clear()
        seldon_feedback.clear()

    yield point
    get_settings.cache_clear()


@pytest.mark.parametrize(("read", "then"), [
    (series, FROM_THE_LOG),
    (feedback, "Seldon's feedback reward cannot be shown without it."),
])
def test_no_prometheus_configured_is_said_with_what_the_page_shows_instead(prometheus_at, read, then):
    prometheus_at(None)
    view = read("orchard-grade")
    assert view.url is None and view.series == [] and not view.informational
    assert view.message == f"{not_configured_message()} {then}"
    assert "make run or mds local up" in view.message and "`" not in view.message  # shown as text: no Markdown


@pytest.mark.parametrize(("read", "then"), [
    (series, FROM_THE_LOG),
    (feedback, "Seldon's feedback reward cannot be shown; analyst feedback above is unaffected."),
])
def test_a_prometheus_that_does_not_answer_is_named_with_what_the_page_shows_instead(prometheus_at, read, then):
    url = dead_url()
    prometheus_at(url)
    view = read("orchard-grade")
    assert view.url == url and view.series == [] and not view.informational and view.totals == {}
    assert view.message.endswith(f" {then}") and url.removeprefix("http://") in view.message, view.message
