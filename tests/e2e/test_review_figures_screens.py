"""Feedback review's figures are whole at 1024 and 1400 px: "Labelled predictions" read "77 of …" at 1024 px in four
equal columns; now each figure is as wide as its text, in a row that wraps. A model of the tests' own
(tests/hive_model.py) with predictions and verdicts given through the same functions the app uses."""

from __future__ import annotations

import pandas as pd
import pytest
from playwright.sync_api import expect

from mds_client import MDSClient
from tests.e2e.conftest import REPO, drawn, log_in, running_app, settle
from tests.hive_model import NAME, catalog, hives, publish_hive
from workbench.feedback.capture import record_feedback
from workbench.predict import service as predict_service
from workbench.store import open_store

pytestmark = pytest.mark.e2e
OUT = REPO / "tests" / "artifacts" / "screenshots" / "review-figures"
CUT_JS = """() => [...document.querySelectorAll("[data-testid='stMetricValue'], [data-testid='stMetricLabel']")]
  .flatMap(m => [m, ...m.querySelectorAll('*')]).filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => e.textContent)"""


@pytest.fixture(scope="module")
def review_url(publish_server, tmp_path_factory):
    client = MDSClient()
    _model, ref = publish_hive(publish_server, client)
    schema = client.schema(ref)
    home = tmp_path_factory.mktemp("review-figures")
    engine = open_store(f"sqlite:///{home / 'wb.db'}")  # the store running_app gives the app
    rows = hives(12, seed=21)[0].astype(object).where(lambda f: pd.notna(f), None).to_dict(orient="records")
    for i, row in enumerate(rows):
        outcome = predict_service.predict(client, engine, ref, schema, row, user="analyst")
        assert outcome.prediction_id is not None, outcome.error
        if i < 4:  # under five verdicts the accuracy is said as a count: '2 of 4 correct', the widest figure
            record_feedback(engine, outcome.prediction_id, "analyst", "correct" if i % 3 else "wrong",
                            truth=None if i % 3 else ("watch" if outcome.result.label == "treat now" else "treat now"),
                            schema=schema)
    engine.dispose()
    client.close()
    with running_app(catalog(publish_server), home) as url:
        yield url


@pytest.mark.parametrize("width", [1024, 1400])
def test_the_review_figures_are_whole(browser, review_url, width):
    context = browser.new_context(viewport={"width": width, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(90_000)
    expect.set_options(timeout=90_000)
    try:
        page.goto(review_url)
        expect(page.get_by_text("These are demo users")).to_be_visible()
        settle(page)
        log_in(page, "scientist", "scientist-demo")
        expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
        settle(page)
        page.locator(f".st-key-models-card-{NAME} button").click()  # the model chosen here is kept across pages
        expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible()
        settle(page)
        page.get_by_role("link", name="Feedback review", exact=True).first.click()
        expect(page.get_by_text("4 of 12", exact=True)).to_be_visible()
        expect(page.get_by_text("2 of 4 correct", exact=True)).to_be_visible()
        settle(page)
        drawn(page)
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"review-{width}.png"))
        labels = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
        assert {"Feedback in range", "Accuracy", "Labelled predictions", "Coverage"} <= {t.strip() for t in labels}
        assert page.evaluate(CUT_JS) == [], f"cut at {width} px"
    finally:
        context.close()
