"""Reads behind the Monitor page: inputs the model was sent, and its calls with status and latency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from workbench.store.engine import session_scope
from workbench.store.models import Prediction as PredictionRow


def logged_inputs(engine: Engine, model: str, since: datetime, limit: int) -> list[tuple[Any, datetime]]:
    """(inputs, created) of successful predictions of ``model`` since ``since``, newest first."""
    query = (select(PredictionRow.inputs, PredictionRow.created)
             .where(PredictionRow.model == model, PredictionRow.status == "ok", PredictionRow.created >= since)
             .order_by(PredictionRow.created.desc()).limit(limit))
    with session_scope(engine) as session:
        return [tuple(r) for r in session.execute(query).all()]


def calls(engine: Engine, model: str, since: datetime) -> list[tuple[datetime, str, float | None, str]]:
    """(created, status, latency_ms, source) of every logged call of ``model`` since ``since``."""
    query = (select(PredictionRow.created, PredictionRow.status, PredictionRow.latency_ms, PredictionRow.source)
             .where(PredictionRow.model == model, PredictionRow.created >= since))
    with session_scope(engine) as session:
        return [tuple(r) for r in session.execute(query).all()]
