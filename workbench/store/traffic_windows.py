"""Per-window reads of a model's traffic for the Monitor page: counts and health by the database, a
bounded, stated sample of one window's rows.

``window_stats``: calls, errors and mean latency per window, from the 5-minute rollup
(`traffic_rollup`) when the windows are made of its buckets, else from the log's covering index;
united with the workbench's own predictions that no logger reported, as in `traffic`.
``window_sample`` reads the rows of one window only, and when the window holds more than ``limit``
rows it takes those whose fixed pseudo-random ``sample_key`` is below k (about ``limit`` of them:
k short ranges of an index, the same rows on every visit) and says how many it took of how many:
a drift test on 5,000 rows answers the same question as on 50,000, in a tenth of the time, and
the page states the sample size beside the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, Float, Text, and_, case, cast, exists, func, select, type_coerce

from workbench.store.batch_traffic import batch_window_counts, batch_window_rows
from workbench.store.engine import session_scope
from workbench.store.request_log import SAMPLE_KEYS, as_time, sample_key
from workbench.store.tables import BatchLogRequest, PredictionRow, RequestLogRow
from workbench.store.traffic import WORKBENCH
from workbench.store.traffic import _workbench_only as _not_logged
from workbench.store.traffic_rollup import aligned, rollup_windows


@dataclass(frozen=True)
class WindowStats:
    start: datetime
    calls: int
    errors: int
    mean_latency_ms: float | None
    workbench_calls: int = 0
    """Of ``calls``, the workbench's own predictions no logger reported (none: its sample skips them)."""
    batch_rows: int = 0
    """Of ``calls``, rows scored in batches (the batch log) that no logger reported (``include_batch``)."""


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
    """One window's sampled rows, by column (a drift test wants arrays, not 2,000 row objects)."""

    times: list[float]
    """Epoch seconds."""
    sources: list[str]
    request_ids: list[str]
    inputs: list[Any]
    """Decoded input dicts (None where a row has none)."""
    labels: list[str | None]
    confidences: list[float | None]
    statuses: list[str]
    latencies_ms: list[float | None]
    total: int
    """Rows in the window; ``len(self) < total`` means a sample was taken."""
    keys: list[int] = field(default_factory=list)
    """Each row's fixed pseudo-random ``sample_key`` (0..1023): the rows with the smallest keys are a
    smaller sample of the same kind, the same on every visit."""

    def __len__(self) -> int:
        return len(self.times)

    @property
    def sampled(self) -> bool:
        return len(self) < self.total

    @property
    def rows(self) -> list[SampledRow]:
        return [SampledRow(as_time(t), *rest) for t, *rest in zip(  # type: ignore[arg-type]
            self.times, self.sources, self.request_ids, self.inputs, self.labels, self.confidences,
            self.statuses, self.latencies_ms, strict=True)]


def _is_error(status: Any) -> Any:
    # 1 or 0, not a boolean: Postgres cannot cast a boolean to a float to sum it
    return case((status == "error", 1), else_=0)


def _log_part(model: str, t0: float, t1: float, sources: tuple[str, ...] | None) -> Any:
    log = RequestLogRow.__table__.c
    latency = (log.response_ts - log.event_ts) * 1000.0
    query = select(log.event_ts.label("ts"), _is_error(log.status).label("is_error"),
                   cast(latency, Float).label("latency_ms")).where(
        log.model == model, log.event_ts >= t0, log.event_ts < t1)
    return query.where(log.source.in_(sources)) if sources else query


def _workbench_part(model: str, t0: float, t1: float, dialect: str, batch: bool = False) -> Any:
    pred = PredictionRow.__table__.c
    ts, where = _workbench_only(model, dialect, batch)
    # A batch row carries its whole call's latency; it says nothing about one call's speed.
    latency = func.nullif(pred.latency_ms * (pred.source != "batch"), 0)
    return select(ts.label("ts"), _is_error(pred.status).label("is_error"),
                  cast(latency, Float).label("latency_ms")).where(where, ts >= t0, ts < t1)


