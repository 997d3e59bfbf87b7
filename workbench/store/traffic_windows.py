"""Per-window reads of a model's traffic for the Monitor page: counts and health by the database, a
bounded, stated sample of one window's rows.

``window_stats`` is one ``GROUP BY`` over the request log (united with the workbench's own
predictions that no logger reported, as in `traffic`): calls, errors and mean latency per window.
``window_sample`` reads the rows of one window only, and when the window holds more than ``limit``
rows it takes every k-th row by id (deterministic, spread over the window) and says how many it
took of how many: a drift test on 5,000 rows answers the same question as on 50,000, in a tenth
of the time, and the page states the sample size beside the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, Float, Text, cast, func, select, type_coerce, union_all

from .engine import session_scope
from .models import Prediction as PredictionRow
from .request_log import RequestLogRow, as_time
from .traffic import WORKBENCH, _workbench_only


@dataclass(frozen=True)
class WindowStats:
    start: datetime
    calls: int
    errors: int
    mean_latency_ms: float | None


@dataclass(frozen=True)
class SampledRow:
    time: datetime
    source: str
    request_id: str
    inputs: Any
    label: str | None
    confidence: float | None
    status: str
    latency_ms: float | None


@dataclass(frozen=True)
class WindowSample:
    rows: list[SampledRow]
    total: int
    """Rows in the window; ``len(rows) < total`` means a sample was taken."""

    @property
    def sampled(self) -> bool:
        return len(self.rows) < self.total


def _log_part(model: str, t0: float, t1: float, sources: tuple[str, ...] | None) -> Any:
    log = RequestLogRow.__table__.c
    latency = (log.response_ts - log.event_ts) * 1000.0
    query = select(log.event_ts.label("ts"), (log.status == "error").label("is_error"),
                   cast(latency, Float).label("latency_ms")).where(
        log.model == model, log.event_ts >= t0, log.event_ts < t1)
    return query.where(log.source.in_(sources)) if sources else query


def _workbench_part(model: str, t0: float, t1: float, dialect: str) -> Any:
    pred = PredictionRow.__table__.c
    ts, where = _workbench_only(model, dialect)
    # A batch row carries its whole call's latency; it says nothing about one call's speed.
    latency = func.nullif(pred.latency_ms * (pred.source != "batch"), 0)
    return select(ts.label("ts"), (pred.status == "error").label("is_error"),
                  cast(latency, Float).label("latency_ms")).where(where, ts >= t0, ts < t1)


def _wants_workbench(include_workbench: bool, sources: tuple[str, ...] | None) -> bool:
    return include_workbench and (not sources or WORKBENCH in sources)


def window_stats(engine: Engine, model: str, start: datetime, width_seconds: float, n_windows: int, *,
                 include_workbench: bool = True, sources: tuple[str, ...] | None = None) -> list[WindowStats]:
    """Calls, errors and mean latency per window ``[start + k*width, start + (k+1)*width)``, zeros too."""
    if width_seconds <= 0 or n_windows < 1:
        raise ValueError("width_seconds must be positive and n_windows at least 1")
    t0 = start.timestamp()
    t1 = t0 + width_seconds * n_windows
    parts = [_log_part(model, t0, t1, sources)]
    if _wants_workbench(include_workbench, sources):
        parts.append(_workbench_part(model, t0, t1, engine.dialect.name))
    traffic = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("traffic")
    bucket = func.floor((traffic.c.ts - t0) / width_seconds).label("bucket")
    query = select(bucket, func.count(), func.sum(cast(traffic.c.is_error, Float)),
                   func.avg(traffic.c.latency_ms)).group_by(bucket)
    with session_scope(engine) as session:
        found = {int(b): (int(n), int(e or 0), None if lat is None else float(lat))
                 for b, n, e, lat in session.execute(query)}
    out = []
    for k in range(n_windows):
        n, e, lat = found.get(k, (0, 0, None))
        out.append(WindowStats(as_time(t0 + k * width_seconds), n, e, lat))  # type: ignore[arg-type]
    return out


def window_sample(engine: Engine, model: str, start: datetime, end: datetime, *, limit: int, total: int,
                  include_workbench: bool = True, sources: tuple[str, ...] | None = None) -> WindowSample:
    """The rows of ``[start, end)`` (every k-th by id when ``total`` exceeds ``limit``), oldest first.

    ``total`` is the window's count from `window_stats` (the caller has it; counting again costs a scan).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stride = max(1, -(-total // limit))
    t0, t1 = start.timestamp(), end.timestamp()
    log = RequestLogRow.__table__.c
    # The inputs as their stored text, parsed by orjson: the JSON type's per-row decoding was most of the read.
    raw = type_coerce(log.inputs, Text).label("inputs")
    query = (select(log.event_ts, log.source, log.request_id, raw, log.label, log.confidence, log.status,
                    log.response_ts)
             .where(log.model == model, log.event_ts >= t0, log.event_ts < t1))
    if sources:
        query = query.where(log.source.in_(sources))
    if stride > 1:
        query = query.where(log.id % stride == 0)
    rows: list[SampledRow] = []
    with session_scope(engine) as session:
        for r in session.execute(query):
            latency = None if r.response_ts is None else (r.response_ts - r.event_ts) * 1000.0
            inputs = orjson.loads(r.inputs) if isinstance(r.inputs, str | bytes) else r.inputs
            rows.append(SampledRow(as_time(r.event_ts), r.source, r.request_id, inputs, r.label,  # type: ignore[arg-type]
                                   r.confidence, r.status, latency))
        if _wants_workbench(include_workbench, sources):
            rows.extend(_workbench_rows(session, engine.dialect.name, model, t0, t1, stride))
    rows.sort(key=lambda row: row.time)
    return WindowSample(rows, max(total, len(rows)))


def _workbench_rows(session: Any, dialect: str, model: str, t0: float, t1: float, stride: int) -> list[SampledRow]:
    pred = PredictionRow.__table__.c
    ts, where = _workbench_only(model, dialect)
    query = select(pred.request_id, ts.label("ts"), pred.inputs, pred.outputs, pred.status, pred.latency_ms,
                   pred.source).where(where, ts >= t0, ts < t1)
    if stride > 1:
        query = query.where(pred.id % stride == 0)
    out = []
    for r in session.execute(query):
        outputs = r.outputs if isinstance(r.outputs, dict) else {}
        probs = outputs.get("probabilities")
        label = outputs.get("label")
        confidence = max(probs.values()) if isinstance(probs, dict) and probs else None
        out.append(SampledRow(as_time(r.ts), WORKBENCH, r.request_id, r.inputs,  # type: ignore[arg-type]
                              None if label is None else str(label), confidence, r.status,
                              r.latency_ms if r.source != "batch" else None))
    return out




def prediction_ids(engine: Engine, model: str, request_ids: list[str]) -> dict[str, int]:
    """request id -> the workbench prediction's id, for the requests the workbench made (its cases)."""
    wanted = [r for r in request_ids if r]
    if not wanted:
        return {}
    pred = PredictionRow.__table__.c
    query = select(pred.request_id, func.min(pred.id)).where(pred.model == model, pred.request_id.in_(wanted)) \
        .group_by(pred.request_id)
    with session_scope(engine) as session:
        return {str(r): int(i) for r, i in session.execute(query)}
