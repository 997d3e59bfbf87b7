"""What the Health page, the Models page and ``mds alerts`` ask: alerts on a timeline, model states, silences.

- `alert_timeline`: every alert the webhook stored (one row per alert occurrence: when it fired, when it
  resolved), joined with what Alertmanager holds now (silenced or not; an alert not delivered yet, or from
  an organisation's Alertmanager whose receivers are not the workbench); a message says what could not
  be read, and the rest is shown; each row links to Monitor at its model over the period that holds where
  the trouble began (`monitor_link`);
- `health_states`: each model's state (`model_state`) from Alertmanager, Prometheus's pending alerts and
  the early signs in the health metrics;
- `silence` / `unsilence`: through Alertmanager's silences API, recorded in the audit log before they are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Engine

from embedded_mds.alerting import DEMO_WINDOW_SECONDS
from workbench.alerts.alertmanager_api import ActiveAlert, AlertmanagerAPI, alertmanager_url, configured_alertmanager
from workbench.alerts.errors import AlertsError
from workbench.alerts.model_state import ModelState, SeenAlert, states
from workbench.monitor import prometheus_api
from workbench.monitor.prometheus_errors import PrometheusError
from workbench.monitor.until import UNTIL_PARAM, link_time
from workbench.monitor.windows import PERIODS
from workbench.settings import Settings, get_settings
from workbench.store import audit
from workbench.store.alerts import notifications
from workbench.time_text import when

SILENCED, UNSILENCED = "alert silenced", "silence expired"
MAX_SILENCE = timedelta(days=90)
EARLY_DRIFT = 'max by (model) (mds_model_drifting_features{window="last"}) > 0'


@dataclass(frozen=True)
class AlertRow:
    """One occurrence of one alert: from when it fired to when it resolved (None: still firing)."""

    model: str
    alertname: str
    severity: str
    state: str
    """firing | silenced | resolved"""
    summary: str
    runbook: str
    starts_at: datetime
    ends_at: datetime | None
    fingerprint: str
    deliveries: int = 0
    """How many times Alertmanager posted it (0: not delivered to the workbench, read from Alertmanager)."""
    silenced_by: list[str] = field(default_factory=list)
    lead: timedelta = timedelta(hours=2)
    """How long before it fired the trouble began: two health windows (ModelDrift needs two drifting ones)."""

    @property
    def monitor_link(self) -> str:
        return monitor_link(self.model, self.starts_at, lead=self.lead, ends_at=self.ends_at)

    def as_dict(self) -> dict[str, object]:
        return {"model": self.model, "alert": self.alertname, "severity": self.severity, "state": self.state,
                "summary": self.summary, "runbook": self.runbook, "started": self.starts_at.isoformat(),
                "ended": self.ends_at.isoformat() if self.ends_at else None, "fingerprint": self.fingerprint,
                "deliveries": self.deliveries, "silenced_by": self.silenced_by, "monitor": self.monitor_link}


def monitor_link(model: str, starts_at: datetime, *, lead: timedelta, now: datetime | None = None,
                 ends_at: datetime | None = None) -> str:
    """Monitor at ``model`` over the shortest period (`PERIODS`) that still holds the alert's start and the
    ``lead`` before it, where the trouble began: ``/monitor?model=wine&period=hour``. A resolved alert's
    (``ends_at``) period ends when it resolved (``&until=2026-12-05T14:00Z``), so that one from days ago opens
    on the windows where it fired; a firing one's ends now, and the page can follow new calls."""
    if not model:
        return "/monitor"
    until = link_time(ends_at) if ends_at else None  # rounded up to the minute: the period measured to it
    span = (datetime.fromisoformat(until) if until else now or datetime.now(UTC)) - (starts_at - lead)
    period = next((p.key for p in PERIODS.values() if p.length is not None and span <= p.length), "all")
    query = {"model": model, "period": period} | ({UNTIL_PARAM: until} if until else {})
    return "/monitor?" + urlencode(query)


def health_window(settings: Settings | None = None) -> timedelta:
    """The width of the windows the alerts were measured on: the embedded MDS's minute when its Alertmanager is
    the one read, else ``WORKBENCH_HEALTH_WINDOW_SECONDS`` (an organisation's exporter)."""
    settings = settings or get_settings()
    embedded = not settings.alertmanager_url and alertmanager_url(settings) is not None
    return timedelta(seconds=DEMO_WINDOW_SECONDS if embedded else settings.health_window_seconds)


@dataclass
class Timeline:
    rows: list[AlertRow]
    alertmanager_url: str | None
    message: str = ""