def _workbench_only(model: str, dialect: str, batch: bool = False) -> tuple[Any, Any]:
    """`traffic._workbench_only`; with ``batch`` (batch-logged rows counted from the batch log) without the
    predictions made from batch-logged rows for feedback (``batch_log.prediction_for``): those rows are counted there."""
    ts, where = _not_logged(model, dialect)
    if batch:
        pred, req = PredictionRow.__table__.c, BatchLogRequest.__table__.c
        where = and_(where, ~exists().where(req.model == model, req.request_id == pred.request_id))
    return ts, where


def _wants_workbench(include_workbench: bool, sources: tuple[str, ...] | None) -> bool:
    return include_workbench and (not sources or WORKBENCH in sources)


def window_stats(engine: Engine, model: str, start: datetime, width_seconds: float, n_windows: int, *,
                 include_workbench: bool = True, sources: tuple[str, ...] | None = None,
                 include_batch: bool = False) -> list[WindowStats]:
    """Calls, errors and mean latency per window ``[start + k*width, start + (k+1)*width)``, zeros too.

    ``include_batch`` (every source): the batch log's rows count too, once (`batch_traffic`).

    The log is read from the rollup, or (windows not made of its buckets) one range of its covering
    index per window (a ``GROUP BY`` over a computed bucket sorts a temporary B-tree: three times
    the CPU on a million rows); the workbench's own
    predictions, few, in one ``GROUP BY``; both added here.
    """
    if width_seconds <= 0 or n_windows < 1:
        raise ValueError("width_seconds must be positive and n_windows at least 1")
    t0 = start.timestamp()
    found: dict[int, list[float]] = {}
    own: dict[int, int] = {}

    def add(k: int, n: int, e: float | None, lat_sum: float | None, lat_n: int | None) -> None:
        into = found.setdefault(k, [0, 0, 0.0, 0])
        into[0] += int(n)
        into[1] += int(e or 0)
        into[2] += float(lat_sum or 0)
        into[3] += int(lat_n or 0)

    with session_scope(engine) as session:
        if aligned(t0, width_seconds):  # a few thousand bucket rows instead of a million index entries
            for k, values in rollup_windows(session, model, t0, width_seconds, n_windows, sources).items():
                add(k, *values)  # type: ignore[arg-type]
        for k in range(n_windows if not aligned(t0, width_seconds) else 0):
            part = _log_part(model, t0 + k * width_seconds, t0 + (k + 1) * width_seconds, sources).subquery("logged")
            n, e, lat_sum, lat_n = session.execute(select(
                func.count(), func.sum(cast(part.c.is_error, Float)), func.sum(part.c.latency_ms),
                func.count(part.c.latency_ms))).one()
            if n:
                add(k, n, e, lat_sum, lat_n)
        if _wants_workbench(include_workbench, sources):
            part = _workbench_part(model, t0, t0 + width_seconds * n_windows, engine.dialect.name,
                                   include_batch and not sources).subquery("wb")
            bucket = func.floor((part.c.ts - t0) / width_seconds).label("bucket")
            for b, n, e, lat_sum, lat_n in session.execute(select(
                    bucket, func.count(), func.sum(cast(part.c.is_error, Float)), func.sum(part.c.latency_ms),
                    func.count(part.c.latency_ms)).group_by(bucket)):
                add(int(b), n, e, lat_sum, lat_n)
                own[int(b)] = own.get(int(b), 0) + int(n)
    batch = batch_window_counts(engine, model, t0, width_seconds, n_windows) if include_batch and not sources else {}
    for k, (n, e) in batch.items():
        add(k, n, e, None, None)
    out = []
    for k in range(n_windows):
        n, e, lat_sum, lat_n = found.get(k, (0, 0, 0.0, 0))
        out.append(WindowStats(as_time(t0 + k * width_seconds), int(n), int(e),  # type: ignore[arg-type]
                               lat_sum / lat_n if lat_n else None, own.get(k, 0), batch.get(k, (0, 0))[0]))
    return out


