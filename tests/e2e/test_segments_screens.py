"""Where it fails, in Chromium: Monitor's segments tab (none to judge, one weak segment, many), a segment chosen
on Monitor, and Feedback review opened from a segment's link, at 1024 and 1400 px; screenshots kept to look at.

They land in ``tests/artifacts/screenshots/segments/`` (or under ``$WORKBENCH_SCREENSHOTS_DIR``). The test
asserts what a person would notice at once: an exception, a segment name or a metric cut short.
A catalog of our own (no server: Monitor and Feedback review read the store and the reference data).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
import yaml
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, drawn, running_app, settle
from tests.e2e.test_monitor_screens import cut_short
from tests.workbench.monitor.segment_data import BAD, frame, store_cases
from workbench.store import open_store
from workbench.store.request_log import LogWrite, log_row, store_log

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots") / "segments"
ONE, MANY, QUIET = "loan-desk", "loan-desk-regional", "fare-estimate"
WIDTHS = (1024, 1400)

CUT_CELLS_JS = """() => [...document.querySelectorAll('[data-testid="stTable"] td, [data-testid="stTable"] th')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


def many_weak(n: int, seed: int = 12):  # type: ignore[no-untyped-def]
    """Rows with three weak places: kiosk, low incomes of new customers, and long tenure on the phone."""
    rows, right = frame(n, seed=seed, tiny=0)
    rng = np.random.default_rng(seed + 1)
    weak = ((rows["income"] < rows["income"].quantile(0.2)) & ~rows["existing_customer"]) | (
        (rows["tenure_months"] >= 96) & (rows["channel"] == "phone"))
    right = np.where(weak, (rng.random(n) < 0.45).astype(int), right)
    return rows, right


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    reference, _ = frame(1500, bad_rate=0.05, tiny=0, seed=21)
    reference.to_csv(tmp_path / "loans.csv", index=False)
    reference.head(400)[["income", "channel"]].to_csv(tmp_path / "fares.csv", index=False)
    models = [{"name": name, "protocol": "v2", "url": "http://127.0.0.1:9", "reference_data": str(tmp_path / csv)}
              for name, csv in ((ONE, "loans.csv"), (MANY, "loans.csv"), (QUIET, "fares.csv"))]
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": models}))
    engine = open_store(f"sqlite:///{tmp_path / 'wb.db'}")
    store_cases(engine, *frame(300, seed=4), model=ONE)
    store_cases(engine, *many_weak(1200), model=MANY)
    write, now = LogWrite(), datetime.now(UTC)
    for i, record in enumerate(reference.head(80)[["income", "channel"]].to_dict("records")):
        write.rows.append(log_row(model=QUIET, request_id=f"fare-{i}", row_index=0, source="simulate",
                                  time=now - timedelta(minutes=i), inputs=record, status="ok"))
    store_log(engine, write)
    engine.dispose()
    with running_app(catalog, tmp_path, WORKBENCH_AUTH="off", WORKBENCH_PROMETHEUS_URL="") as url:
        yield url


def look(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The page at each width, its window narrowed (the app draws the same whatever the width), checked and shot."""
    settle(page, timeout=120_000)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 2600})  # Streamlit scrolls inside: a tall window
        drawn(page)
        assert not page.locator("[data-testid='stException']").count(), f"{name}: an exception"
        assert cut_short(page) == [], f"{name}: a metric cut short at {width} px"
        assert page.evaluate(CUT_CELLS_JS) == [], f"{name}: a table cell cut short at {width} px"
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True)


def test_segment_screens(browser, app):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": WIDTHS[0], "height": 2600}).new_page()
    page.set_default_timeout(120_000)
    for model, name in ((QUIET, "none"), (ONE, "one"), (MANY, "many")):
        page.goto(f"{app}/monitor?model={model}&period=day")
        expect(page.get_by_role("heading", name="Watch a model's health")).to_be_visible(timeout=60_000)
        settle(page, timeout=120_000)
        page.get_by_role("tab", name="Where it fails").click()
        look(page, f"monitor-{name}")
    expect(page.get_by_text("Where the traffic moved")).to_be_visible()
    page.goto(f"{app}/monitor?model={ONE}&period=day&segment={quote(BAD)}")
    expect(page.get_by_text(f"of the calls where {BAD}")).to_be_visible(timeout=120_000)
    look(page, "monitor-filtered")
    page.goto(f"{app}/feedback_review?model={ONE}&segment={quote(BAD)}")
    expect(page.get_by_text(f"Only the feedback on calls where {BAD}")).to_be_visible(timeout=120_000)
    look(page, "review-filtered")
    page.context.close()
