"""The Health page and the Models page's health lines, against a real Prometheus and Alertmanager.

A firing alert (slow answers of ``tip-amount``, set through the alerting stack's exporter) shows on Models in
one line and on Health in the list, the timeline and the table that opens Monitor at the model; a data
scientist silences it and changes the model's latency objective, both recorded in the audit log.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.alerting_fixture import health
from tests.app.conftest import APP, TIMEOUT, page_path
from tests.app.helpers import shown_tables, texts
from workbench.settings import get_settings
from workbench.store import audit, open_store
from workbench.store.alerts import notifications

MODEL = "tip-amount"


@pytest.fixture
def slow_model(alerting, app_env, monkeypatch):
    """tip-amount answers slowly and its alert has reached the store of this app."""
    monkeypatch.setenv("WORKBENCH_ALERTMANAGER_URL", alerting.alertmanager_url)
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", alerting.prometheus_url)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", alerting.database_url)
    get_settings.cache_clear()
    alerting.set(health(MODEL, last={"latency_p95_seconds": 2.5}))
    deadline = time.monotonic() + 30
    while not [n for n in notifications(alerting.engine, model=MODEL) if n.status == "firing"]:
        assert time.monotonic() < deadline, "the latency alert did not reach the store"
        time.sleep(0.25)
    yield alerting
    alerting.set()


def test_a_firing_alert_shows_on_models_and_health_and_can_be_silenced(slow_model, logged_in):
    at = logged_in("analyst")  # Models, as an analyst: the line says why; Monitor is not theirs to open
    shown = texts(at)
    assert "Alert firing" in shown and "tip-amount: 95% of its answers took up to 2.5s" in shown, shown

    at = logged_in("scientist", "health")
    assert not at.exception, at.exception
    assert at.title[0].value == "See which models need attention"
    assert "1 model firing" in texts(at)
    (table,) = [t for t in shown_tables(at) if "alert" in t.columns]
    row = table[table["model"] == MODEL].iloc[0]
    assert (row["state"], row["alert"], row["monitor"]) == (
        "firing", "ModelLatencyHigh", "/monitor?model=tip-amount&period=day")  # hour windows: began 2 h before

    at.selectbox(key="health.silence.alert").set_value((MODEL, "ModelLatencyHigh"))
    at.text_input(key="health.silence.why").input("new node pool tonight")
    next(b for b in at.button if b.label == "Silence").click().run()
    assert not at.exception, at.exception
    assert "Silenced ModelLatencyHigh of tip-amount for 4 hours" in texts(at)
    (event,) = audit.events(open_store(slow_model.database_url), action="alert silenced", model=MODEL)
    assert (event.user, event.detail["comment"]) == ("scientist", "new node pool tonight")


def test_a_data_scientist_changes_a_models_rule_and_a_bad_value_is_refused(slow_model, logged_in):
    at = logged_in("scientist", "health")
    at.selectbox(key="health.rules.model").set_value(MODEL).run()
    at.selectbox(key="health.rules.rule").set_value("Error rate high").run()
    at.number_input(key="health.rules.ModelErrorRateHigh.threshold").set_value(3.0)
    next(b for b in at.button if b.label == "Save for this model").click().run()
    assert "threshold 3 is out of range" in texts(at)

    at.selectbox(key="health.rules.rule").set_value("Slow answers (p95)").run()
    at.number_input(key="health.rules.ModelLatencyHigh.threshold").set_value(3.0)
    next(b for b in at.button if b.label == "Save for this model").click().run()
    assert not at.exception and at.success, [e.value for e in at.error]
    (event,) = audit.events(open_store(slow_model.database_url), action="alert rule changed", model=MODEL)
    assert event.user == "scientist" and event.detail["after"]["threshold"] == 3.0


def test_each_alert_opens_monitor_at_its_model_and_the_window_it_began(slow_model, logged_in, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HEALTH_WINDOW_SECONDS", "60")  # the embedded MDS's minute windows
    get_settings.cache_clear()
    at = logged_in("scientist", "health")
    (table,) = [t for t in shown_tables(at) if "alert" in t.columns]
    link = urlsplit(table[table["model"] == MODEL].iloc[0]["monitor"])
    assert link.path == "/monitor" and parse_qs(link.query) == {"model": [MODEL], "period": ["hour"]}

    # the link, followed: Monitor opens at that model over that period
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({k: v[0] for k, v in parse_qs(link.query).items()})
    at.run()
    at.switch_page(page_path("monitor")).run(timeout=120)
    assert not at.exception, at.exception
    assert at.selectbox(key="monitor.model").value == MODEL and at.radio(key="monitor.period").value == "hour"
    assert at.query_params["period"] == "hour" and at.query_params["model"] == MODEL


def test_analysts_cannot_open_health(logged_in):
    at = logged_in("analyst")
    with pytest.raises(ValueError):
        at.switch_page(page_path("health"))
