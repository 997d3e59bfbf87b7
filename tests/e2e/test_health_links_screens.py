"""Health in Chromium with a resolved alert from three days ago: its row's Monitor link opens Monitor at that model
on the windows where it fired (the period ends when it resolved), saying so by the "As of" line, with one click back
to now. Screens at 1024 and 1400 px are written to $SHOTS (default /tmp/h1shots) to look at."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from logsink.simulate import draw_rows
from mds_client import read_reference
from tests.e2e.conftest import drawn, log_in, running_app, settle, wait_for_cookie
from tests.e2e.test_sessions import COOKIE
from workbench.alerts.service import monitor_link
from workbench.store import open_store
from workbench.store.alerts import Notification, store_notifications
from workbench.store.request_log import LogWrite, log_row, store_log

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SHOTS", "/tmp/h1shots"))
MODEL, CALLS = "wine", 400


@pytest.fixture(scope="module")
def seeded(catalog_path, refs, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Four days of calls and one drift alert that fired three days ago and resolved 40 minutes later."""
    home = tmp_path_factory.mktemp("health_links")
    engine = open_store(f"sqlite:///{home / 'wb.db'}")
    now = datetime.now(UTC)
    rng = np.random.default_rng(5)
    frame = draw_rows(read_reference(refs[MODEL].reference_data), CALLS, rng)
    write = LogWrite()
    for i, record in enumerate(frame.to_dict("records")):
        t = now - timedelta(days=4) + timedelta(days=4) * (i + 0.5) / CALLS
        write.rows.append(log_row(model=MODEL, request_id=f"c{i}", row_index=0, source="simulate", time=t,
                                  inputs=record, outputs={"label": "class_0"}, label="class_0", confidence=0.8,
                                  status="ok", response_time=t + timedelta(milliseconds=12)))
    store_log(engine, write)
    starts = now - timedelta(days=3)
    alert = Notification(fingerprint="f1", starts_at=starts, ends_at=starts + timedelta(minutes=40),
                         status="resolved", alertname="ModelDrift", model=MODEL, severity="warning",
                         summary="Inputs drifted two windows in a row", labels={"model": MODEL})
    store_notifications(engine, [alert])
    with running_app(catalog_path, home, WORKBENCH_ALERTMANAGER_URL="", WORKBENCH_PROMETHEUS_URL="") as url:
        yield url, alert


@pytest.mark.parametrize("width", [1024, 1400])
def test_a_resolved_alert_opens_monitor_where_it_fired(seeded, page, width):
    url, alert = seeded
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(url)
    log_in(page, "scientist", "scientist-demo")
    settle(page)
    wait_for_cookie(page, COOKIE)  # Health is opened by URL: a new session that logs in by the cookie
    page.goto(f"{url}/health")
    settle(page)
    expect(page.get_by_text("Alerts over time", exact=True)).to_be_visible()  # not the chart's title, also drawn
    drawn(page)
    page.screenshot(path=str(SHOTS / f"health-{width}.png"), full_page=True)
    # the row's link (the table is drawn on a canvas: its href is the one Health builds for this row)
    link = monitor_link(MODEL, alert.starts_at, lead=timedelta(hours=2), ends_at=alert.ends_at)
    assert "until=" in link
    page.goto(url + link)
    settle(page)
    expect(page.get_by_text(re.compile(r"a fixed time from the link \(not now\)"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"calls in the [\w ]+ to \d\d \w+ \d\d"))).to_be_visible()
    expect(page.get_by_role("checkbox", name="Follow new calls")).to_have_count(0)
    drawn(page)
    page.screenshot(path=str(SHOTS / f"monitor-until-{width}.png"), full_page=True)
    page.get_by_role("button", name="Back to now").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"fixed time from the link"))).to_have_count(0)
    expect(page.get_by_text("Follow new calls")).to_be_visible()
    assert "until=" not in page.url
