"""Models in Chromium for a model someone registered in MLflow by hand (tests/workbench/catalog/test_registry_link.py):
the card's Registry line, the run's metrics and where the inputs come from, whole at 1024 and 1400 px; and the
Publish page's help naming the three kinds of upload. Screenshots in ``tests/artifacts/screenshots/registry/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import REPO, logged_in_page, running_app, settle
from tests.e2e.test_every_page_looks_right import _past_the_right_edge, _shoot_whole_page
from tests.registry_fixture import NAME

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots") / "registry"


@pytest.fixture(scope="module")
def registry_app(served, mlflow_registry, tmp_path_factory):
    home = tmp_path_factory.mktemp("registry-app")
    catalog = home / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "harvest", "protocol": "v2", "url": served,
                                                   "model": "hand-grade", "registry": f"{NAME}@champion"}]}))
    with running_app(catalog, home, WORKBENCH_MLFLOW_URI=mlflow_registry.url) as url:
        yield url


@pytest.mark.parametrize("width", [1024, 1400])
def test_the_card_of_a_hand_registered_model_reads_whole(browser: Browser, registry_app, width):
    with logged_in_page(browser, registry_app, width, "scientist", "scientist-demo") as page:
        main = page.locator("[data-testid='stMain']")
        expect(main.get_by_text("From the MLflow signature in the model registry.")).to_be_visible()
        # a grid cell: drawn on canvas
        expect(main.get_by_text("by ana.registrar on", exact=False).first).to_be_attached()
        expect(main.get_by_text("logged by the run that registered this version", exact=False)).to_be_visible()
        expect(main.get_by_text(f"Versions of {NAME} in the model registry")).to_be_visible()
        OUT.mkdir(parents=True, exist_ok=True)
        _shoot_whole_page(page, width, OUT / f"models-{width}.png")
        assert _past_the_right_edge(page) == []
        text = main.inner_text()
        assert "Traceback" not in text
        # every fact whole: the grid's cells end in "…" where a value is cut
        assert not [c for c in main.locator("[role='gridcell']").all_inner_texts() if c.endswith("…")]

        page.get_by_role("link", name="Publish", exact=True).first.click()
        settle(page, timeout=90_000)
        expect(main.get_by_text("an MLflow model folder (.zip)", exact=False)).to_be_visible()
        _shoot_whole_page(page, width, OUT / f"publish-{width}.png")
        assert _past_the_right_edge(page) == []
