"""A batch job's figures are whole at 1024 and 1400 px (in four equal columns "323 rows/s" was cut to "323 ro…" at
1024 px): each as wide as its text, in a row that wraps. Screenshots in tests/artifacts/screenshots/figures/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, settle
from tests.e2e.test_form_widths_screens import script_app

pytestmark = pytest.mark.e2e
OUT = REPO / "tests" / "artifacts" / "screenshots" / "figures"
CUT_JS = """() => [...document.querySelectorAll("[data-testid='stMetricValue'], [data-testid='stMetricLabel']")]
  .flatMap(m => [m, ...m.querySelectorAll('*')]).filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => e.textContent)"""


@pytest.fixture(scope="module")
def figures_url(tmp_path_factory):
    with script_app("tests/e2e/figures_app.py", tmp_path_factory.mktemp("figures")) as url:
        yield url


@pytest.mark.parametrize("width", [1024, 1400])
def test_a_batch_jobs_figures_are_whole(browser, figures_url, width):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    try:
        page.goto(figures_url)
        expect(page.get_by_text("12,323 rows/s")).to_be_visible(timeout=60_000)
        settle(page)
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"batch-{width}.png"))
        assert page.locator("[data-testid='stMetricValue']").all_inner_texts() == ["1,234,560", "7", "Done",
                                                                                   "12,323 rows/s"]
        assert page.evaluate(CUT_JS) == [], f"cut at {width} px"
    finally:
        context.close()
