"""Explain and Monitor pages through AppTest, against the embedded MDS (alibi server included)."""

from __future__ import annotations

import re

import pandas as pd

from tests.app.helpers import texts
from workbench.explain import jobs
from workbench.monitor import drift as drift_service
from workbench.predict import service as predict_service
from workbench.settings import get_settings
from workbench.store.engine import open_store


def pick(at, page: str, model: str):
    at.selectbox(key=f"{page}.model").select(model).run()
    return at


def finish(at, timeout: float = 120):
    """Explanations run off the script thread: wait for them, then rerun to draw the result."""
    assert jobs.wait_all(timeout), "an explanation did not end within its budget"
    return at.run()


def test_explain_one_case_with_the_explainer_server(no_auth):
    at = no_auth("explain")
    assert not at.exception
    at = pick(at, "explain", "wine")
    at.button(key="explain.case.run").click().run(timeout=90)
    finish(at)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "anchor rule from the explainer server" in shown.lower() and "The model predicts" in shown
    assert {m.label for m in at.metric} >= {"Precision", "Coverage"}


def test_explain_shap_and_feature_effects_on_mixed_model(no_auth):
    at = pick(no_auth("explain"), "explain", "tips")
    at.button(key="explain.case.run").click().run(timeout=120)
    finish(at)
    assert not at.exception, at.exception
    assert "Biggest influences" in texts(at)
    at.radio(key="explain.global.view").set_value("Partial dependence").run()
    at.button(key="explain.global.run").click().run(timeout=120)
    finish(at)
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) >= 3


def test_explain_draws_a_heat_map_over_an_image(no_auth):
    at = pick(no_auth("explain"), "explain", "digits")
    assert not at.exception
    at.button(key="explain.case.run").click().run(timeout=60)
    finish(at)
    assert not at.exception, at.exception
    assert "Hiding the red pixels" in texts(at) and len(at.get("plotly_chart")) == 1


def test_monitor_drift_on_the_sample_file_and_health(no_auth, refs):
    engine = open_store(get_settings().database_url)
    schema_row = pd.read_csv(refs["wine"].reference_data).head(1)
    from mds_client import MDSClient

    client = MDSClient()
    schema = client.schema(refs["wine"])
    for _ in range(3):
        predict_service.predict(client, engine, refs["wine"], schema, schema_row.iloc[0].to_dict(), user="anonymous")
    at = pick(no_auth("monitor"), "monitor", "wine")
    at.radio(key="monitor.source").set_value("The model's sample file").run()
    at.button(key="monitor.run").click().run(timeout=60)
    assert not at.exception, at.exception
    # The page shows the verdict the drift service gives on the same file, as a success or a warning.
    sample = pd.read_csv(refs["wine"].sample_data)
    expected = drift_service.detect_drift_with_server(client, refs["wine"], schema, sample)
    def plain(markdown: str | None) -> str:  # the page escapes Markdown; compare the words people read
        return re.sub(r"\\(.)", r"\1", markdown or "")

    shown = [plain(m.value) for m in (*at.success, *at.error)]
    assert any(expected.summary in m for m in shown), (expected.summary, shown)
    assert (expected.summary in " ".join(plain(m.value) for m in at.error)) == expected.is_drift
    assert any(m.label == "Outliers" for m in at.metric)
    assert {m.label for m in at.metric} >= {"Calls (30 days)", "Error rate", "Median latency"}
    assert "No calls" not in texts(at)


def test_monitor_with_too_few_logged_predictions_says_so(no_auth):
    at = pick(no_auth("monitor"), "monitor", "tips")
    assert not at.exception
    assert "0 predictions of tips logged in the last 30 days" in texts(at)
    assert "monitor.run" not in [b.key for b in at.button]  # nothing to compare yet: no button to press
    assert "at least 20 logged predictions" in texts(at)
