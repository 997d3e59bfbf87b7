"""The alert timeline joins what the webhook stored with what Alertmanager holds now (no servers here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workbench.alerts.alertmanager_api import ActiveAlert
from workbench.alerts.errors import AlertmanagerUnavailable
from workbench.alerts.service import alert_timeline, monitor_link
from workbench.store.alerts import Notification, store_notifications

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


class HeldAlerts:
    """Alertmanager's ``/api/v2/alerts``, as a stand-in: the alerts it holds now, or down."""

    url = "http://alertmanager.test"

    def __init__(self, alerts: list[ActiveAlert] | None) -> None:
        self._alerts = alerts

    def alerts(self) -> list[ActiveAlert]:
        if self._alerts is None:
            raise AlertmanagerUnavailable(self.url, "connection refused")
        return self._alerts


def fired(fingerprint: str, model: str, status: str = "firing", **more) -> Notification:
    return Notification(fingerprint, T0, status, "ModelDrift", model, "warning", f"{model} drifted", **more)


def test_firing_silenced_resolved_and_ended_while_silenced(engine):
    store_notifications(engine, [
        fired("a1", "wine"), fired("b2", "tips"), fired("c3", "digits"),
        fired("c3", "digits", "resolved", ends_at=T0 + timedelta(minutes=5))])
    held = HeldAlerts([ActiveAlert("a1", {"alertname": "ModelDrift", "model": "wine"}, {}, T0, "active"),
                       ActiveAlert("d4", {"alertname": "ModelNoTraffic", "model": "tip-amount", "severity": "warning"},
                                   {"summary": "no calls"}, T0, "suppressed", ["s-1"])])
    rows = {r.model: r for r in alert_timeline(engine, alertmanager=held).rows}
    assert rows["wine"].state == "firing" and rows["wine"].deliveries == 1
    assert rows["digits"].state == "resolved" and rows["digits"].ends_at == T0 + timedelta(minutes=5)
    # b2 is no longer held by Alertmanager: it ended while nobody was told (a silence hides resolutions too)
    assert rows["tips"].state == "resolved" and rows["tips"].ends_at is None
    # held but never delivered here (an organisation's Alertmanager routes it elsewhere): listed from Alertmanager
    assert (rows["tip-amount"].state, rows["tip-amount"].deliveries, rows["tip-amount"].silenced_by) == (
        "silenced", 0, ["s-1"])
    assert [r.state for r in alert_timeline(engine, alertmanager=held).rows][:2] == ["firing", "silenced"]


def test_without_alertmanager_the_store_is_shown_as_it_is(engine):
    store_notifications(engine, [fired("a1", "wine")])
    timeline = alert_timeline(engine, alertmanager=HeldAlerts(None))
    assert [r.state for r in timeline.rows] == ["firing"] and "not reachable" in timeline.message


def test_each_alert_links_to_monitor_at_its_model_over_the_period_where_it_began():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    # the embedded MDS's minute windows: drift began two minutes before the alert fired
    assert monitor_link("wine", now - 20 * minute, lead=2 * minute, now=now) == "/monitor?model=wine&period=hour"
    assert monitor_link("wine", now - 59 * minute, lead=2 * minute, now=now) == "/monitor?model=wine&period=day"
    # a cluster's hour windows: an alert that fired just now began two hours ago
    assert monitor_link("wine", now - minute, lead=2 * hour, now=now) == "/monitor?model=wine&period=day"
    assert monitor_link("wine", now - 3 * 24 * hour, lead=2 * hour, now=now) == "/monitor?model=wine&period=week"
    assert monitor_link("wine", now - 9 * 24 * hour, lead=2 * hour, now=now) == "/monitor?model=wine&period=all"
    # a name that is not URL-safe stays one parameter; an alert without a model opens Monitor as it is
    assert monitor_link("a&b c", now, lead=minute, now=now) == "/monitor?model=a%26b+c&period=hour"
    assert monitor_link("", now, lead=minute, now=now) == "/monitor"
