"""Prometheus errors belong to the app's error tree: a page's one ``except MDSError`` catches them."""

from __future__ import annotations

import pytest

import workbench.errors
from mds_client import MDSError
from workbench.errors import WorkbenchError
from workbench.monitor.prometheus_errors import (
    PrometheusError,
    PrometheusNotConfigured,
    PrometheusQueryError,
    PrometheusResponseError,
    PrometheusUnavailable,
)

URL = "http://127.0.0.1:9090"


@pytest.mark.parametrize("error", [
    PrometheusNotConfigured(),
    PrometheusUnavailable(URL, "connection refused", query="up"),
    PrometheusQueryError(URL, "rate(x[", "bad_data", "unclosed left bracket"),
    PrometheusResponseError(URL, "HTML instead of JSON"),
], ids=lambda e: type(e).__name__)
def test_every_prometheus_error_is_an_mds_error_with_its_plain_message(error):
    assert isinstance(error, PrometheusError) and isinstance(error, WorkbenchError) and isinstance(error, MDSError)
    with pytest.raises(MDSError) as caught:
        raise error
    assert str(caught.value) == error.message and error.message
    assert error.url in ("", URL)


def test_the_tree_drawn_in_errors_names_it():
    assert "PrometheusError" in (workbench.errors.__doc__ or "")
