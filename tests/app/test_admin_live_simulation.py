"""Admin starts a bounded live simulation in the background and stops it; removes the demo traffic."""

from __future__ import annotations

import time

import pytest

from tests.logsink.conftest import start_sink, stop_sink
from workbench.store.traffic import log_summary
from workbench.ui import admin_simulation


@pytest.fixture
def sink_for_app(tmp_path, catalog_path, monkeypatch):
    (tmp_path / "sink").mkdir()
    sink = start_sink(tmp_path / "sink", catalog_path)
    # The session's catalog names no sink (logger_url empty), so the live run goes to the default: this one.
    monkeypatch.setattr("workbench.ui.admin_simulation.DEFAULT_SINK", sink.url)
    yield sink
    admin_simulation.stop()
    stop_sink(sink)


def test_admin_live_simulation_runs_bounded_and_stops(logged_in, sink_for_app):
    at = logged_in("admin", "admin")
    assert not at.exception, at.exception
    model = at.selectbox(key="admin.live.model")
    chosen = model.value
    at.number_input(key="admin.live.rate").set_value(10.0)
    at.number_input(key="admin.live.seconds").set_value(30)
    at.button(key="admin.live.start").click().run()
    assert not at.exception, at.exception
    run = admin_simulation.current()
    assert run is not None and run.model == chosen
    deadline = time.monotonic() + 60
    while run.calls < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert run.calls >= 3, run.error
    at.run()
    assert any("so far" in i.value for i in at.info)
    at.button(key="admin.live.stop").click().run()
    assert not at.exception, at.exception
    assert not run.running and run.calls < 300, "stopped long before its 30 s at 10/s"
    logged = log_summary(sink_for_app.engine(), chosen, include_workbench=False).total
    assert logged >= 3


def test_live_simulation_refuses_unbounded_runs(refs):
    from mds_client import MDSError

    ref = next(r for r in refs.values() if r.reference_data is not None)
    with pytest.raises(MDSError, match="at most"):
        admin_simulation.start(ref, rate=1000, seconds=10)
    with pytest.raises(MDSError, match="at most"):
        admin_simulation.start(ref, rate=5, seconds=100_000)


def test_the_status_redraws_itself_only_while_a_run_goes():
    running = {"model": "m", "rate": 5.0, "seconds": 30, "drift": "none", "calls": 1, "running": True, "error": ""}
    assert admin_simulation.refresh_every(running) == admin_simulation.REFRESH_SECONDS
    assert admin_simulation.refresh_every({**running, "running": False}) is None
    assert admin_simulation.refresh_every(None) is None


def status_app():
    import streamlit as st

    from components.demo_traffic import render_live_status

    render_live_status(st.session_state["s.status"], key="s")


@pytest.mark.parametrize(("calls", "drift", "words"), [
    (1, "none", "Sending to m: 1 call so far at 5 a second for 30 seconds, no drift."),
    (12, "alcohol +2 sd", "Sending to m: 12 calls so far at 5 a second for 30 seconds, drift in alcohol +2 sd."),
])
def test_the_live_status_reads_as_a_sentence(calls, drift, words):
    from streamlit.testing.v1 import AppTest

    from tests.app.helpers import unescape

    at = AppTest.from_function(status_app)
    at.session_state["s.status"] = {"model": "m", "rate": 5.0, "seconds": 30, "drift": drift, "calls": calls,
                                    "running": True, "error": ""}
    at.run()
    assert unescape(at.info[0].value).startswith(words)


def test_admin_offers_to_remove_demo_traffic_only_while_there_is_some(logged_in):
    from datetime import UTC, datetime

    from workbench.store.request_log import LogWrite, log_row, store_log
    from workbench.ui import resources

    at = logged_in("admin", "admin")
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "admin.demo.clear"]
    assert any("No demo traffic is logged" in c.value for c in at.caption)

    now = datetime.now(UTC)
    store_log(resources.engine(), LogWrite(rows=[
        log_row(model="m", request_id=f"d{i}", row_index=0, source="simulate", time=now, inputs={"x": i}, tag=tag)
        for i, tag in enumerate(["demo", "demo", None])]))
    at.run()
    at.button(key="admin.demo.clear").click().run()
    assert not at.exception, at.exception
    assert any("Removed 2 demo instances" in s.value for s in at.success)
    at.run()  # the one untagged call stays, and the button is gone with the demo traffic
    assert not [b for b in at.button if b.key == "admin.demo.clear"]
    assert at.number_input(key="admin.live.shift").proto.disabled  # no feature drifts: no shift to set
    feature = at.selectbox(key=f"admin.live.feature.{at.selectbox(key='admin.live.model').value}")
    feature.set_value(feature.options[1]).run()
    assert not at.number_input(key="admin.live.shift").proto.disabled


def live_form_app():  # type: ignore[no-untyped-def]
    from components.demo_traffic import render_live_form

    render_live_form({"m": ["income", "age"]}, max_rate=50.0, max_seconds=600, key="f")


def test_drift_in_the_live_form_says_when_its_alert_fires_and_resolves():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(live_form_app).run()
    assert at.number_input(key="f.seconds").value == 300  # long enough to watch the alert fire, then resolve
    assert not [c for c in at.caption if "ModelDrift" in c.value]  # no drift, no alert to expect
    at.selectbox(key="f.feature.m").set_value("income").run()
    (hint,) = [c.value for c in at.caption if "ModelDrift" in c.value]
    assert "fires about 2 minutes after the start" in hint and "resolves about 2 minutes after" in hint
