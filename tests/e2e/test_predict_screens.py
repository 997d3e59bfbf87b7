"""Predict in Chromium at 1024 and 1400 px: the form with an emptied box, and an image model's drawing grid before
and after Clear, with the earlier answer marked out of date. Screenshots land in the test's tmp folder (or in
``$PREDICT_SHOTS`` when set) to be looked at; the test asserts what a person would notice: the whole grid in
view, the out-of-date mark, the reason an emptied box cannot be sent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.prediction_view import STALE_NOTE
from tests.e2e.conftest import drawn, open_predict, predict, settle
from tests.workbench.picked_models import image_classifier, numeric_classifier

pytestmark = pytest.mark.e2e
__all__ = ["image_classifier", "numeric_classifier"]
WIDTHS = (1024, 1400)


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PREDICT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("width", WIDTHS)
def test_the_drawing_grid_is_whole_and_clear_marks_the_answer_out_of_date(page: Page, app_url: str, tmp_path: Path,
                                                                           image_classifier, width: int):
    name = image_classifier.ref.name
    key = f"predict-form-{name}-{image_classifier.schema.features[0].name}"
    open_predict(page, app_url, name, width)
    draw = page.locator(f".st-key-{key}-draw")
    expect(draw).to_be_visible()
    page.screenshot(path=str(_shots(tmp_path) / f"digits-open-{width}.png"), full_page=True)
    rows, cols = image_classifier.schema.features[0].shape
    boxes = draw.locator("[data-testid='stCheckbox'] input")
    expect(boxes).to_have_count(rows * cols)
    edge = page.locator("[data-testid='stColumn']").first.bounding_box()  # the form's column
    for i in (0, cols - 1, rows * cols - 1):  # first, last of the first row, last: inside the form, not cut
        box = draw.locator("[data-testid='stCheckbox'] label").nth(i).bounding_box()
        assert box and box["width"] >= 12 and box["x"] + box["width"] <= edge["x"] + edge["width"] + 1, (i, box, edge)
    predict(page)
    page.screenshot(path=str(_shots(tmp_path) / f"digits-answer-{width}.png"), full_page=True)
    page.get_by_role("button", name="Clear").click()
    settle(page, 60_000)
    expect(page.get_by_text(STALE_NOTE)).to_be_visible()
    draw.locator("[data-testid='stCheckbox']").nth(2 * cols + 3).click()  # row 3, column 4
    settle(page, 60_000)
    page.screenshot(path=str(_shots(tmp_path) / f"digits-after-clear-{width}.png"), full_page=True)
    expect(page.get_by_text(STALE_NOTE)).to_be_visible()
    predict(page)
    expect(page.get_by_text(STALE_NOTE)).to_have_count(0)
    page.get_by_role("button", name="Explain this prediction").click()
    heat = page.locator(".js-plotly-plot").filter(has_text="Where the model looks")
    expect(heat).to_be_visible(timeout=120_000)
    settle(page, 60_000)
    drawn(page)  # plotly draws after the script run
    heat.scroll_into_view_if_needed()
    heat.screenshot(path=str(_shots(tmp_path) / f"digits-heat-{width}.png"))
    ticks = [t.text_content() for t in heat.locator(".ytick text").all()]
    assert sorted(int(t) for t in ticks) == list(range(1, rows + 1)), ticks  # counted from 1, none past the image


@pytest.mark.parametrize("width", WIDTHS)
def test_an_emptied_box_says_why_it_cannot_be_sent(page: Page, app_url: str, tmp_path: Path, numeric_classifier,
                                                  width: int):
    name = numeric_classifier.ref.name
    feature = numeric_classifier.schema.features[0].name
    open_predict(page, app_url, name, width)
    predict(page)
    page.screenshot(path=str(_shots(tmp_path) / f"form-answer-{width}.png"), full_page=True)
    box = page.locator(f".st-key-predict-form-{name}-{feature} input")
    box.fill("")
    box.press("Enter")
    settle(page, 60_000)
    expect(page.get_by_text(f"{feature} is empty, and this model needs a number here")).to_be_visible()
    expect(page.get_by_text(STALE_NOTE)).to_be_visible()
    assert page.locator(".st-key-predict-send button").is_disabled()
    assert box.input_value() == ""  # not 0.00
    page.screenshot(path=str(_shots(tmp_path) / f"form-emptied-{width}.png"), full_page=True)
