"""Reads of a model's traffic: the request log, optionally united with the workbench's own predictions.

Every read is done by the database: counts per window are one ``GROUP BY``, a window's rows one
range scan on ``(model, event_ts)``; nothing loads a model's whole log, and nothing stops at a
row limit it does not name. A workbench call that a logger also reported is one call: with
``include_workbench`` a ``prediction`` row counts only when no request-log row has its request id.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Engine, Text, and_, case, exists, func, literal, select, type_coerce, union_all
from sqlalchemy.sql import Select

from workbench.store.engine import session_scope
from workbench.store.request_log import as_time, epoch
from workbench.store.tables import PredictionRow, RequestLogRow

WORKBENCH = "workbench"
SIMULATED = "simulate"  # `mds simulate`, Admin's live simulation and the demo traffic (logsink.events.SOURCES)


@dataclass(frozen=True)
class LoggedCall:
    """One instance of a call to a model, from whichever source saw it."""

    source: str
    request_id: str
    row_index: int
    time: datetime
    inputs: Any
    outputs: Any
    label: str | None
    value: float | None
    confidence: float | None
    status: str


class LoggedRow(NamedTuple):
    """One logged instance as a replay reads it (``replay_calls``): what was sent and what was answered, the
    answer's detail (``outputs``) left out. A tuple: a replay reads every call of a window, and building a
    frozen dataclass and a datetime per call took longer than reading it."""

    source: str
    request_id: str
    row_index: int
    ts: float
    """Epoch seconds of the call."""
    inputs: Any
    label: str | None
    value: float | None
    confidence: float | None
    status: str


@dataclass(frozen=True)
class LogSummary:
    model: str
    total: int
    per_source: dict[str, int]
    first: datetime | None
    last: datetime | None
    known_model: bool


def _log_ts(model: str, start: float | None, end: float | None, sources: tuple[str, ...] | None) -> Select:
    log = RequestLogRow.__table__.c
    query = select(log.event_ts.label("ts"), log.source.label("source")).where(log.model == model)
    if start is not None:
        query = query.where(log.event_ts >= start)
    if end is not None:
        query = query.where(log.event_ts < end)
    if sources:
        query = query.where(log.source.in_(sources))
    return query


def _workbench_only(model: str, dialect: str) -> tuple[Any, Any]:
    """(epoch column, where clause) of the prediction rows no logger reported."""
    pred = PredictionRow.__table__.c
    log = RequestLogRow.__table__.c
    logged = exists().where(and_(log.request_id == pred.request_id, log.model == model))
    return epoch(pred.created, dialect), and_(pred.model == model, (pred.request_id == "") | ~logged)


def _traffic_ts(engine: Engine, model: str, start: float | None, end: float | None,
                include_workbench: bool, sources: tuple[str, ...] | None) -> Any:
    parts = [_log_ts(model, start, end, sources)]
    if include_workbench and (not sources or WORKBENCH in sources):
        ts, where = _workbench_only(model, engine.dialect.name)
        query = select(ts.label("ts"), literal(WORKBENCH).label("source")).where(where)
        if start is not None:
            query = query.where(ts >= start)
        if end is not None:
            query = query.where(ts < end)
        parts.append(query)
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("traffic")


def window_counts(engine: Engine, model: str, start: datetime, end: datetime, width_seconds: float, *,
                  include_workbench: bool = True, sources: tuple[str, ...] | None = None) -> list[tuple[datetime, int]]:
    """Instances per window ``[start + k*width, start + (k+1)*width)``, every window listed (zeros too)."""
    if width_seconds <= 0:
        raise ValueError("width_seconds must be positive")
    t0, t1 = start.timestamp(), end.timestamp()
    traffic = _traffic_ts(engine, model, t0, t1, include_workbench, sources)
    bucket = func.floor((traffic.c.ts - t0) / width_seconds).label("bucket")
    query = select(bucket, func.count()).group_by(bucket)
    with session_scope(engine) as session:
        counts = {int(b): int(n) for b, n in session.execute(query)}
    n_windows = max(1, int(-(-(t1 - t0) // width_seconds)))
    return [(as_time(t0 + k * width_seconds), counts.get(k, 0)) for k in range(n_windows)]  # type: ignore[misc]


def window_calls(engine: Engine, model: str, start: datetime, end: datetime, *,
                 include_workbench: bool = True) -> list[LoggedCall]:
    """Every instance logged for ``model`` in ``[start, end)``, oldest first."""
    t0, t1 = start.timestamp(), end.timestamp()
    log = RequestLogRow.__table__.c
    query = (select(log.source, log.request_id, log.row_index, log.event_ts, log.inputs, log.outputs, log.label,
                    log.value, log.confidence, log.status)
             .where(log.model == model, log.event_ts >= t0, log.event_ts < t1).order_by(log.event_ts, log.id))
    with session_scope(engine) as session:
        calls = [LoggedCall(r.source, r.request_id, r.row_index, as_time(r.event_ts), r.inputs, r.outputs,  # type: ignore[arg-type]
                            r.label, r.value, r.confidence, r.status) for r in session.execute(query)]
        if include_workbench:
            calls.extend(_workbench_calls(session, engine.dialect.name, model, t0, t1))
    calls.sort(key=lambda c: c.time)
    return calls


def replay_calls(engine: Engine, model: str, start: datetime, end: datetime, *, limit: int | None = None,
                 include_workbench: bool = True, part_rows: int = 10_000) -> Iterator[list[LoggedRow]]:
    """The calls of ``window_calls`` as a replay reads them: in parts of ``part_rows``, oldest first, and with
    ``limit`` only the newest ``limit``; each a ``LoggedRow`` (its inputs and the logged label, value and
    confidence).

    Parts are read while the caller works on the ones before (a replay scores one part as it reads the next),
    through the DB-API cursor, the inputs as JSON text decoded by orjson: SQLAlchemy's result processing and
    Python's json module on inputs and outputs were nine tenths of reading 20,000 calls at once.
    """
    t0, t1 = start.timestamp(), end.timestamp()
    log = RequestLogRow.__table__.c
    query = (select(log.source, log.request_id, log.row_index, log.event_ts,
                    type_coerce(log.inputs, Text).label("inputs"), log.label, log.value, log.confidence, log.status)
             .where(log.model == model, log.event_ts >= t0, log.event_ts < t1))
    # SQLite gives the JSON text; Postgres drivers hand JSON over already decoded
    decode = _json_text if engine.dialect.name == "sqlite" else _same
    make = LoggedRow.__new__

    def read(rows: Any) -> list[LoggedRow]:
        return [make(LoggedRow, source, request_id, row, ts, decode(inputs), label, value, confidence, status)
                for source, request_id, row, ts, inputs, label, value, confidence, status in rows]

    with engine.connect() as connection:
        own = [LoggedRow(c.source, c.request_id, c.row_index, c.time.timestamp(), c.inputs, c.label, c.value,
                         c.confidence, c.status)
               for c in (_workbench_calls(connection, engine.dialect.name, model, t0, t1, limit)
                         if include_workbench else [])]
        if limit is not None:
            newest = [row for rows in _driver_rows(connection, query.order_by(log.event_ts.desc(), log.id.desc())
                                                   .limit(limit), part_rows) for row in read(rows)]
            newest.reverse()  # oldest first; the stable sort below keeps each call's rows in order
            calls = sorted(newest + own, key=_ts)[-limit:] if limit > 0 else []
            for first in range(0, len(calls), part_rows):
                yield calls[first:first + part_rows]
            return
        parts = (read(rows) for rows in _driver_rows(connection, query.order_by(log.event_ts, log.id), part_rows))
        if not own:
            yield from parts
            return
        part: list[LoggedRow] = []
        for row in heapq.merge((row for chunk in parts for row in chunk), sorted(own, key=_ts), key=_ts):
            part.append(row)
            if len(part) == part_rows:
                yield part
                part = []
        if part:
            yield part


def _ts(row: LoggedRow) -> float:
    return row.ts


def _driver_rows(connection: Any, query: Select, size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``query`` from the DB-API cursor itself, ``size`` at a time: SQLAlchemy's processing of each
    row of a result cost as much as the database's read of it (the sink writes through the cursor too)."""
    compiled = query.compile(dialect=connection.dialect)
    params = [compiled.params[k] for k in compiled.positiontup or []] if compiled.positional else compiled.params
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def _json_text(value: str | None) -> Any:
    return None if value is None else orjson.loads(value)