def alert_timeline(engine: Engine, *, since: datetime | None = None, settings: Settings | None = None,
                   alertmanager: AlertmanagerAPI | None = None) -> Timeline:
    """Alerts that fired since ``since`` (default: a week), newest first, firing ones before resolved ones."""
    since = since or datetime.now(UTC) - timedelta(days=7)
    occurrences: dict[tuple[str, datetime], AlertRow] = {}
    for n in sorted(notifications(engine, since=since, limit=5000), key=lambda n: n.status == "resolved"):
        key = (n.fingerprint, n.starts_at)
        seen = occurrences.get(key)
        deliveries = n.deliveries + (seen.deliveries if seen else 0)
        resolved = n.status == "resolved"
        occurrences[key] = AlertRow(
            n.model or "", n.alertname, n.severity, "resolved" if resolved else "firing", n.summary,
            n.annotations.get("runbook", ""), n.starts_at, n.ends_at if resolved else None, n.fingerprint, deliveries)
    url, message = None, ""
    try:
        am = alertmanager or configured_alertmanager(settings)
        url = am.url
        active = am.alerts()
    except AlertsError as exc:
        active, message = [], str(exc)
    if url is not None and not message:
        # Alertmanager tells no one that a silenced alert resolved: a stored firing alert it no longer holds has
        # ended (when is not known). Prometheus re-sends what still fires every minute, so none is missed.
        holding = {a.fingerprint for a in active}
        for key, row in list(occurrences.items()):
            if row.state == "firing" and row.fingerprint not in holding:
                occurrences[key] = replace(row, state="resolved")
    for alert in active:
        key = (alert.fingerprint, alert.starts_at.replace(microsecond=alert.starts_at.microsecond // 1000 * 1000))
        match = occurrences.get(key) or next((r for k, r in occurrences.items() if k[0] == alert.fingerprint
                                              and abs((k[1] - alert.starts_at).total_seconds()) < 1), None)
        state = "silenced" if alert.silenced_by else "firing"
        if match is not None:
            occurrences[(match.fingerprint, match.starts_at)] = AlertRow(
                match.model, match.alertname, match.severity, state, match.summary, match.runbook, match.starts_at,
                None, match.fingerprint, match.deliveries, alert.silenced_by)
        elif alert.starts_at >= since:
            occurrences[key] = _from_alertmanager(alert, state)
    order = {"firing": 0, "silenced": 1, "resolved": 2}
    lead = 2 * health_window(settings)
    rows = sorted((replace(r, lead=lead) for r in occurrences.values()),
                  key=lambda r: (order.get(r.state, 3), -r.starts_at.timestamp()))
    return Timeline(rows, url, message)


def _from_alertmanager(alert: ActiveAlert, state: str) -> AlertRow:
    return AlertRow(alert.model or "", alert.alertname, alert.labels.get("severity", ""), state,
                    alert.annotations.get("summary", ""), alert.annotations.get("runbook", ""), alert.starts_at, None,
                    alert.fingerprint, 0, alert.silenced_by)


# -- states ----------------------------------------------------------------------------------------


def health_states(models: list[str], *, settings: Settings | None = None,
                  alertmanager: AlertmanagerAPI | None = None) -> tuple[dict[str, ModelState], str]:
    """Each model's state, and a message naming what did not answer (empty when everything did)."""
    settings = settings or get_settings()
    seen: list[SeenAlert] = []
    problems: list[str] = []
    silences_end: dict[str, datetime] = {}
    am_ok = prom_ok = False
    try:
        am = alertmanager or configured_alertmanager(settings)
        with am:
            active = am.alerts()
            if any(a.silenced_by for a in active):
                silences_end = {s.id: s.ends_at for s in am.silences()}
        am_ok = True
        for a in active:
            ends = [silences_end[i] for i in a.silenced_by if i in silences_end]
            until = when(min(ends)) + " UTC" if ends else ""
            seen.append(SeenAlert(a.model or "", a.alertname, "silenced" if a.silenced_by else "firing",
                                  a.annotations.get("summary", ""), until))
    except AlertsError as exc:
        problems.append(str(exc))
    early: dict[str, str] = {}
    try:
        with prometheus_api.configured_api(settings) as api:
            for rule_alert in api.alerts():
                labels = rule_alert.get("labels", {})
                if rule_alert.get("state") == "pending" or (not am_ok and rule_alert.get("state") == "firing"):
                    seen.append(SeenAlert(labels.get("model", ""), labels.get("alertname", ""),
                                          str(rule_alert.get("state")),
                                          (rule_alert.get("annotations") or {}).get("summary", "")))
            drift = api.instant(EARLY_DRIFT, label="model")
        prom_ok = True
        for _, row in drift.iterrows():
            early[row["model"]] = (f"The last window drifted ({int(row['value'])} features); if the next one does "
                                   "too, ModelDrift fires.")
    except PrometheusError as exc:
        problems.append(str(exc))
    unknown = "" if (am_ok or prom_ok) else " ".join(problems)
    return states(models, seen, early, unknown=unknown), " ".join(problems)


# -- silences --------------------------------------------------------------------------------------


def silence(engine: Engine, *, user: str, model: str, alertname: str | None, until: datetime, comment: str,
            settings: Settings | None = None, alertmanager: AlertmanagerAPI | None = None) -> str:
    """Silence ``alertname`` (every alert when None) of ``model`` until ``until``; the silence's id. Audited."""
    now = datetime.now(UTC)
    until = until if until.tzinfo else until.replace(tzinfo=UTC)
    if not comment.strip():
        raise AlertsError("Say why the alert is silenced: the comment is what the next person on call reads.")
    if until <= now:
        raise AlertsError(f"A silence must end in the future; {when(until)} UTC has passed.")
    if until - now > MAX_SILENCE:
        raise AlertsError("A silence may last 90 days at most; fix the rule for this model instead "
                          "(Health page, or `mds alerts set`).")
    matchers = {"model": model, **({"alertname": alertname} if alertname else {})}
    am = alertmanager or configured_alertmanager(settings)
    audit.record(engine, user=user, action=SILENCED, model=model,
                 detail={"alertname": alertname, "until": until.isoformat(), "comment": comment, "by": user,
                         "alertmanager": am.url})
    return am.silence(matchers, until=until, by=user, comment=comment)


def unsilence(engine: Engine, *, user: str, silence_id: str, model: str | None = None,
              settings: Settings | None = None, alertmanager: AlertmanagerAPI | None = None) -> None:
    am = alertmanager or configured_alertmanager(settings)
    audit.record(engine, user=user, action=UNSILENCED, model=model, detail={"silence_id": silence_id})
    am.expire(silence_id)
