"""The alerting tables: Alertmanager's notifications as the webhook stored them, and the per-model settings of the
default alert rules (`workbench.store.alerts` holds their queries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .table_base import Base, utcnow


class AlertNotification(Base):
    """One notification Alertmanager sent the workbench's webhook: an alert firing, or the same alert resolved.

    Alertmanager repeats itself (every ``repeat_interval``, and again after a failed delivery): a notification
    is stored once per (fingerprint, start, status), and ``deliveries`` counts how often it arrived.
    """

    __tablename__ = "alert_notification"
    __table_args__ = (
        UniqueConstraint("fingerprint", "starts_at", "status", name="uq_alert_notification_once"),
        Index("ix_alert_notification_model_starts", "model", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    """firing | resolved"""
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    alertname: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    severity: Mapped[str] = mapped_column(String(20), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[Any] = mapped_column(JSON, nullable=True)
    annotations: Mapped[Any] = mapped_column(JSON, nullable=True)
    generator_url: Mapped[str] = mapped_column(Text, default="")
    receiver: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)


class AlertRuleOverride(Base):
    """A model's own setting of one default alert rule: off, another threshold, another ``for``, or its own PromQL."""

    __tablename__ = "alert_rule_override"
    __table_args__ = (UniqueConstraint("model", "rule", name="uq_alert_rule_override_model_rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    for_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    expr: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
