"""Models and Predict in Chromium with Kubernetes discovery (the loopback API server of
tests/mds_client/discovery/test_grpc_discovery.py, the real MLServer of tests/grpc_fixture.py): a Seldon Core 2 Model
annotated with its gRPC address (and mds.workbench/transport: grpc) is listed with models whose annotations were ignored,
and Predict answers, whole at 1024 and 1400 px (the card's gRPC row is in a canvas table: see
tests/app/test_model_card_grpc.py). Screenshots in ``tests/artifacts/screenshots/cluster-grpc/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import REPO, logged_in_page, predict, running_app, settle
from tests.e2e.test_every_page_looks_right import _past_the_right_edge, _shoot_whole_page
from tests.mds_client.discovery.test_grpc_discovery import NS, fake_cluster, objects

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots") / "cluster-grpc"


@pytest.fixture(scope="module")
def cluster_app(grpc_mlserver, tmp_path_factory):
    # Seldon's resources only: a KServe InferenceService of the same name would be a second card of that name.
    lists = {k: v for k, v in objects(grpc_mlserver.url, grpc_mlserver.grpc_url).items() if k != "inferenceservices"}
    home = tmp_path_factory.mktemp("cluster-grpc-app")
    kubeconfig = home / "kubeconfig"
    with fake_cluster(lists) as cluster:
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": cluster}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "me"}}],
            "users": [{"name": "me", "user": {"token": "not-a-secret"}}]}))
        with running_app(
                home / "unused.yaml", home, WORKBENCH_DISCOVERY="kubernetes", KUBECONFIG=str(kubeconfig),
                WORKBENCH_KUBE_NAMESPACE=NS, WORKBENCH_KUBE_MESH_URL=grpc_mlserver.url) as url:
            yield url


@pytest.mark.parametrize("width", [1024, 1400])
def test_an_annotated_cluster_model_is_listed_and_answers(browser: Browser, cluster_app, width):
    with logged_in_page(browser, cluster_app, width) as page:
        main = page.locator("[data-testid='stMain']")
        OUT.mkdir(parents=True, exist_ok=True)
        _shoot_whole_page(page, width, OUT / f"models-{width}.png")
        assert _past_the_right_edge(page) == []
        assert "Traceback" not in main.inner_text() and "This app has encountered an error" not in main.inner_text()
        page.locator(".st-key-models-card-orchards-orchard-grpc button").click()
        expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible()
        settle(page, 60_000)
        headline = predict(page)
        assert any(label in headline for label in ("bronze", "silver", "gold")), headline
        _shoot_whole_page(page, width, OUT / f"predict-{width}.png")
        assert _past_the_right_edge(page) == []
        assert "Traceback" not in main.inner_text()
