"""The Seldon v1 explainer in a real browser: Predict a v1 model, Why tab, the model's own explainer's rule.
The screenshot lands in the test's tmp folder (v1_explainer.png) to be looked at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.text import unbroken
from tests.e2e.conftest import drawn, log_in, predict, running_app, settle
from workbench.ui.explain_why import RULE_OWN

pytestmark = pytest.mark.e2e


def test_the_v1_explainers_rule_on_the_why_tab(page: Page, catalog_path: Path, tmp_path: Path, refs):
    v1 = next((r for r in refs.values() if r.protocol == "seldon" and r.explainer is not None), None)
    assert v1 is not None, "the embedded MDS serves a Seldon v1 model with a v1 explainer"
    # The explainer runs ~60 calls through a one-worker seldon microservice: on two loaded cores that can
    # pass the default 20 s budget (which then says so plainly); this journey is about the rule shown.
    with running_app(catalog_path, tmp_path, WORKBENCH_EXPLAIN_BUDGET_S="150") as app_url:
        _journey(page, app_url, tmp_path, v1)


def _journey(page: Page, app_url: str, tmp_path: Path, v1) -> None:
    page.goto(app_url)
    expect(page.get_by_text("These are demo users")).to_be_visible(timeout=120_000)
    log_in(page)
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible(timeout=60_000)
    settle(page, 60_000)
    card = page.locator(f".st-key-models-card-{v1.name}")
    expect(card).to_contain_text(f"Explanations from a deployed explainer ({unbroken(v1.explainer.name)})")
    card.locator("button").click()
    expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible()
    settle(page)
    predict(page)
    page.locator(f".st-key-predict-why-method-{v1.name}").get_by_text(RULE_OWN).click()
    settle(page)
    page.locator(".st-key-predict-why-run button").click()
    expect(page.get_by_text(f"Anchor rule from the explainer server {v1.explainer.name}")).to_be_visible(
        timeout=160_000)
    settle(page, 60_000)
    expect(page.get_by_text("Precision", exact=True)).to_be_visible()
    expect(page.locator("code.language-plaintext").filter(has_text="IF ")).to_be_visible()
    drawn(page)
    page.screenshot(path=str(tmp_path / "v1_explainer.png"), full_page=True)
