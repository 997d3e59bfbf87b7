"""Every number box of a schema form shows its whole value at 1024 and 1400 px, for values as wide as 711.15,
12345.678 and 1234567 (at 1024 px a box half the form wide cut 711.15 to "711.1"), and an optional choice reads
"unknown". Any model's form: a schema of the test's own on a page laid out as Predict. Screenshots in
tests/artifacts/screenshots/form-widths/ for a person to look at."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, free_port, settle, wait_healthy

pytestmark = pytest.mark.e2e
OUT = REPO / "tests" / "artifacts" / "screenshots" / "form-widths"
# each visible text box: its value, the width its text needs and the width it has
BOXES_JS = """() => [...document.querySelectorAll("[data-testid='stNumberInput'] input")]
  .map(i => ({value: i.value, needs: i.scrollWidth, has: i.clientWidth}))"""


@contextlib.contextmanager
def script_app(script: str, logs: Path) -> Iterator[str]:
    """``streamlit run <script>`` (a page of the tests' own, no model server) on a free port; stopped by process group."""
    port = free_port()
    log = open(logs / "streamlit.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
        log.close()


@pytest.fixture(scope="module")
def form_url(tmp_path_factory):
    with script_app("tests/e2e/form_widths_app.py", tmp_path_factory.mktemp("form-widths")) as url:
        yield url


@pytest.mark.parametrize("width", [1024, 1400])
def test_every_number_box_shows_its_whole_value(browser, form_url, width):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    try:
        page.goto(form_url)
        expect(page.get_by_role("heading", name="Run a prediction")).to_be_visible(timeout=60_000)
        expect(page.locator("[data-testid='stNumberInput'] input")).to_have_count(3, timeout=60_000)
        settle(page)
        boxes = page.evaluate(BOXES_JS)
        assert sorted(b["value"] for b in boxes) == ["12345.678", "1234567", "711.15"]
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"form-{width}.png"))
        cut = [b for b in boxes if b["needs"] > b["has"]]
        assert not cut, f"at {width} px these values do not fit their boxes: {cut}"
        # a longer value typed in still fits
        box = page.locator("[data-testid='stNumberInput'] input").first
        box.fill("123456789.123456")
        box.press("Enter")
        settle(page)
        assert not [b for b in page.evaluate(BOXES_JS) if b["needs"] > b["has"]]
        # no choice made: the optional district's box says "unknown" (Streamlit draws it as the placeholder)
        expect(page.get_by_role("combobox", name="district")).to_have_attribute("placeholder", "unknown")
    finally:
        context.close()
