"""The Monitor page in Chromium over three quiet days and a two-minute burst, and over thirty days of simulated
traffic; screenshots kept.

Rows are drawn as `mds simulate` draws them (reference resampled and jittered, one feature shifted
on the last day) and written through the store's bulk insert, so that thirty days take seconds.
What a person would see at once is asserted: the burst keeps the history's half-day windows, the last
hour is cut in 5-minute windows, no number or label is cut short at 1024 or 1400 px.
The screenshots land in pytest's tmp folder (and ``$SCREEN_DIR`` when set).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from logsink.simulate import Drift, apply_drift, draw_rows
from mds_client import read_reference
from tests.e2e.conftest import drawn, running_app, settle
from workbench.store import open_store
from workbench.store.request_log import LogWrite, log_row, store_log

pytestmark = pytest.mark.e2e
WIDTHS = (1024, 1400)


def fill(db: str, ref, days: int, rows: int, *, burst: int = 0) -> None:  # type: ignore[no-untyped-def]
    """``rows`` calls over ``days`` up to now, then (``burst``) that many more in the last two minutes."""
    reference = read_reference(ref.reference_data)
    rng = np.random.default_rng(3)
    now = datetime.now(UTC)
    end = now - timedelta(minutes=10) if burst else now
    times = [now - timedelta(days=days) + ((end - now + timedelta(days=days)) / rows) * (i + 0.5) for i in range(rows)]
    times += [now - timedelta(minutes=2) + timedelta(seconds=120 * i / burst) for i in range(burst)]
    frame = draw_rows(reference, len(times), rng)
    mask = np.array([t >= now - timedelta(days=1) for t in times])
    numeric = [c for c in reference.columns if reference[c].dtype.kind == "f"]
    frame = apply_drift(frame, reference, Drift(numeric[0], 2.0), mask, rng)
    write = LogWrite()
    for i, (t, record) in enumerate(zip(times, frame.to_dict("records"), strict=True)):
        write.rows.append(log_row(model=ref.name, request_id=f"s{i}", row_index=0, source="simulate", time=t,
                                  inputs=record, label="x", confidence=float(rng.uniform(0.6, 1.0)), status="ok",
                                  response_time=t + timedelta(milliseconds=float(rng.gamma(4, 5)))))
    store_log(open_store(db), write)


CUT_JS = """() => {
  const out = [];
  document.querySelectorAll("[data-testid='stMetricLabel'], [data-testid='stMetricValue']").forEach(box => {
    [box, ...box.querySelectorAll('*')].forEach(el => {
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) out.push(box.innerText.trim());
    });
  });
  return [...new Set(out)];
}"""


def at_widths(page, widths: tuple[int, ...] = WIDTHS, height: int = 3400):  # type: ignore[no-untyped-def]
    """Narrow (or widen) the window to each of ``widths`` in turn, yielding the width once the charts have laid
    themselves out again there."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": height})
        drawn(page)
        yield width


def cut_short(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The metric labels and values the page cuts to "Calls in the last ..." (an ellipsis where text ran out)."""
    return page.evaluate(CUT_JS)


@pytest.mark.parametrize("days,rows,burst,width_words", [(3, 280, 1200, "12 hours"), (30, 6000, 0, "a day")])
def test_monitor_screens(browser, catalog_path, refs, tmp_path: Path, days: int, rows: int, burst: int,
                         width_words: str):
    ref = next(r for r in refs.values() if r.reference_data is not None)  # the page's default model
    db = f"sqlite:///{tmp_path / 'wb.db'}"
    fill(db, ref, days, rows, burst=burst)
    name = f"{days}d" + ("-burst" if burst else "")
    with running_app(catalog_path, tmp_path, WORKBENCH_AUTH="off", WORKBENCH_DATABASE_URL=db,
                     WORKBENCH_PROMETHEUS_URL="") as url:
        page = browser.new_context(viewport={"width": WIDTHS[0], "height": 3400}).new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{url}/monitor?model={ref.name}")
        expect(page.get_by_role("heading", name="Watch a model's health")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Every view of drift on this page uses this threshold")).to_be_visible(timeout=120_000)
        settle(page, timeout=120_000)
        # one page, its window narrowed at each step: the app draws the same whatever the width
        for width in at_widths(page):
            page.screenshot(path=str(tmp_path / f"monitor-{name}-{width}.png"), full_page=True)
            # the whole history in windows fitted to it, however dense its last two minutes
            expect(page.get_by_text(re.compile(f"calls in the whole history, .* windows of {width_words}"))).to_be_visible()
            expect(page.get_by_text(re.compile(r"As of \d\d:\u2060?\d\d:\u2060?\d\d UTC"))).to_be_visible()
        page.get_by_role("tab", name="Calls, errors and latency").click()
        settle(page, timeout=120_000)
        for width in at_widths(page):
            page.screenshot(path=str(tmp_path / f"monitor-{name}-{width}-health.png"), full_page=True)
            assert cut_short(page) == [], f"cut at {width} px"
        if burst:  # the last hour: the burst in 5-minute windows, its calls counted once
            page.get_by_text("Last hour", exact=True).click()
            settle(page, timeout=120_000)
            expect(page.get_by_text(re.compile(r"calls in the last hour, .* windows of 5 minutes"))).to_be_visible()
            # the open tab stays open, though notices above the tabs came or went, and the URL names it
            expect(page.get_by_text("Calls in the last hour", exact=True)).to_be_visible()
            assert "tab=Calls" in page.url
            for width in at_widths(page):
                page.screenshot(path=str(tmp_path / f"monitor-{name}-{width}-hour.png"), full_page=True)
                assert cut_short(page) == [], f"cut at {width} px over the last hour"
            assert "period=hour" in page.url and f"model={ref.name}" in page.url
        page.context.close()
        if os.environ.get("SCREEN_DIR"):
            for png in tmp_path.glob("*.png"):
                (Path(os.environ["SCREEN_DIR"]) / png.name).write_bytes(png.read_bytes())
