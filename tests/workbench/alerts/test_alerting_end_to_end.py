"""Drift makes ModelDrift fire in a real Prometheus, Alertmanager posts it to the webhook, the store keeps it
once however often it is posted, the model's state and `mds alerts list` say so, a silence quiets it
(audited), and it resolves when the drift stops."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.alerting_fixture import TOKEN, health
from workbench.alerts import service
from workbench.alerts.alertmanager_api import AlertmanagerAPI
from workbench.cli import main as mds
from workbench.settings import Settings, get_settings
from workbench.store import audit
from workbench.store.alerts import notifications

TIMEOUT = (2, 10)


def wait_for(what, check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {seconds:g} s"
        time.sleep(0.25)


def stored(stack, alertname: str, status: str) -> list:
    return [n for n in notifications(stack.engine) if n.alertname == alertname and n.status == status]


@pytest.fixture
def settings(alerting) -> Settings:
    return Settings(prometheus_url=alerting.prometheus_url, alertmanager_url=alerting.alertmanager_url,
                    database_url=alerting.database_url)


def test_drift_fires_reaches_the_store_once_shows_everywhere_and_resolves(alerting, settings, monkeypatch, capsys):
    stack = alerting
    stack.set(health("wine"), health("tips"))
    # one drifting window is an early sign, not an alert
    stack.set(health("wine", last={"drifting_features": 2, "min_p_value": 1e-6}), health("tips"))
    states, message = wait_for("the early sign", lambda: (
        (s := service.health_states(["wine", "tips"], settings=settings))[0]["wine"].state == "warning" and s))
    assert message == "" and "last window drifted (2 features)" in states["wine"].why
    assert states["tips"].state == "healthy"

    # a second drifting window: ModelDrift fires, Alertmanager posts it, it is stored
    stack.set(health("wine", last={"drifting_features": 2}, previous={"drifting_features": 1}), health("tips"))
    (firing,) = wait_for("the firing notification", lambda: stored(stack, "ModelDrift", "firing"))
    assert firing.model == "wine" and firing.severity == "warning"
    assert firing.summary == "wine: its inputs drifted two windows in a row (drifting features in the last one: 2)."
    assert firing.annotations["runbook"].startswith("Open Monitor") and firing.annotations["monitor"] == "/monitor?model=wine"
    # Alertmanager repeats itself (repeat_interval 2 s): stored once, each delivery counted
    wait_for("a repeated delivery", lambda: stored(stack, "ModelDrift", "firing")[0].deliveries >= 2, 20)
    assert len(stored(stack, "ModelDrift", "firing")) == 1

    states, _ = service.health_states(["wine", "tips"], settings=settings)
    assert (states["wine"].state, states["wine"].why) == ("firing", firing.summary)
    timeline = service.alert_timeline(stack.engine, settings=settings)
    (row,) = [r for r in timeline.rows if r.alertname == "ModelDrift"]
    assert (row.state, row.model, row.monitor_link) == ("firing", "wine", "/monitor?model=wine&period=day")

    monkeypatch.setenv("WORKBENCH_DATABASE_URL", stack.database_url)
    monkeypatch.setenv("WORKBENCH_ALERTMANAGER_URL", stack.alertmanager_url)
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", stack.prometheus_url)
    get_settings.cache_clear()
    try:
        assert mds(["alerts", "list", "--json"]) == 0
        listed = [a for a in json.loads(capsys.readouterr().out) if a["model"] == "wine"]
        assert [(a["alert"], a["state"]) for a in listed] == [("ModelDrift", "firing")]

        # a silence through Alertmanager: the state says so, the audit log says who, why and until when
        monkeypatch.setenv("WORKBENCH_USER", "dana")
        assert mds(["alerts", "silence", "wine", "--alert", "ModelDrift", "--for", "2h", "--comment",
                    "retraining tonight"]) == 0
        assert "Silenced ModelDrift of wine" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    states = wait_for("the silence", lambda: (
        (s := service.health_states(["wine"], settings=settings)[0])["wine"].state == "warning" and s))
    assert "silenced until" in states["wine"].why
    (event,) = audit.events(stack.engine, action=service.SILENCED)
    assert (event.user, event.model, event.detail["comment"]) == ("dana", "wine", "retraining tonight")
    assert event.detail["alertname"] == "ModelDrift"

    # the silence ends (Alertmanager tells no one of what a silence covers, a resolution neither)
    with AlertmanagerAPI(stack.alertmanager_url) as am:
        (quiet,) = [q for q in am.silences() if q.state == "active"]
        assert (quiet.created_by, quiet.comment, quiet.matchers) == (
            "dana", "retraining tonight", {"model": "wine", "alertname": "ModelDrift"})
        service.unsilence(stack.engine, user="dana", silence_id=quiet.id, model="wine", alertmanager=am)
    assert audit.events(stack.engine, action=service.UNSILENCED)[0].detail == {"silence_id": quiet.id}

    # the drift stops: resolved, stored once beside the firing one, and the model is healthy again
    stack.set(health("wine"), health("tips"))
    (resolved,) = wait_for("the resolved notification", lambda: stored(stack, "ModelDrift", "resolved"), 40)
    assert resolved.starts_at == firing.starts_at and resolved.ends_at >= resolved.starts_at
    timeline = service.alert_timeline(stack.engine, settings=settings)
    (row,) = [r for r in timeline.rows if r.alertname == "ModelDrift"]
    assert row.state == "resolved" and row.ends_at == resolved.ends_at
    wait_for("healthy again", lambda: service.health_states(["wine"], settings=settings)[0]["wine"].state == "healthy")


def test_the_webhook_refuses_strangers_and_bad_bodies_and_counts_them(alerting):
    url = alerting.exporter_url + "/alerts"
    body = {"version": "4", "receiver": "workbench", "status": "firing", "alerts": [{
        "status": "firing", "labels": {"alertname": "ModelNoTraffic", "model": "digits"}, "annotations": {},
        "startsAt": "2026-12-01T10:00:00.123Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "f00d"}]}
    assert requests.post(url, json=body, timeout=TIMEOUT).status_code == 401
    assert requests.post(url, json=body, headers={"Authorization": "Bearer wrong"}, timeout=TIMEOUT).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad = requests.post(url, data=b"{not json", headers=auth, timeout=TIMEOUT)
    assert bad.status_code == 400 and bad.json()["error"] == "not_json"
    wrong = requests.post(url, json={"version": "4", "alerts": [{"status": "maybe"}]}, headers=auth, timeout=TIMEOUT)
    assert wrong.status_code == 400 and "alerts.0.status" in wrong.json()["message"]
    first = requests.post(url, json=body, headers=auth, timeout=TIMEOUT).json()
    again = requests.post(url, json=body, headers=auth, timeout=TIMEOUT).json()
    assert (first, again) == ({"stored": 1, "repeated": 0}, {"stored": 0, "repeated": 1})
    (kept,) = [n for n in notifications(alerting.engine) if n.fingerprint == "f00d"]
    assert kept.deliveries == 2 and kept.starts_at == datetime(2026, 12, 1, 10, 0, 0, 123000, tzinfo=UTC)
    metrics = requests.get(alerting.exporter_url + "/metrics", timeout=TIMEOUT).text
    assert 'mds_alert_webhook_rejected_total{reason="unauthorised"} 2.0' in metrics
    assert 'mds_alert_webhook_rejected_total{reason="not_json"} 1.0' in metrics


def test_silences_are_checked_before_alertmanager_is_asked(alerting):
    am = AlertmanagerAPI(alerting.alertmanager_url)
    with pytest.raises(service.AlertsError, match="Say why"):
        service.silence(alerting.engine, user="ana", model="wine", alertname=None,
                        until=datetime.now(UTC) + timedelta(hours=1), comment=" ", alertmanager=am)
    with pytest.raises(service.AlertsError, match="has passed"):
        service.silence(alerting.engine, user="ana", model="wine", alertname=None,
                        until=datetime.now(UTC) - timedelta(hours=1), comment="why", alertmanager=am)


def test_alertmanager_down_is_named_and_the_rest_still_answers(alerting, tmp_path):
    settings = Settings(home=tmp_path, prometheus_url=alerting.prometheus_url, alertmanager_url="http://127.0.0.1:9",
                        database_url=alerting.database_url)
    states, message = service.health_states(["wine"], settings=settings)
    assert "Alertmanager at http://127.0.0.1:9 is not reachable" in message and states["wine"].state != "unknown"
    timeline = service.alert_timeline(alerting.engine, settings=settings)
    assert "not reachable" in timeline.message  # the stored notifications are still listed
    nothing = Settings(home=tmp_path, prometheus_url="http://127.0.0.1:9", alertmanager_url="http://127.0.0.1:9")
    states, message = service.health_states(["wine"], settings=nothing)
    assert states["wine"].state == "unknown" and "Prometheus at http://127.0.0.1:9" in message
    assert states["wine"].why == "Neither Prometheus nor Alertmanager answered."
