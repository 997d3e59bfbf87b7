"""The sink's errors belong to the app's error tree: a page's or the CLI's one ``except MDSError`` catches them."""

from __future__ import annotations

import pytest

import workbench.errors
from logsink import ElasticReadError, LogSinkError, MalformedEvent, SimulateError, StoreUnavailable
from mds_client import MDSError
from workbench.errors import WorkbenchError


@pytest.mark.parametrize("error", [
    MalformedEvent("no_id", "the event has no Ce-Id header; send one id per event"),
    StoreUnavailable("the store did not commit the write; retry"),
    ElasticReadError("Elasticsearch at 127.0.0.1:9200 refused the connection"),
    SimulateError("no model 'x' in the catalog"),
], ids=lambda e: type(e).__name__)
def test_every_sink_error_is_an_mds_error_whose_text_is_its_message(error):
    assert isinstance(error, LogSinkError) and isinstance(error, WorkbenchError)
    with pytest.raises(MDSError) as caught:
        raise error
    assert str(caught.value) == error.message


def test_a_malformed_event_keeps_its_status_and_metric_label():
    error = MalformedEvent("too_large", "the body is over 10 MB", status=413)
    assert (error.reason, error.status) == ("too_large", 413)


def test_the_tree_drawn_in_errors_names_it():
    assert "LogSinkError" in (workbench.errors.__doc__ or "")
