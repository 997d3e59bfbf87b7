"""Check a payload in a real browser: paste a broken payload, read the findings, take the corrected one.

The screenshot is saved under the test's tmp_path (and WORKBENCH_SHOTS, when set) to be looked at.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import choose, log_in, settle

pytestmark = pytest.mark.e2e


def test_payload_check_page_shows_findings_and_the_corrected_payload(page: Page, app_url: str, client, refs, tmp_path: Path):
    schema = client.schema(refs["tips"])
    row = schema.example(None)
    category = next(f for f in schema.features if f.categories)
    broken = {"data": {"names": list(row), "ndarray": [[("<b>Fem</b>" if k == category.name else v)
                                                        for k, v in row.items()]]}}
    page.goto(app_url)
    expect(page.get_by_text("These are demo users")).to_be_visible(timeout=90_000)  # 2 busy cores: a slow first paint
    log_in(page, "scientist", "scientist-demo")
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
    settle(page)
    page.get_by_role("link", name="Check a payload").click()
    expect(page.get_by_role("heading", name="Check a payload")).to_be_visible()
    choose(page, "payload_check-model", "tips")
    settle(page)
    area = page.locator(".st-key-payload_check-source-text textarea")
    area.fill(json.dumps(broken))
    area.press("Control+Enter")
    settle(page)
    expect(page.get_by_text("tips will not accept this payload as it is")).to_be_visible()
    expect(page.get_by_text("This is a Seldon v1 payload, but model 'tips' speaks V2")).to_be_visible()
    expect(page.get_by_text("'<b>Fem</b>' is not one of")).to_be_visible()  # shown as text, not bold HTML
    page.screenshot(path=str(tmp_path / "payload-check-findings.png"), full_page=True)
    page.get_by_role("tab", name="What the model expects").click()
    settle(page)
    page.screenshot(path=str(tmp_path / "payload-check-expects.png"), full_page=True)
    shots = os.environ.get("WORKBENCH_SHOTS")
    if shots:
        for name in ("payload-check-findings.png", "payload-check-expects.png"):
            (Path(shots) / name).write_bytes((tmp_path / name).read_bytes())
