"""Every page in Chromium for a model served by NVIDIA Triton (the embedded MDS's Triton, found by its server, never by
its name), at 1024 and 1400 px in one logged-in window that is resized: Predict answers a class name and takes a
'Wrong' with the right class; History and Feedback review show that case by class names; Explain's SHAP, Compare,
Monitor (its calls logged by the sink, and Prometheus scraping Triton's metrics port) and Health read whole, with no
traceback and nothing past the right edge. Monitor's 'Calls, errors and latency' charts Triton's own counts rather than
saying the model publishes only feedback counters. Screenshots in ``tests/artifacts/screenshots/triton-every-page/``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from embedded_mds import local_mds
from embedded_mds.ports import LocalPorts
from logsink.simulate import simulate
from mds_client import MDSClient, load_catalog
from tests.e2e.conftest import REPO, drawn, logged_in_page, predict, running_app, settle
from tests.e2e.test_every_page_looks_right import _past_the_right_edge, _shoot_whole_page

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots") / "triton-every-page"
WIDTHS = (1024, 1400)
CALLS = 60


@pytest.fixture(scope="module")
def triton_app(tmp_path_factory):
    """(app URL, the Triton model's catalog entry, its class names); CALLS of its calls logged by the MDS's sink."""
    from tests.triton_fixture import require_triton

    require_triton()
    home = tmp_path_factory.mktemp("triton-every-page")
    with pytest.MonkeyPatch.context() as env:  # the sink (a child of up) writes to the app's store
        env.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{home / 'wb.db'}")
        mds = local_mds.up(home / "mds", LocalPorts.free(), alibi=False, mlflow=False, sink=True, timeout=120)
    try:
        assert "triton" not in mds.failures and "prometheus" not in mds.failures, mds.failures
        ref = next(r for r in load_catalog(mds.catalog_path) if r.endpoint == mds.url("triton"))
        classes = [s["name"] for s in json.loads(ref.schema_path.read_text())["responses"][0]["schema"]]
        client = MDSClient()
        try:
            simulate(ref, rows=CALLS, rate=100.0, sink_url=mds.url("sink"), days=0.5, client=client)
        finally:
            client.close()
        with running_app(mds.catalog_path, home, WORKBENCH_PROMETHEUS_URL=mds.url("prometheus")) as url:
            yield url, ref, classes
    finally:
        local_mds.down(home / "mds")


def _look(page: Page, name: str) -> str:
    """Shoot the page at each width (the window resized) and return its text; nothing cut at the right edge."""
    main = page.locator("[data-testid='stMain']")
    OUT.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        drawn(page)
        _shoot_whole_page(page, width, OUT / f"{name}-{width}.png")
        assert _past_the_right_edge(page) == [], (name, width)
    text = main.inner_text()
    assert "Traceback" not in text and "Error:" not in text, (name, text[:2000])
    return text


def _open(page: Page, url: str, key: str, model: str) -> str:
    page.goto(f"{url}/{key}?model={model}")
    settle(page, 90_000)
    return _look(page, key)


def test_every_page_reads_whole_for_a_triton_model(browser: Browser, triton_app):
    url, ref, classes = triton_app
    with logged_in_page(browser, url, 1400, user="admin", password="admin-demo") as page:
        # Predict: the model's own label, then 'Wrong' with another class as the right answer
        page.goto(f"{url}/predict?model={ref.name}")
        settle(page, 90_000)
        headline = predict(page)
        said = next(c for c in classes if c in headline)
        truth = next(c for c in classes if c != said)
        page.get_by_role("tab", name="Feedback").click()
        page.get_by_role("button", name="Wrong").click()
        settle(page)
        page.locator("[data-testid='stForm']").get_by_role("combobox").first.click()
        page.get_by_role("option", name=truth).click()
        page.get_by_role("button", name="Send feedback").click()
        settle(page)
        _look(page, "predict")

        _open(page, url, "history", ref.name)  # the table is a canvas: open the case to read it
        page.get_by_role("combobox").last.click()
        page.get_by_role("option").first.click()
        settle(page)
        history = _look(page, "history-case")
        assert said in history and truth in history, history[:2000]
        review = _open(page, url, "feedback_review", ref.name)
        assert "0 of 1 correct" in review and "1 of 1" in review, review[:1500]  # the 'Wrong' given above

        explain = _open(page, url, "explain", ref.name)
        assert "Explain the answer for this row" in explain
        page.get_by_role("button", name="Explain the answer for this row").click()
        expect(page.get_by_text("Biggest influences on the probability of")).to_be_visible(timeout=120_000)
        settle(page, 90_000)
        assert any(c in _look(page, "explain-shap") for c in classes)

        compare = _open(page, url, "compare", ref.name)
        assert ref.name in compare

        monitor = _open(page, url, "monitor", ref.name)
        assert f"{CALLS + 1} calls" in monitor, monitor[:1500]  # the simulated ones and the one on Predict
        page.get_by_role("tab", name="Calls, errors and latency").click()
        settle(page, 90_000)
        drawn(page)
        text = _look(page, "monitor-calls")
        assert "Requests per second" in text, text[:3000]  # Triton's own counts, charted
        assert "publishes only feedback counters" not in text, text[:2000]
        page.get_by_role("tab", name="Accuracy").click()
        settle(page, 90_000)
        assert "served by MLServer" not in _look(page, "monitor-accuracy")

        health = _open(page, url, "health", ref.name)
        assert ref.name in health
