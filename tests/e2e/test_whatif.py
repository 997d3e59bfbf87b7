"""What-if in a real browser: Predict, the Why tab, sweep one feature, see the chart; then the heat map.
Screenshots land in the test's tmp folder (what_if.png, what_if_2d.png) to be looked at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mds_client import FeatureKind
from tests.e2e.conftest import drawn, open_predict, predict, settle
from tests.workbench.picked_models import numeric_classifier
from workbench.ui.explain_why import WHAT_IF

pytestmark = pytest.mark.e2e
__all__ = ["numeric_classifier"]


def test_what_if_chart_in_the_browser(page: Page, app_url: str, tmp_path: Path, numeric_classifier):
    m = numeric_classifier
    name = m.ref.name
    open_predict(page, app_url, name)
    predict(page)
    try:
        page.locator(f".st-key-predict-why-method-{name}").get_by_text(WHAT_IF).click()
    except Exception:
        page.screenshot(path=str(tmp_path / "why-tab.png"), full_page=True)  # kept by pytest for a look
        raise
    settle(page)
    feature = next(f.name for f in m.schema.features if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER))
    page.locator(".st-key-predict-why-whatif-run button").click()
    settle(page, 60_000)
    chart = page.locator(".st-key-predict-why-whatif-view-chart .js-plotly-plot")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text(f"What if {feature} were different?")
    expect(chart).to_contain_text("this case")
    drawn(page)
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(tmp_path / "what_if.png"))
    page.screenshot(path=str(tmp_path / "what_if_page.png"), full_page=True)

    second = page.locator(f".st-key-predict-why-whatif-second-{name}")
    second.get_by_role("combobox").click()  # the box itself: its label wraps in a narrow column
    page.get_by_role("option").nth(1).click()
    settle(page)
    page.locator(".st-key-predict-why-whatif-run button").click()
    settle(page, 60_000)
    heat = page.locator(".st-key-predict-why-whatif-view-heat .js-plotly-plot")
    expect(heat).to_be_visible()
    drawn(page)
    heat.screenshot(path=str(tmp_path / "what_if_2d.png"))
