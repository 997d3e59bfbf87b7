"""The store's tables, as SQLAlchemy 2 mapped classes: every table of the workbench, from this module (the
alerting tables are written in `alert_tables`, the declarative base in `table_base`, and exported here).

Called tables, not models, because in this product a model is an ML model (``PredictionRow`` is the
table of logged predictions; ``mds_client.Prediction`` is what a model answered). The Alembic
migrations under ``migrations/`` create them; the modules beside this one hold the queries.
JSON columns use SQLAlchemy's generic ``JSON``: TEXT on SQLite, JSON on Postgres.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# every table is registered on Base's metadata once this module is imported: the alerting tables too
from .alert_tables import AlertNotification, AlertRuleOverride
from .table_base import Base, new_id, utcnow

__all__ = [
    "AlertNotification",
    "AlertRuleOverride",
    "AuditEvent",
    "Base",
    "BatchChunk",
    "BatchJob",
    "BatchLogChunk",
    "BatchLogRequest",
    "DriftRun",
    "Explanation",
    "Feedback",
    "FeedbackEvent",
    "LoginAttempt",
    "PredictionRow",
    "RequestLogRow",
    "TrafficRollup",
    "new_id",
    "utcnow",
]


class PredictionRow(Base):
    """One call to a model, made through the app, the CLI or a batch job; failed calls too."""

    __tablename__ = "prediction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(64), default="")
    protocol: Mapped[str] = mapped_column(String(16), default="")
    user: Mapped[str] = mapped_column(String(120), index=True)
    inputs: Mapped[Any] = mapped_column(JSON, nullable=True)
    outputs: Mapped[Any] = mapped_column(JSON, nullable=True)
    request: Mapped[Any] = mapped_column(JSON, nullable=True)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="ok")
    """ok | error"""
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(8), default="app")
    """app | cli | batch"""
    batch_job_id: Mapped[str | None] = mapped_column(ForeignKey("batch_job.id"), nullable=True, index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    trace_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The W3C trace id of the call (its ``traceparent``), to find it in Jaeger / Tempo."""


