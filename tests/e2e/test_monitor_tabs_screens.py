"""Every tab of the Monitor page in Chromium, on a Seldon v1 model with simulated traffic, analyst feedback
and Seldon feedback rewards read from a real Prometheus; screenshots kept for a person to look at.

They land in ``tests/artifacts/screenshots/monitor/<days>d-<width>-<tab>.png`` (or under
``$WORKBENCH_SCREENSHOTS_DIR``). The test asserts what a person would notice at once: an exception, the
reward missing from the accuracy chart, a tab with no chart, a number or its label cut short.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, drawn, running_app, settle
from tests.e2e.test_monitor_screens import cut_short, fill
from tests.workbench.monitor.conftest import SCRAPE_SECONDS, prometheus  # noqa: F401  (the session fixture)
from workbench.monitor.promql import FEEDBACK_REWARD

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots") / "monitor"
WIDTHS = (1400, 1024)
TABS = ("Drift over time", "Outliers", "Accuracy", "Calls, errors and latency")


def seldon_model(refs):  # type: ignore[no-untyped-def]
    return next(r for r in refs.values() if r.protocol == "seldon" and r.reference_data is not None
                and "test" not in r.tags)


def predictions_with_feedback(db: str, ref, n: int) -> None:  # type: ignore[no-untyped-def]
    """Real predictions of the analyst through the real server, and a verdict on most of them."""
    from mds_client import MDSClient
    from workbench.feedback.capture import record_feedback
    from workbench.predict import service as predict_service
    from workbench.store import open_store

    engine, client = open_store(db), MDSClient()
    schema = client.schema(ref)
    for i, row in enumerate(pd.read_csv(ref.reference_data).head(n).to_dict(orient="records")):
        outcome = predict_service.predict(client, engine, ref, schema, row, user="analyst")
        if outcome.prediction_id is not None and i % 4:
            record_feedback(engine, outcome.prediction_id, "analyst", "correct" if i % 3 else "wrong", schema=schema)
    client.close()


def send_rewards(ref, n: int, prometheus_url: str) -> None:  # type: ignore[no-untyped-def]
    """``n`` rewards of 1.0 one scrape apart (increase() sees every one after the first), then wait until
    Prometheus has scraped the last one."""
    body = {"request": {"data": {"ndarray": [[0.0]]}}, "response": {"data": {"ndarray": [[0.0]]}}, "reward": 1.0}
    before = rewards_scraped(prometheus_url)
    for _ in range(n):
        assert requests.post(ref.feedback_url, json=body, timeout=10).ok
        time.sleep(SCRAPE_SECONDS)
    deadline = time.monotonic() + 10 * SCRAPE_SECONDS
    while rewards_scraped(prometheus_url) < before + n:
        assert time.monotonic() < deadline, f"Prometheus did not scrape {n} rewards in {10 * SCRAPE_SECONDS:g} s"
        time.sleep(SCRAPE_SECONDS / 5)


def rewards_scraped(prometheus_url: str) -> float:
    """Every reward Prometheus holds now (this worker's models alone: its MDS and Prometheus are its own)."""
    query = {"query": f"sum({FEEDBACK_REWARD})"}
    result = requests.get(f"{prometheus_url}/api/v1/query", params=query, timeout=10).json()["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


@pytest.mark.parametrize("days,rows", [(1, 1500), (30, 6000)])
def test_monitor_tabs(browser, catalog_path, refs, prometheus, tmp_path: Path, days: int, rows: int):  # noqa: F811
    ref = seldon_model(refs)
    db = f"sqlite:///{tmp_path / 'wb.db'}"
    fill(db, ref, days, rows)
    send_rewards(ref, 4, prometheus.url)
    predictions_with_feedback(db, ref, 16)
    with running_app(catalog_path, tmp_path, WORKBENCH_AUTH="off", WORKBENCH_DATABASE_URL=db,
                     WORKBENCH_PROMETHEUS_URL=prometheus.url) as url:
        page = browser.new_context(viewport={"width": WIDTHS[0], "height": 1000}).new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{url}/monitor")
        expect(page.get_by_role("heading", name="Watch a model's health")).to_be_visible(timeout=60_000)
        page.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name=ref.name, exact=True).click()
        settle(page, timeout=120_000)
        expect(page.get_by_text("Every view of drift on this page uses this threshold")).to_be_visible(timeout=120_000)
        for tab in TABS:
            page.get_by_role("tab", name=tab).click()
            settle(page, timeout=120_000)
            for width in WIDTHS:  # one page, its window narrowed: the app draws the same whatever the width
                page.set_viewport_size({"width": width, "height": 1000})
                drawn(page)  # plotly draws after the script run, and again at a new width
                height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
                page.set_viewport_size({"width": width, "height": min(max(1000, int(height) + 40), 6000)})
                drawn(page)  # and lays out again at the new height
                target = OUT / f"{days}d-{width}-{tab.split()[0].strip(',').lower()}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(target), full_page=True)
                page.set_viewport_size({"width": width, "height": 1000})
                assert not page.locator("[data-testid='stException']").count(), f"{tab}: an exception"
                assert cut_short(page) == [], f"{tab}: cut short at {width} px"
                if tab == "Accuracy":
                    expect(page.locator(".legendtext", has_text="Seldon feedback reward").first).to_be_attached()
        page.context.close()
