"""The Monitor page in Chromium over one day and over thirty days of simulated traffic; screenshots kept.

Rows are drawn as `mds simulate` draws them (reference resampled and jittered, one feature shifted
on the last day) and written through the store's bulk insert, so that thirty days take seconds.
The screenshots land in pytest's tmp folder (and docs/ with WORKBENCH_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from logsink.simulate import Drift, apply_drift, draw_rows
from mds_client import read_reference
from tests.e2e.conftest import REPO, free_port, settle, wait_healthy
from workbench.store import open_store
from workbench.store.request_log import LogWrite, log_row, store_log

pytestmark = pytest.mark.e2e


def fill(db: str, ref, days: int, rows: int) -> None:  # type: ignore[no-untyped-def]
    reference = read_reference(ref.reference_data)
    rng = np.random.default_rng(3)
    frame = draw_rows(reference, rows, rng)
    now = datetime.now(UTC)
    times = [now - timedelta(days=days) + (timedelta(days=days) / rows) * (i + 0.5) for i in range(rows)]
    mask = np.array([t >= now - timedelta(days=1) for t in times])
    numeric = [c for c in reference.columns if reference[c].dtype.kind == "f"]
    frame = apply_drift(frame, reference, Drift(numeric[0], 2.0), mask, rng)
    write = LogWrite()
    for i, (t, record) in enumerate(zip(times, frame.to_dict("records"), strict=True)):
        write.rows.append(log_row(model=ref.name, request_id=f"s{i}", row_index=0, source="simulate", time=t,
                                  inputs=record, label="x", confidence=float(rng.uniform(0.6, 1.0)), status="ok",
                                  response_time=t + timedelta(milliseconds=float(rng.gamma(4, 5)))))
    store_log(open_store(db), write)


@pytest.mark.parametrize("days,rows", [(1, 1500), (30, 6000)])
def test_monitor_screens(browser, catalog_path, refs, tmp_path: Path, days: int, rows: int):
    ref = next(r for r in refs.values() if r.reference_data is not None)  # the page's default model
    db = f"sqlite:///{tmp_path / 'wb.db'}"
    fill(db, ref, days, rows)
    port = free_port()
    env = {**os.environ, "WORKBENCH_CATALOG": str(catalog_path), "WORKBENCH_AUTH": "off",
           "WORKBENCH_DATABASE_URL": db, "PYTHONPATH": str(REPO), "WORKBENCH_PROMETHEUS_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "workbench/app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=(tmp_path / "streamlit.log").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        for width in (1024, 1400):
            page = browser.new_context(viewport={"width": width, "height": 3400}).new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{url}/monitor")
            expect(page.get_by_role("heading", name="Watch a model's health")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Every view of drift on this page uses this threshold")).to_be_visible(timeout=120_000)
            settle(page, timeout=120_000)
            page.wait_for_timeout(1500)  # plotly draws after the script run
            shot = tmp_path / f"monitor-{days}d-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            page.get_by_role("tab", name="Calls, errors and latency").click()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(tmp_path / f"monitor-{days}d-{width}-health.png"), full_page=True)
            width_words = "an hour" if days == 1 else "a day"  # windows fitted to the span: hours for a day
            expect(page.get_by_text(f"windows of {width_words}.")).to_be_visible()
            page.context.close()
            if os.environ.get("SCREEN_DIR"):
                for png in tmp_path.glob("*.png"):
                    (Path(os.environ["SCREEN_DIR"]) / png.name).write_bytes(png.read_bytes())
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
