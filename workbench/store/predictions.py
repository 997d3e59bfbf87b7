"""The prediction log: every call made through the workbench, failed calls included.

Rows are written in their own transaction right after the call returns (or fails),
before anything else can go wrong, so the audit trail never misses a call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from workbench.records import LoggedPrediction
from workbench.store.engine import session_scope
from workbench.store.tables import PredictionRow


def log_prediction(
    engine: Engine,
    *,
    user: str,
    model: str,
    version: str = "",
    protocol: str = "",
    inputs: Any = None,
    outputs: Any = None,
    request: Any = None,
    response: Any = None,
    request_id: str = "",
    latency_ms: float | None = None,
    error: str | None = None,
    source: str = "app",
    batch_job_id: str | None = None,
    trace_id: str = "",
) -> int:
    """Write one row (status ``error`` when ``error`` is given) and return its id."""
    row = PredictionRow(
        request_id=request_id or "",
        model=model,
        version=version or "",
        protocol=protocol or "",
        user=user,
        inputs=inputs,
        outputs=outputs,
        request=request,
        response=response,
        latency_ms=latency_ms,
        status="error" if error else "ok",
        error=error,
        source=source,
        batch_job_id=batch_job_id,
        trace_id=trace_id or None,
    )
    with session_scope(engine) as session:
        session.add(row)
        session.flush()
        return int(row.id)


def recent_predictions(engine: Engine, user: str | None, limit: int = 50, *, model: str | None = None) -> list[LoggedPrediction]:
    """The newest rows first; ``user=None`` means everyone's."""
    query = select(PredictionRow).order_by(PredictionRow.created.desc(), PredictionRow.id.desc()).limit(limit)
    if user is not None:
        query = query.where(PredictionRow.user == user)
    if model is not None:
        query = query.where(PredictionRow.model == model)
    with session_scope(engine) as session:
        return [_plain(row) for row in session.scalars(query)]


def count_others_predictions(engine: Engine, user: str) -> int:
    """How many predictions people other than ``user`` made (what "Everyone's predictions" would add)."""
    query = select(func.count(PredictionRow.id)).where(PredictionRow.user != user)
    with session_scope(engine) as session:
        return int(session.scalar(query) or 0)


def count_predictions(engine: Engine, user: str | None) -> int:
    """How many predictions ``user`` made (everyone's when ``user`` is None): what a capped list leaves out."""
    query = select(func.count(PredictionRow.id))
    if user is not None:
        query = query.where(PredictionRow.user == user)
    with session_scope(engine) as session:
        return int(session.scalar(query) or 0)


def get_prediction(engine: Engine, prediction_id: int) -> LoggedPrediction | None:
    with session_scope(engine) as session:
        row = session.get(PredictionRow, prediction_id)
        return _plain(row) if row is not None else None


def _plain(row: PredictionRow) -> LoggedPrediction:
    return LoggedPrediction(
        id=row.id,
        request_id=row.request_id,
        model=row.model,
        version=row.version,
        protocol=row.protocol,
        user=row.user,
        inputs=row.inputs,
        outputs=row.outputs,
        request=row.request,
        response=row.response,
        latency_ms=row.latency_ms,
        status=row.status,
        error=row.error,
        source=row.source,
        created=row.created,
        trace_id=row.trace_id or "",
    )


def predicted_of(prediction: PredictionRow | Any) -> Any:
    """What the model said: the label of a classifier, the value of a regression."""
    outputs = prediction.outputs if isinstance(prediction.outputs, dict) else {}
    if outputs.get("value") is not None and outputs.get("task") == "regression":
        return outputs["value"]
    for key in ("label", "prediction", "value"):  # "prediction": rows logged by batch jobs
        if outputs.get(key) is not None:
            return outputs[key]
    return None
