"""Predict in Chromium for a published MLflow classifier with signature params, at 1024 and 1400 px: the class
with how sure it is, the params under the form at their defaults, and a changed cutoff sent with the call and
changing the answer. Screenshots land in the test's tmp folder (or ``$PREDICT_SHOTS``) to be looked at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_predict, predict, settle

pytestmark = [pytest.mark.e2e, pytest.mark.server]
WIDTHS = (1024, 1400)


@pytest.mark.parametrize("width", WIDTHS)
def test_params_are_under_the_form_and_a_changed_one_changes_the_answer(page: Page, mlflow_params_app: str,
                                                                        tmp_path: Path, width: int):
    shots = Path(os.environ.get("PREDICT_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    open_predict(page, mlflow_params_app, "orchard-cutoff", width)
    page.get_by_text("Model parameters (optional)").click()
    cutoff = page.locator(".st-key-predict-params-orchard-cutoff-cutoff input")
    expect(cutoff).to_have_value("7")
    expect(page.locator(".st-key-predict-params-orchard-cutoff-rain_unit input")).to_have_value("mm")
    predict(page)
    page.screenshot(path=str(shots / f"params-default-{width}.png"), full_page=True)
    # a cutoff below every score makes every row premium; one above every score, juice
    answers = set()
    for value in ("-100", "100"):
        cutoff.fill(value)
        cutoff.press("Enter")
        settle(page, 60_000)
        answers.add(predict(page))
    page.screenshot(path=str(shots / f"params-changed-{width}.png"), full_page=True)
    assert len(answers) == 2 and any("premium" in a for a in answers) and any("juice" in a for a in answers), answers


@pytest.mark.parametrize("width", WIDTHS)
def test_an_mlflow_classifier_shows_its_class_and_how_sure(page: Page, mlflow_params_app: str,
                                                           tmp_path: Path, width: int):
    shots = Path(os.environ.get("PREDICT_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    open_predict(page, mlflow_params_app, "orchard-sure", width)
    headline = predict(page)
    page.screenshot(path=str(shots / f"sure-{width}.png"), full_page=True)
    assert any(c in headline for c in ("juice", "premium", "standard")), headline
    expect(page.get_by_text("Model parameters (optional)")).to_have_count(0)
    expect(page.get_by_text("probability", exact=False).first).to_be_visible()
