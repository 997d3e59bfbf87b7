"""The analyst's journey in a real browser: log in, try tips, fill the form, predict, see the chart
and the curl snippet, open the permalink. Saves the Predict page to docs/predict.png."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import drawn, log_in, settle

pytestmark = pytest.mark.e2e
# The README's screenshot is refreshed on purpose (WORKBENCH_UPDATE_SCREENSHOTS=1), not by every test run.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "predict.png"


def test_analyst_journey(page: Page, app_url: str, tmp_path: Path):
    page.goto(app_url)
    expect(page.get_by_text("These are demo users")).to_be_visible()
    log_in(page)
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
    settle(page)

    page.locator(".st-key-models-card-tips button").click()
    expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible()
    total = page.locator(".st-key-predict-form-tips-total_bill input")
    expect(total).to_be_visible()
    total.fill("31.50")
    total.press("Tab")
    settle(page)
    expect(total).to_have_value("31.50")
    page.locator(".st-key-predict-form-tips-day").click()
    page.get_by_role("option", name="Sun").click()
    expect(page.get_by_role("listbox")).to_have_count(0)  # the day list has closed and covers nothing
    settle(page)
    page.locator(".st-key-predict-form-tips-smoker label").click()
    settle(page)
    try:
        expect(page.locator(".st-key-predict-send button")).to_be_enabled()
    except AssertionError:
        page.screenshot(path=str(tmp_path / "form-not-valid.png"), full_page=True)  # kept by pytest for a look
        raise
    page.locator(".st-key-predict-send button").click()

    headline = page.locator(".st-key-predict-result-headline")
    expect(headline).to_contain_text(re.compile("generous|standard"))
    expect(headline).to_contain_text(" ms")
    expect(page.locator("[data-testid='stPlotlyChart']").first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    drawn(page)
    shot = DOCS_SCREENSHOT if os.environ.get("WORKBENCH_UPDATE_SCREENSHOTS") == "1" else tmp_path / "predict.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000  # a real rendering, not a blank page

    page.get_by_role("tab", name="Request", exact=True).click()
    page.get_by_role("tab", name="curl").click()
    expect(page.get_by_text("curl -sS -X POST")).to_be_visible()
    expect(page.get_by_text("/v2/models/tips/infer").first).to_be_visible()

    link = page.get_by_role("link", name="Permalink to this prediction")
    href = link.get_attribute("href")
    assert href and "prediction=" in href
    prediction_id = href.split("prediction=")[1]

    # The permalink in a fresh tab: a new session, which logs in and lands on the prediction.
    fresh = page.context.new_page()
    fresh.goto(f"{app_url}/history?prediction={prediction_id}")
    if _login_shown(fresh):
        log_in(fresh)
    expect(fresh.get_by_role("heading", name=f"Prediction {prediction_id}: tips")).to_be_visible()
    expect(fresh.locator(".st-key-history-result-headline")).to_contain_text(re.compile("generous|standard"))

    # Shared with a colleague: a fresh browser (no cookie) shows the login form, then the prediction, no error.
    browser = page.context.browser
    assert browser is not None
    colleague = browser.new_context().new_page()
    colleague.goto(f"{app_url}/history?prediction={prediction_id}")
    assert _login_shown(colleague)
    log_in(colleague)
    expect(colleague.get_by_role("heading", name=f"Prediction {prediction_id}: tips")).to_be_visible()
    expect(colleague.get_by_text("This app has encountered an error")).to_have_count(0)
    colleague.context.close()


def _login_shown(page: Page) -> bool:
    """The login form, or (cookie re-login) the page itself: whichever comes first."""
    form = page.get_by_role("textbox", name="Username")
    heading = page.get_by_role("heading", name=re.compile("^Prediction "))
    expect(form.or_(heading).first).to_be_visible()
    return form.is_visible()