def _same(value: Any) -> Any:
    return value


def _workbench_calls(session: Any, dialect: str, model: str, t0: float, t1: float,
                     limit: int | None = None) -> list[LoggedCall]:
    pred = PredictionRow.__table__.c
    ts, where = _workbench_only(model, dialect)
    query = (select(pred.request_id, ts.label("ts"), pred.inputs, pred.outputs, pred.status)
             .where(where, ts >= t0, ts < t1))
    query = query.order_by(pred.id) if limit is None else query.order_by(pred.id.desc()).limit(limit)
    out = []
    for r in session.execute(query):
        outputs = r.outputs if isinstance(r.outputs, dict) else {}
        probs = outputs.get("probabilities") or None
        label = outputs.get("label")
        out.append(LoggedCall(
            WORKBENCH, r.request_id, max(0, int(outputs.get("row") or 1) - 1), as_time(r.ts),  # type: ignore[arg-type]
            r.inputs, outputs or None, None if label is None else str(label), outputs.get("value"),
            max(probs.values()) if isinstance(probs, dict) and probs else None, r.status))
    if limit is not None:
        out.reverse()  # read newest first
    return out


def source_totals(engine: Engine, model: str, *, include_workbench: bool = True) -> dict[str, int]:
    traffic = _traffic_ts(engine, model, None, None, include_workbench, None)
    query = select(traffic.c.source, func.count()).group_by(traffic.c.source)
    with session_scope(engine) as session:
        return {str(s): int(n) for s, n in session.execute(query) if n}