class Feedback(Base):
    """What a person said about one prediction; stored before it is forwarded (outbox)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("prediction.id"), index=True)
    user: Mapped[str] = mapped_column(String(120), index=True)
    verdict: Mapped[str] = mapped_column(String(8))
    """correct | wrong | unsure"""
    truth: Mapped[Any] = mapped_column(JSON, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[Any] = mapped_column(JSON, nullable=True)
    reward: Mapped[float | None] = mapped_column(Float, nullable=True)
    forwarded: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    """pending | delivered | failed | not_applicable"""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)


class FeedbackEvent(Base):
    """History of a feedback row: created, edited, withdrawn, forwarded."""

    __tablename__ = "feedback_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    user: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BatchJob(Base):
    __tablename__ = "batch_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user: Mapped[str] = mapped_column(String(120), index=True)
    model: Mapped[str] = mapped_column(String(200))
    input_name: Mapped[str] = mapped_column(String(500), default="")
    output_path: Mapped[str] = mapped_column(String(1000), default="")
    state: Mapped[str] = mapped_column(String(16), default="queued")
    """queued | running | done | failed | cancelled"""
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_scored: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class BatchChunk(Base):
    __tablename__ = "batch_chunk"
    __table_args__ = (UniqueConstraint("job_id", "index", name="uq_batch_chunk_job_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("batch_job.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    start_row: Mapped[int] = mapped_column(Integer)
    end_row: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """pending | done | failed"""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows_scored: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class BatchLogChunk(Base):
    """One logged chunk of a batch run: its rows are in a columnar file, this row indexes it.

    ``run_id`` is the job id for the app's jobs, a fresh id per ``mds predict`` run (kept on resume).
    """

    __tablename__ = "batch_log_chunk"
    __table_args__ = (UniqueConstraint("run_id", "start_row", name="uq_batch_log_chunk_run_start"),
                      Index("ix_batch_log_chunk_model_created", "model", "created"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    batch_job_id: Mapped[str | None] = mapped_column(ForeignKey("batch_job.id"), nullable=True, index=True)
    model: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64), default="")
    protocol: Mapped[str] = mapped_column(String(16), default="")
    user: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(8), default="batch")
    task: Mapped[str] = mapped_column(String(32), default="")
    output: Mapped[str] = mapped_column(String(1000), default="")
    start_row: Mapped[int] = mapped_column(Integer)
    """Rows before this chunk; its rows are ``start_row + 1 .. end_row`` (1-based, as in the output)."""
    end_row: Mapped[int] = mapped_column(Integer)
    rows_scored: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(1000))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BatchLogRequest(Base):
    """Which logged chunk holds the rows one request id scored (a minibatch is one call)."""

    __tablename__ = "batch_log_request"
    __table_args__ = (Index("ix_batch_log_request_model_request", "model", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("batch_log_chunk.id"), index=True)
    model: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[str] = mapped_column(String(128))


class Explanation(Base):
    """Cache of explanations by model, version, input hash and kind."""

    __tablename__ = "explanation"
    __table_args__ = (UniqueConstraint("model", "version", "input_hash", "kind", name="uq_explanation_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(64), default="")
    input_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[Any] = mapped_column(JSON, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DriftRun(Base):
    __tablename__ = "drift_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    user: Mapped[str] = mapped_column(String(120), default="")
    detector: Mapped[str] = mapped_column(String(64), default="")
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    n_reference: Mapped[int] = mapped_column(Integer, default=0)
    n_window: Mapped[int] = mapped_column(Integer, default=0)
    is_drift: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    p_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    distance: Mapped[float | None] = mapped_column(Float, nullable=True)
    payload: Mapped[Any] = mapped_column(JSON, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)




class LoginAttempt(Base):
    """Failed logins per username, kept in the store so that every app process and restart sees them."""

    __tablename__ = "login_attempt"

    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# SQL NULL, not the JSON text 'null', so that a response's upsert keeps the request's inputs (COALESCE).
_JSON = JSON(none_as_null=True)


class RequestLogRow(Base):
    """One instance of one logged call; inputs from the request event, outputs from the response."""

    __tablename__ = "request_log"
    __table_args__ = (
        Index("ix_request_log_model_ts", "model", "event_ts"),
        # covers the Monitor's per-window counts of calls, errors and latency (migration 0006)
        Index("ix_request_log_windows", "model", "event_ts", "status", "response_ts"),
        # a window's sample: one seek per sample key below k, each a contiguous time range (migration 0008)
        Index("ix_request_log_sample", "model", "sample_key", "event_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    log_key: Mapped[str] = mapped_column(String(400), unique=True)
    request_id: Mapped[str] = mapped_column(String(128), index=True)
    row_index: Mapped[int] = mapped_column(Integer, default=0)
    sample_key: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """``sample_key(log_key)``: 0..1023, pseudo-random and fixed per instance (the Monitor's samples)."""
    model: Mapped[str] = mapped_column(String(200))
    known_model: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(16))
    """seldon-logger | kserve-logger | workbench | simulate | elasticsearch"""
    namespace: Mapped[str] = mapped_column(String(120), default="")
    endpoint: Mapped[str] = mapped_column(String(120), default="")
    event_ts: Mapped[float] = mapped_column(Float)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    response_ts: Mapped[float | None] = mapped_column(Float, nullable=True)
    inputs: Mapped[Any] = mapped_column(_JSON, nullable=True)
    outputs: Mapped[Any] = mapped_column(_JSON, nullable=True)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    """pending (request seen, no response yet) | ok | error"""
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    reward: Mapped[float | None] = mapped_column(Float, nullable=True)
    truth: Mapped[Any] = mapped_column(_JSON, nullable=True)
    tag: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    """``demo`` for the traffic seeded on first start (removable with ``mds logs clear-demo``)."""
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrafficRollup(Base):
    """Calls, errors and latency per model, source and 5-minute bucket (``traffic_rollup`` keeps it)."""

    __tablename__ = "request_log_rollup"

    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Epoch seconds of the bucket's start, a multiple of ``BUCKET_SECONDS``."""
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    latency_sum: Mapped[float] = mapped_column(Float, default=0.0)
    """Milliseconds, over the rows that have a response time."""
    latency_n: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """One change someone made to the MDS through the workbench: who, when, what, to which model."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)