def window_sample(engine: Engine, model: str, start: datetime, end: datetime, *, limit: int, total: int,
                  include_workbench: bool = True, sources: tuple[str, ...] | None = None,
                  include_batch: bool = False) -> WindowSample:
    """The rows of ``[start, end)`` (those with ``sample_key`` below k when ``total`` exceeds ``limit``), oldest first.

    ``total`` is the window's count from `window_stats` (the caller has it; counting again costs a scan).
    ``include_batch`` (every source): every ``stride``-th batch-logged row no logger reported too, its
    source ``"batch"`` (`batch_traffic`).
    The inputs are read as their stored text and parsed by one ``orjson.loads`` of them all: the JSON
    type's per-row decoding, and a Python object per row, were most of the read.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stride = max(1, -(-total // limit))
    # Keys below k hold about total * k / 1024 rows, a binomial draw: aim three standard deviations
    # above ``limit`` so that the sample almost always has its full size, then keep ``limit`` of them.
    wanted = limit + 3.0 * math.sqrt(limit)
    keys = min(SAMPLE_KEYS, math.ceil(wanted * SAMPLE_KEYS / max(total, 1)))
    t0, t1 = start.timestamp(), end.timestamp()
    log = RequestLogRow.__table__.c
    raw = type_coerce(log.inputs, Text).label("inputs")
    query = (select(log.event_ts, log.source, log.request_id, raw, log.label, log.confidence, log.status,
                    log.response_ts, log.sample_key)
             .where(log.model == model, log.event_ts >= t0, log.event_ts < t1))
    if sources:
        query = query.where(log.source.in_(sources))
    if keys < SAMPLE_KEYS:  # an IN list, not "<": one seek per key on (model, sample_key, event_ts)
        query = query.where(log.sample_key.in_(range(keys)))
    with session_scope(engine) as session:
        found = session.execute(query).all()
        extra = (_workbench_rows(session, engine.dialect.name, model, t0, t1, stride,
                                 include_batch and not sources)
                 if _wants_workbench(include_workbench, sources) else [])
    if len(found) > limit:  # the draw came out above the limit: keep the smallest keys (still pseudo-random)
        found = sorted(found, key=lambda r: r[-1])[:limit]
    columns: list[list[Any]] = [list(c) for c in zip(*found, strict=True)] if found else [[] for _ in range(9)]
    ts, src, rid, texts, label, conf, status, response, keys = columns
    inputs = _decode_all(texts)
    latency = [None if r is None else (r - t) * 1000.0 for t, r in zip(ts, response, strict=True)]
    keys = [SAMPLE_KEYS - 1 if k is None else int(k) for k in keys]  # rows logged before keys existed: last
    if include_batch and not sources:
        for row in batch_window_rows(engine, model, t0, t1, stride):
            for column, value in zip((ts, src, rid, inputs, label, conf, status, latency, keys), row, strict=True):
                column.append(value)
    for row in extra:
        for column, value in zip((ts, src, rid, inputs, label, conf, status, latency, keys),
                                 (row.time.timestamp(), row.source, row.request_id, row.inputs, row.label,
                                  row.confidence, row.status, row.latency_ms, sample_key(str(row.request_id))),
                                 strict=True):
            column.append(value)
    order = sorted(range(len(ts)), key=ts.__getitem__)
    if order != list(range(len(ts))):
        ts, src, rid, inputs, label, conf, status, latency, keys = (
            [c[i] for i in order] for c in (ts, src, rid, inputs, label, conf, status, latency, keys))
    return WindowSample(ts, src, rid, inputs, label, conf, status, latency, max(total, len(ts)), keys)


def _decode_all(texts: list[Any]) -> list[Any]:
    """Stored JSON texts (or already decoded values, as Postgres's JSON may give) as Python values."""
    if not texts:
        return []
    if all(isinstance(t, str) for t in texts):
        try:
            values = orjson.loads("[" + ",".join(texts) + "]")
            if len(values) == len(texts):
                return values
        except orjson.JSONDecodeError:
            pass  # one bad row must not cost the window: decode them one by one below
    out = []
    for t in texts:
        try:
            out.append(orjson.loads(t) if isinstance(t, str | bytes) else t)
        except orjson.JSONDecodeError:
            out.append(None)
    return out


def _workbench_rows(session: Any, dialect: str, model: str, t0: float, t1: float, stride: int,
                    batch: bool = False) -> list[SampledRow]:
    pred = PredictionRow.__table__.c
    ts, where = _workbench_only(model, dialect, batch)
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
