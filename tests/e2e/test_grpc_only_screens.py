"""Models and Predict in Chromium for a model the catalog lists with a ``grpc_url`` alone (the real MLServer of
tests/grpc_fixture.py): the card says its schema came from gRPC metadata and what that lacks, whole at 1024 and
1400 px, and Predict answers over gRPC. Screenshots in ``tests/artifacts/screenshots/grpc-only/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import REPO, logged_in_page, predict, running_app, settle
from tests.e2e.test_every_page_looks_right import _past_the_right_edge, _shoot_whole_page

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots") / "grpc-only"


@pytest.fixture(scope="module")
def grpc_only_app(grpc_mlserver, tmp_path_factory):
    home = tmp_path_factory.mktemp("grpc-only-app")
    catalog = home / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "orchard", "protocol": "v2", "model": grpc_mlserver.model,
                                                   "grpc_url": grpc_mlserver.grpc_url,
                                                   "description": "Grades an orchard, reached over gRPC alone."}]}))
    with running_app(catalog, home) as url:
        yield url


@pytest.mark.parametrize("width", [1024, 1400])
def test_the_card_says_what_grpc_metadata_lacks_and_predict_answers(browser: Browser, grpc_only_app, width):
    with logged_in_page(browser, grpc_only_app, width) as page:
        main = page.locator("[data-testid='stMain']")
        expect(main.get_by_text("which carries no class names or category lists", exact=False)).to_be_visible()
        OUT.mkdir(parents=True, exist_ok=True)
        _shoot_whole_page(page, width, OUT / f"models-{width}.png")
        assert _past_the_right_edge(page) == []
        page.locator(".st-key-models-card-orchard button").click()
        expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible()
        settle(page, 60_000)
        # no reference data and no category list over gRPC: the city is typed; the form says so until it is
        expect(main.get_by_text("city is empty", exact=False)).to_be_visible()
        main.get_by_role("textbox", name="city").fill("paris")
        main.get_by_role("textbox", name="city").press("Control+Enter")
        settle(page, 60_000)
        headline = predict(page)
        assert any(label in headline for label in ("bronze", "silver", "gold")), headline
        _shoot_whole_page(page, width, OUT / f"predict-{width}.png")
        assert _past_the_right_edge(page) == []
        assert "Traceback" not in main.inner_text()
