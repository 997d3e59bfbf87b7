"""The Monitor page in AppTest over three days of logged calls and a two-minute burst, written to the store as
the sink writes them: the period the reader picks decides the windows, a burst keeps the history, counts agree,
the absurd request is the strangest, the model and the period stay in the address."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from logsink.simulate import draw_rows
from mds_client import read_reference
from tests.app.conftest import APP, TIMEOUT, page_path
from tests.app.helpers import metric_values, shown_tables, texts, unescape
from workbench.settings import get_settings
from workbench.store import open_store
from workbench.store.request_log import LogWrite, log_row, store_log
from workbench.ui import admin_simulation

MODEL = "wine"
HISTORY, BURST, ODD = 280, 1200, 600


def fill(ref, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Three days of calls ending ten minutes ago, then 1,200 in the last two minutes; burst call ``ODD`` sends
    alcohol 50 and magnesium 0 (Predict calls it unusual at a distance of about 45)."""
    reference = read_reference(ref.reference_data)
    rng = np.random.default_rng(11)
    start, quiet_end = now - timedelta(days=3), now - timedelta(minutes=10)
    times = [start + (quiet_end - start) * (i + 0.5) / HISTORY for i in range(HISTORY)]
    times += [now - timedelta(minutes=2) + timedelta(seconds=120 * i / BURST) for i in range(BURST)]
    frame = draw_rows(reference, len(times), rng)
    frame.loc[HISTORY + ODD, ["alcohol", "magnesium"]] = [50.0, 0.0]
    write = LogWrite()
    for i, (t, record) in enumerate(zip(times, frame.to_dict("records"), strict=True)):
        write.rows.append(log_row(model=ref.name, request_id=f"call-{i}", row_index=0, source="simulate", time=t,
                                  inputs=record, outputs={"label": "class_0"}, label="class_0",
                                  confidence=float(rng.uniform(0.6, 1.0)), status="ok",
                                  response_time=t + timedelta(milliseconds=float(rng.gamma(4, 5)))))
    store_log(open_store(get_settings().database_url), write)


@pytest.fixture
def burst(app_env, refs):  # type: ignore[no-untyped-def]
    fill(refs[MODEL], datetime.now(UTC))


def open_monitor(*, model: str = MODEL, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"model": model, **query})
    at.run()
    at.switch_page(page_path("monitor")).run(timeout=120)
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> dict[str, dict]:
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[str(spec["layout"].get("title", {}).get("text", ""))] = spec
    return out


@pytest.fixture
def monitor(burst, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", "")
    get_settings.cache_clear()
    return open_monitor


def test_a_burst_keeps_the_history_and_the_counts_agree(monitor):
    at = monitor()
    shown = texts(at)
    total = HISTORY + BURST + 0
    headline = re.search(r"([\d,]+) calls in the whole history, from .+ to .+ \(UTC\), in (\d+) windows of 12 hours\.",
                         shown)
    assert headline, shown[:600]
    assert int(headline.group(1).replace(",", "")) == total and 6 <= int(headline.group(2)) <= 8
    assert re.search(r"As of \d\d:\d\d:\d\d UTC", unescape(" ".join(str(m.value) for m in at.markdown)))
    assert "The charts over time start once two windows" not in shown  # the history is tested, window by window
    titles = charts(at)
    assert any(t.startswith("p-value per feature and window") for t in titles)
    assert any(t.startswith("Drift by feature and window") for t in titles)
    assert not re.search(r"p(-value)? = 0(?![.\d])", shown)  # never "p = 0"
    metrics = metric_values(at)
    assert metrics["Calls in the whole history"] == f"{total:,}"  # the one count of calls, the headline's
    assert "since the model server started" not in shown and "promql" not in shown.lower()
    accuracy = next(spec for t, spec in titles.items() if t.startswith("Accuracy"))
    estimated = next(tr for tr in accuracy["data"] if tr["name"] == "estimated from confidence")
    assert len(estimated["x"]) >= 6  # one point per tested window, none for windows of a handful of calls


def test_the_absurd_request_is_the_strangest(monitor):
    at = monitor()
    table = next(t for t in shown_tables(at) if "distance" in t.columns)
    first = table.iloc[0]
    assert first["request id"] == f"call-{HISTORY + ODD}" and first["outlier"] == "yes"
    assert float(str(first["distance"]).replace(",", "")) > 20  # far beyond every simulated call
    assert "Outliers are scored on every call." in texts(at)


def test_the_period_decides_the_windows_and_stays_in_the_address(monitor):
    at = monitor()
    at.radio(key="monitor.period").set_value("hour").run(timeout=120)
    assert not at.exception, at.exception
    shown = texts(at)
    assert re.search(r"[\d,]+ calls in the last hour, from .+ to .+ \(UTC\), in 1[23] windows of 5 minutes\.", shown)
    assert at.query_params["period"] == "hour" and at.query_params["model"] == MODEL
    metrics = metric_values(at)
    assert "Calls in the last hour" in metrics
    # the rate now: the burst's 1,200 calls over the last 5 minutes, not the hour's average
    assert float(metrics["Calls per second, last 5 minutes"]) >= BURST / 300


def test_a_link_opens_its_model_and_period_and_refuses_an_unknown_one(monitor):
    at = monitor(period="day")
    assert at.radio(key="monitor.period").value == "day" and at.selectbox(key="monitor.model").value == MODEL
    assert "calls in the last 24 hours" in texts(at)
    at = monitor(period="<script>alert(1)</script>" * 50)
    reason = [unescape(str(w.value)) for w in at.warning if "does not know" in str(w.value)]
    assert len(reason) == 1 and "all history instead" in reason[0] and len(reason[0]) < 300
    assert at.radio(key="monitor.period").value == "all"


def test_the_chosen_model_stays_in_the_address_across_reruns(monitor, refs):
    at = monitor()
    other = next(name for name, ref in refs.items() if name != MODEL and ref.reference_data is not None
                 and "test" not in ref.tags)
    at.selectbox(key="monitor.model").select(other).run(timeout=120)
    assert at.query_params["model"] == other
    at.run(timeout=120)  # a rerun (a timer, a widget) keeps the choice: the address no longer overrides it
    assert at.selectbox(key="monitor.model").value == other and at.query_params["model"] == other


class _Alive:
    def is_alive(self) -> bool:
        return True


def test_a_live_simulation_is_followed(monitor, monkeypatch):
    run = admin_simulation.LiveRun(MODEL, rate=10, seconds=60, drift="none")
    run.thread = _Alive()  # type: ignore[assignment]
    monkeypatch.setattr(admin_simulation, "_current", run)
    at = monitor()
    assert f"Following a live simulation of {MODEL}" in texts(at)
    assert not [t for t in at.toggle if t.key == "monitor.follow"]  # nothing to switch on: it follows already
