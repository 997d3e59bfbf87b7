"""Score a file in a real browser: log in, open Batch, upload a CSV through the file chooser, start,
wait for the summary, find the results download."""

from __future__ import annotations

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import choose, log_in

pytestmark = pytest.mark.e2e


def test_upload_a_csv_and_download_the_results(page: Page, app_url: str, refs, tmp_path):
    source = tmp_path / "cellar.csv"
    frame = pd.concat([pd.read_csv(refs["wine"].sample_data)] * 3, ignore_index=True)
    frame.to_csv(source, index=False)

    page.goto(app_url)
    log_in(page)
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
    page.get_by_role("link", name="Batch").click()
    expect(page.get_by_role("heading", name="Score a file")).to_be_visible()
    choose(page, "batch-model", "wine")

    page.locator(".st-key-batch-upload input[type='file']").set_input_files(str(source))
    expect(page.get_by_text("13 of 13")).to_be_visible()
    start = page.locator(".st-key-batch-start button")
    expect(start).to_be_enabled()
    start.click()

    expect(page.get_by_text("Rows scored")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(f"{len(frame):,}", exact=True).first).to_be_visible()
    button = page.get_by_role("button", name="Download results (CSV)")
    expect(button).to_be_visible()
    with page.expect_download() as download_info:
        button.click()
    saved = tmp_path / "results.csv"
    download_info.value.save_as(saved)
    results = pd.read_csv(saved)
    # Every input row comes back once, in order, with its prediction and no error.
    assert len(results) == len(frame)
    assert list(results.columns[: len(frame.columns)]) == list(frame.columns)
    pd.testing.assert_frame_equal(results[frame.columns], frame, check_dtype=False)
    assert results["prediction"].notna().all()
    assert results["error"].fillna("").eq("").all()