def time_span(engine: Engine, model: str, *, include_workbench: bool = True) -> tuple[datetime | None, datetime | None]:
    """The first and last call's time. The log's ends are two index seeks: one ``min`` and one ``max``
    per query (SQLite answers ``min(), max()`` together, or over a union, by scanning every row)."""
    log = RequestLogRow.__table__.c
    ends: list[float] = []
    with session_scope(engine) as session:
        for agg in (func.min, func.max):
            value = session.scalar(select(agg(log.event_ts)).where(log.model == model))
            if value is not None:
                ends.append(float(value))
        if include_workbench:
            ts, where = _workbench_only(model, engine.dialect.name)
            first, last = session.execute(select(func.min(ts), func.max(ts)).where(where)).one()
            ends += [float(v) for v in (first, last) if v is not None]
    return (as_time(min(ends)), as_time(max(ends))) if ends else (None, None)


def log_summary(engine: Engine, model: str, *, include_workbench: bool = True) -> LogSummary:
    """What is logged for a model: instances in total and per source, first and last time."""
    per_source = source_totals(engine, model, include_workbench=include_workbench)
    first, last = time_span(engine, model, include_workbench=include_workbench)
    log = RequestLogRow.__table__.c
    with session_scope(engine) as session:
        unknown = session.scalar(select(func.count()).where(log.model == model, log.known_model.is_(False)))
    return LogSummary(model, sum(per_source.values()), per_source, first, last, known_model=not unknown)


def logged_models(engine: Engine) -> dict[str, bool]:
    """Every model name in the request log, with whether the catalog knew it."""
    log = RequestLogRow.__table__.c
    query = select(log.model, func.min(case((log.known_model.is_(True), 1), else_=0))).group_by(log.model)
    with session_scope(engine) as session:
        return {str(m): bool(k) for m, k in session.execute(query)}


def count_log_rows(engine: Engine, *, model: str | None = None) -> int:
    log = RequestLogRow.__table__.c
    query = select(func.count()).select_from(RequestLogRow.__table__)
    if model is not None:
        query = query.where(log.model == model)
    with session_scope(engine) as session:
        return int(session.scalar(query) or 0)
