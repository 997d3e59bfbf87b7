"""Models and Predict in Chromium for the embedded MDS's Triton demo model (an MDS of this module runs Triton): its
tile and its card read whole at 1024 and 1400 px beside the other demo models (the card names its intended use and
its classes), and Predict answers with the model's own label.
Screenshots in ``tests/artifacts/screenshots/triton-demo/``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from embedded_mds import local_mds
from embedded_mds.ports import LocalPorts
from mds_client import load_catalog
from tests.e2e.conftest import REPO, choose, logged_in_page, predict, running_app, settle
from tests.e2e.test_every_page_looks_right import _past_the_right_edge, _shoot_whole_page

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots") / "triton-demo"


@pytest.fixture(scope="module")
def triton_app(tmp_path_factory):
    """(app URL, the Triton model's catalog entry): found by its server, never by its name."""
    from tests.triton_fixture import require_triton

    require_triton()
    home = tmp_path_factory.mktemp("triton-demo-app")
    mds = local_mds.up(home / "mds", LocalPorts.free(), alibi=False, prometheus=False, mlflow=False, timeout=120)
    try:
        assert "triton" not in mds.failures, mds.failures
        ref = next(r for r in load_catalog(mds.catalog_path) if r.endpoint == mds.url("triton"))
        with running_app(mds.catalog_path, home) as url:
            yield url, ref
    finally:
        local_mds.down(home / "mds")


@pytest.mark.parametrize("width", [1024, 1400])
def test_the_triton_models_card_and_its_answer_read_whole(browser: Browser, triton_app, width):
    url, ref = triton_app
    classes = [s["name"] for s in json.loads(ref.schema_path.read_text())["responses"][0]["schema"]]
    with logged_in_page(browser, url, width) as page:
        main = page.locator("[data-testid='stMain']")
        expect(main.get_by_text(ref.description, exact=False)).to_be_visible()
        OUT.mkdir(parents=True, exist_ok=True)
        _shoot_whole_page(page, width, OUT / f"models-{width}.png")
        assert _past_the_right_edge(page) == []
        choose(page, "models-model", ref.name)  # its card: the facts Triton's metadata and the catalog give
        settle(page)
        expect(main.get_by_text(ref.card["intended_use"], exact=False)).to_be_visible()
        expect(main.get_by_text("Classes: " + ", ".join(classes), exact=False)).to_be_visible()
        _shoot_whole_page(page, width, OUT / f"models-card-{width}.png")
        assert _past_the_right_edge(page) == []
        page.locator(f".st-key-models-card-{ref.name} button").click()
        expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible()
        settle(page, 60_000)
        headline = predict(page)
        assert any(name in headline for name in classes), headline  # the model's label: a class name
        _shoot_whole_page(page, width, OUT / f"predict-{width}.png")
        assert _past_the_right_edge(page) == []
        assert "Traceback" not in main.inner_text()
