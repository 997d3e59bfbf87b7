"""Alertmanager's HTTP API v2: the alerts it holds, and silences (who, why, until when).

    am = configured_alertmanager()        # WORKBENCH_ALERTMANAGER_URL, else the embedded MDS's
    am.alerts()                           # [ActiveAlert]: firing now, silenced or not
    am.silence({"alertname": "ModelDrift", "model": "wine"}, until=..., by="ana", comment="retraining")
    am.silences()                         # [Silence]
    am.expire(silence_id)

One pooled session per client, explicit timeouts; every failure is `AlertmanagerUnavailable` naming the URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from embedded_mds.layout import HomeLayout
from workbench.alerts.errors import AlertmanagerNotConfigured, AlertmanagerUnavailable, AlertsError
from workbench.settings import get_settings

if TYPE_CHECKING:
    from workbench.settings import Settings

DEFAULT_TIMEOUT = (2.0, 10.0)
EMBEDDED_SERVER = "alertmanager"


@dataclass(frozen=True)
class ActiveAlert:
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    state: str
    """active | suppressed (silenced or inhibited) | unprocessed"""
    silenced_by: list[str] = field(default_factory=list)

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def model(self) -> str | None:
        return self.labels.get("model")


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: dict[str, str]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    state: str
    """active | pending | expired"""


class AlertmanagerAPI:
    def __init__(self, url: str, *, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()

    def ready(self) -> bool:
        try:
            return self._session.get(self.url + "/-/ready", timeout=self.timeout).status_code == 200
        except requests.RequestException:
            return False

    def alerts(self) -> list[ActiveAlert]:
        doc = self._call("GET", "/api/v2/alerts", params={"active": "true", "silenced": "true",
                                                           "inhibited": "true", "unprocessed": "true"})
        out = []
        for item in doc if isinstance(doc, list) else []:
            status = item.get("status") or {}
            out.append(ActiveAlert(str(item.get("fingerprint", "")), dict(item.get("labels") or {}),
                                   dict(item.get("annotations") or {}), _time(item.get("startsAt")),
                                   str(status.get("state", "")), list(status.get("silencedBy") or [])))
        return sorted(out, key=lambda a: a.starts_at, reverse=True)

    def silences(self) -> list[Silence]:
        doc = self._call("GET", "/api/v2/silences")
        out = []
        for item in doc if isinstance(doc, list) else []:
            matchers = {m["name"]: m["value"] for m in item.get("matchers") or [] if not m.get("isRegex")}
            out.append(Silence(str(item.get("id", "")), matchers, _time(item.get("startsAt")), _time(item.get("endsAt")),
                               str(item.get("createdBy", "")), str(item.get("comment", "")),
                               str((item.get("status") or {}).get("state", ""))))
        return sorted(out, key=lambda s: s.starts_at, reverse=True)

    def silence(self, matchers: dict[str, str], *, until: datetime, by: str, comment: str,
                start: datetime | None = None) -> str:
        """A silence of the alerts whose labels equal ``matchers``; its id."""
        body = {"matchers": [{"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in matchers.items()],
                "startsAt": _iso(start or datetime.now(UTC)), "endsAt": _iso(until), "createdBy": by,
                "comment": comment}
        doc = self._call("POST", "/api/v2/silences", body=body)
        return str((doc or {}).get("silenceID", ""))

    def expire(self, silence_id: str) -> None:
        self._call("DELETE", f"/api/v2/silence/{silence_id}")

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> AlertmanagerAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport: the one place lower errors become ours ------------------------------------------

    def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
              body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._session.request(method, self.url + path, params=params, json=body, timeout=self.timeout)
        except requests.Timeout:
            raise AlertmanagerUnavailable(self.url, f"no answer within {self.timeout[1]:g} s") from None
        except requests.RequestException as error:
            reason = "connection refused" if "Connection refused" in str(error) else str(error)[-200:]
            raise AlertmanagerUnavailable(self.url, reason) from None
        if response.status_code >= 500:
            raise AlertmanagerUnavailable(self.url, f"HTTP {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            # Alertmanager says why in plain text or a JSON string (a silence that ends before it starts...)
            raise AlertsError(f"Alertmanager at {self.url} refused it: {response.text.strip()[:300]}")
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise AlertmanagerUnavailable(self.url, "the answer is not JSON: is this an Alertmanager?") from None


def _time(text: Any) -> datetime:
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(when: datetime) -> str:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- which Alertmanager ----------------------------------------------------------------------------


def alertmanager_url(settings: Settings | None = None) -> str | None:
    """``WORKBENCH_ALERTMANAGER_URL``, else the embedded MDS's Alertmanager from its state.json, else None."""
    settings = settings or get_settings()
    if settings.alertmanager_url:
        return settings.alertmanager_url
    try:
        state = json.loads(HomeLayout(settings.home).state.read_text())
    except (OSError, ValueError):
        return None
    return next((s.get("url") for s in state.get("servers", []) if s.get("name") == EMBEDDED_SERVER), None)


def configured_alertmanager(settings: Settings | None = None) -> AlertmanagerAPI:
    url = alertmanager_url(settings)
    if not url:
        raise AlertmanagerNotConfigured()
    return AlertmanagerAPI(url)
