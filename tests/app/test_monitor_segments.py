"""Where it fails, in AppTest: Monitor lists the planted weak segment with its size and interval, choosing it
filters Monitor's views and keeps it in the address, Feedback review opens on it from a link, a link's
unreadable segment is refused with a reason, and a model with nothing to judge gets a sentence why.

A catalog of our own (two models at a dead address: Monitor needs no server, only the store and the
reference data) and a loan model's cases written to the store with their verdicts (tests/workbench/monitor/
segment_data.py): a number, an integer, a category and a boolean; string class names.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, _reset_caches, page_path
from tests.app.helpers import dead_url, metric_values, shown_tables, texts, unescape
from tests.workbench.monitor.segment_data import BAD, frame, store_cases
from workbench.store import open_store
from workbench.store.request_log import LogWrite, log_row, store_log

MODEL, QUIET = "loan-desk", "fare-estimate"


@pytest.fixture
def store(tmp_path, monkeypatch):
    reference, _ = frame(1500, bad_rate=0.05, tiny=0, seed=21)
    reference.to_csv(tmp_path / "loans.csv", index=False)
    reference.head(400)[["income", "channel"]].to_csv(tmp_path / "fares.csv", index=False)
    url = dead_url()
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [
        {"name": MODEL, "protocol": "v2", "url": url, "reference_data": str(tmp_path / "loans.csv")},
        {"name": QUIET, "protocol": "v2", "url": url, "reference_data": str(tmp_path / "fares.csv")}]}))
    monkeypatch.setenv("WORKBENCH_CATALOG", str(path))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'wb.db'}")
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", "")
    _reset_caches()
    engine = open_store(f"sqlite:///{tmp_path / 'wb.db'}")
    rows, right = frame(300, seed=4)
    store_cases(engine, rows, right, model=MODEL)
    now, write = datetime.now(UTC), LogWrite()
    for i, record in enumerate(reference.head(80)[["income", "channel"]].to_dict("records")):
        write.rows.append(log_row(model=QUIET, request_id=f"fare-{i}", row_index=0, source="simulate",
                                  time=now - timedelta(minutes=i), inputs=record, status="ok"))
    store_log(engine, write)
    yield int((rows["channel"] == "kiosk").sum())
    engine.dispose()
    _reset_caches()


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    at.switch_page(page_path(page)).run(timeout=120)
    assert not at.exception, at.exception
    return at


def test_monitor_lists_the_weak_segment_and_filters_to_it(store):
    kiosk = store
    at = open_page("monitor", model=MODEL, period="day")
    tables = [t for t in shown_tables(at) if "accuracy" in t.columns and "segment" in t.columns]
    assert tables, texts(at)
    top = tables[0].iloc[0]
    assert top["segment"] == BAD and int(top["rows"]) == kiosk
    low, high = (int(x.rstrip("%")) for x in top["interval"].split(" to "))
    assert low < int(top["accuracy"].rstrip("%")) < high
    assert "Accuracy from 300 feedback verdicts" in texts(at) and "fax" not in tables[0]["segment"].str.cat()
    assert top["cases"].startswith(f"/feedback_review?model={MODEL}&segment=channel%20%3D%20kiosk")

    picker = at.selectbox(key="monitor.segment")
    assert picker.options[0] == "All calls" and BAD in [unescape(o) for o in picker.options]
    picker.set_value(BAD).run(timeout=120)
    assert not at.exception, at.exception
    assert at.query_params["segment"] == [BAD] or at.query_params["segment"] == BAD
    assert f"of the calls where {BAD}: {kiosk} of the 300 calls read, against the " in texts(at)
    assert "reference rows in the same segment" in texts(at)
    at.selectbox(key="monitor.segment").set_value("All calls").run(timeout=120)
    assert "segment" not in at.query_params


def test_a_shared_link_opens_feedback_review_on_the_segment(store):
    kiosk = store
    at = open_page("feedback_review", model=MODEL, segment=BAD)
    assert at.selectbox(key="review.segment").value == BAD
    assert metric_values(at)["Feedback in range"] == str(kiosk)
    assert f"Only the feedback on calls where {BAD}: {kiosk} of the 300 items in range" in texts(at)
    cases = [t for t in shown_tables(at) if "verdict" in t.columns or "Verdict" in t.columns]
    assert cases and len(cases[0]) == kiosk


def test_a_link_with_an_unreadable_segment_is_refused_with_a_reason(store):
    at = open_page("monitor", model=MODEL, segment="income between friends")
    assert "cannot be read" in texts(at)
    assert at.selectbox(key="monitor.segment").value == "All calls"


def test_a_model_without_feedback_or_confidence_says_why_there_are_no_segments(store):
    at = open_page("monitor", model=QUIET, period="day")
    shown = texts(at)
    assert f"No segments where {QUIET} fails: it has 0 feedback verdicts" in shown
    assert "0 logged calls with a confidence" in shown


def test_a_segment_no_case_is_in_shows_an_empty_review_not_an_error(store):
    at = open_page("feedback_review", model=MODEL, segment="channel = carrier pigeon")
    assert metric_values(at)["Feedback in range"] == "0"
    assert "Only the feedback on calls where channel = carrier pigeon: 0 of the 300 items in range" in texts(at)
