"""Batch and Compare in Chromium for a published MLflow model with signature params, at 1024 and 1400 px: the params
under the form at their defaults, set once for a job (its card names them and its answers follow them) and for a
comparison. Screenshots land in the test's tmp folder (or ``$PARAMS_SHOTS``) to be looked at."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_predict, settle

pytestmark = [pytest.mark.e2e, pytest.mark.server]
WIDTHS = (1024, 1400)


def shots_dir(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("PARAMS_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def set_cutoff(page: Page, key: str, value: str) -> None:
    page.get_by_text("Model parameters (optional)").click()
    cutoff = page.locator(f".st-key-{key}-cutoff input")
    expect(cutoff).to_have_value("7")
    cutoff.fill(value)
    cutoff.press("Enter")
    settle(page, 60_000)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_batch_job_sends_the_params_set_once_and_names_them(page: Page, mlflow_params_app: str,
                                                              tmp_path: Path, width: int):
    shots = shots_dir(tmp_path)
    open_predict(page, mlflow_params_app, "orchard-cutoff", width)
    page.get_by_role("link", name="Batch").click()
    expect(page.get_by_role("heading", name="Score a file")).to_be_visible()
    settle(page, 60_000)
    rows = pd.DataFrame({"variety": ["cox", "gala", "bramley"], "age_years": [3, 12, 30],
                         "rainfall_mm": [650.5, 720.0, 810.25]})
    source = tmp_path / "three orchards.csv"
    rows.to_csv(source, index=False)
    page.locator(".st-key-batch-upload input[type='file']").set_input_files(str(source))
    settle(page, 60_000)
    set_cutoff(page, "batch-params-orchard-cutoff", "-100")  # below every score: every row premium
    page.screenshot(path=str(shots / f"batch-params-{width}.png"))
    page.locator(".st-key-batch-start button").click()
    expect(page.get_by_text("Model parameters sent with every row: cutoff = -100.0")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Rows scored")).to_be_visible(timeout=60_000)
    settle(page, 60_000)
    page.get_by_text("Model parameters sent with every row").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"batch-job-{width}.png"))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download results (CSV)").click()
    scored = pd.read_csv(download_info.value.path())
    assert scored["prediction"].tolist() == ["premium"] * 3  # the job's cutoff, not the model's 7.0


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_sends_the_params_set_once(page: Page, mlflow_params_app: str, tmp_path: Path, width: int):
    shots = shots_dir(tmp_path)
    open_predict(page, mlflow_params_app, "orchard-cutoff", width)
    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare models on the same input")).to_be_visible()
    settle(page, 60_000)
    set_cutoff(page, "compare-params-orchard-cutoff", "100")  # above every score: juice
    page.screenshot(path=str(shots / f"compare-params-{width}.png"))
    page.locator(".st-key-compare-send button").click()
    settle(page, 60_000)
    # a cutoff above every score: juice, whatever the row; for every answer of the model (should it ever have two
    # versions, Compare sets them side by side: each is sent the cutoff)
    answers = page.locator('[data-testid="stMetric"]').filter(has_text="orchard-cutoff")
    expect(answers.first).to_contain_text("juice", timeout=60_000)
    for k in range(answers.count()):
        expect(answers.nth(k)).to_contain_text("juice")
    answers.first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"compare-answers-{width}.png"))
