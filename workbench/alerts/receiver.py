"""The workbench's Alertmanager webhook receiver: read a notification, check who sent it, store each alert once.

Alertmanager's webhook (``webhook_configs``, payload version 4) posts a group of alerts: each with its
``status`` (firing | resolved), ``labels``, ``annotations``, ``startsAt``, ``endsAt`` and ``fingerprint``.
It repeats a group every ``repeat_interval`` and after a failed delivery, and it may post one alert firing
in several groups: each (fingerprint, startsAt, status) is stored once (`workbench.store.alerts`).

``authorised`` compares the ``Authorization`` header with the shared token (``Bearer <token>``, what
Alertmanager's ``http_config.authorization`` sends; HTTP basic auth with the token as password works
too), in constant time. ``parse`` refuses anything that is not such a payload with `MalformedNotification`
naming what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import UTC, datetime

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.alerts.errors import AlertsError
from workbench.store.alerts import Notification

MAX_BODY_BYTES = 1_000_000
MAX_ALERTS = 1_000


class MalformedNotification(AlertsError):
    """A post that is not an Alertmanager webhook notification; ``reason`` is a short label for counting."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class _Alert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str = Field(pattern="^(firing|resolved)$")
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime  # noqa: N815 (Alertmanager's field names)
    endsAt: datetime | None = None  # noqa: N815
    generatorURL: str = ""  # noqa: N815
    fingerprint: str = Field(min_length=1, max_length=64)


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str
    receiver: str = ""
    status: str = ""
    alerts: list[_Alert] = Field(max_length=MAX_ALERTS)


def authorised(header: str | None, token: str) -> bool:
    """Whether the ``Authorization`` header carries ``token`` (as a bearer token or a basic-auth password)."""
    if not token or not header:
        return False
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    else:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def parse(body: bytes) -> list[Notification]:
    """The notifications of one webhook post; `MalformedNotification` when it is not one."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedNotification("too_large", f"The notification is larger than {MAX_BODY_BYTES:,} bytes.")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedNotification("not_json", f"The body is not JSON ({exc}).") from None
    try:
        payload = _Payload.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the body"
        raise MalformedNotification("not_alertmanager", "Not an Alertmanager webhook notification: "
                                    f"{where}: {first['msg']}.") from None
    if payload.version != "4":
        raise MalformedNotification("version", f"Webhook payload version {payload.version!r}; this receiver reads "
                                    "version 4 (Alertmanager 0.16 and later).")
    out = []
    for alert in payload.alerts:
        ends = _utc(alert.endsAt) if alert.endsAt and alert.endsAt.year > 1 else None
        out.append(Notification(
            fingerprint=alert.fingerprint, starts_at=_utc(alert.startsAt), status=alert.status,
            alertname=alert.labels.get("alertname", "(no alertname)"), model=alert.labels.get("model"),
            severity=alert.labels.get("severity", ""), summary=alert.annotations.get("summary", ""),
            ends_at=ends if alert.status == "resolved" else None, labels=alert.labels,
            annotations=alert.annotations, generator_url=alert.generatorURL, receiver=payload.receiver))
    return out


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
