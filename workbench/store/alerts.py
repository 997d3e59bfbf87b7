"""The store's alert tables: notifications Alertmanager sent (each stored once) and per-model rule overrides.

``store_notifications`` inserts each (fingerprint, start, status) once and counts a repeat as a delivery,
in one statement per notification (an upsert), so two receivers answering the same repeat at once store
it once too (tests/workbench/store/test_alert_notifications.py, on SQLite and PostgreSQL). ``notifications`` reads them back newest first; ``overrides`` / ``save_override`` /
``drop_override`` keep a model's own setting of a default rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select

from workbench.store.engine import session_scope
from workbench.store.tables import AlertNotification, AlertRuleOverride, utcnow


@dataclass(frozen=True)
class Notification:
    """One alert as Alertmanager said it: firing from ``starts_at``, or resolved at ``ends_at``."""

    fingerprint: str
    starts_at: datetime
    status: str
    alertname: str
    model: str | None = None
    severity: str = ""
    summary: str = ""
    ends_at: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    generator_url: str = ""
    receiver: str = ""
    received_at: datetime | None = None
    deliveries: int = 1


@dataclass(frozen=True)
class RuleOverride:
    model: str
    rule: str
    enabled: bool = True
    threshold: float | None = None
    for_seconds: float | None = None
    expr: str | None = None
    updated_by: str = ""
    updated_at: datetime | None = None


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; the store writes UTC, so say so."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        # Only the dialect in use: PostgreSQL's costs ~60 ms of imports, which a SQLite store never pays.
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def store_notifications(engine: Engine, items: Iterable[Notification]) -> list[bool]:
    """Store each notification once; per item, whether it was new. A repeat adds a delivery and nothing else."""
    insert = _insert(engine.dialect.name)
    table = AlertNotification.__table__
    items = list(items)
    fresh: list[bool] = [False] * len(items)
    # Rows are locked in one order whatever order a delivery lists them in: two deliveries of the same alerts
    # in opposite orders would otherwise wait on each other (PostgreSQL: "deadlock detected", a 503, a retry).
    order = sorted(range(len(items)), key=lambda i: (items[i].fingerprint[:64], _utc(items[i].starts_at),
                                                      items[i].status))
    with engine.begin() as connection:
        for position in order:
            item = items[position]
            values = {
                "fingerprint": item.fingerprint[:64], "starts_at": _utc(item.starts_at), "status": item.status,
                "ends_at": _utc(item.ends_at), "alertname": item.alertname[:200], "model": item.model,
                "severity": item.severity[:20], "summary": item.summary, "labels": dict(item.labels),
                "annotations": dict(item.annotations), "generator_url": item.generator_url,
                "receiver": item.receiver[:200], "received_at": utcnow(), "deliveries": 1,
            }
            stmt = insert(table).values(**values).on_conflict_do_update(
                index_elements=["fingerprint", "starts_at", "status"],
                set_={"deliveries": table.c.deliveries + 1}).returning(table.c.deliveries)
            fresh[position] = connection.execute(stmt).scalar_one() == 1
    return fresh


def notifications(engine: Engine, *, model: str | None = None, since: datetime | None = None,
                  limit: int = 500) -> list[Notification]:
    """Stored notifications, newest start first (a resolved one before its firing one)."""
    query = select(AlertNotification).order_by(AlertNotification.starts_at.desc(), AlertNotification.id.desc())
    if model is not None:
        query = query.where(AlertNotification.model == model)
    if since is not None:
        query = query.where(AlertNotification.starts_at >= since)
    with session_scope(engine) as session:
        return [Notification(
            r.fingerprint, _utc(r.starts_at), r.status, r.alertname, r.model, r.severity, r.summary,  # type: ignore[arg-type]
            _utc(r.ends_at), dict(r.labels or {}), dict(r.annotations or {}), r.generator_url, r.receiver,
            _utc(r.received_at), r.deliveries) for r in session.scalars(query.limit(limit))]


def overrides(engine: Engine, *, model: str | None = None) -> list[RuleOverride]:
    query = select(AlertRuleOverride).order_by(AlertRuleOverride.model, AlertRuleOverride.rule)
    if model is not None:
        query = query.where(AlertRuleOverride.model == model)
    with session_scope(engine) as session:
        return [RuleOverride(r.model, r.rule, r.enabled, r.threshold, r.for_seconds, r.expr, r.updated_by,
                             _utc(r.updated_at)) for r in session.scalars(query)]


def save_override(engine: Engine, override: RuleOverride) -> None:
    """Insert or replace the model's setting of that rule."""
    with session_scope(engine) as session:
        row = session.scalars(select(AlertRuleOverride).where(
            AlertRuleOverride.model == override.model, AlertRuleOverride.rule == override.rule)).first()
        if row is None:
            row = AlertRuleOverride(model=override.model, rule=override.rule)
            session.add(row)
        row.enabled, row.threshold, row.for_seconds, row.expr = (
            override.enabled, override.threshold, override.for_seconds, override.expr)
        row.updated_by, row.updated_at = override.updated_by[:120], utcnow()


def drop_override(engine: Engine, model: str, rule: str) -> bool:
    """Back to the default for that model and rule; whether there was an override."""
    with session_scope(engine) as session:
        done = session.execute(delete(AlertRuleOverride).where(
            AlertRuleOverride.model == model, AlertRuleOverride.rule == rule))
        return bool(done.rowcount)
