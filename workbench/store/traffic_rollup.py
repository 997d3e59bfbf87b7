"""Calls, errors and latency per model, source and 5-minute bucket, kept beside the request log.

The Monitor page's windows (5 minutes to a week, starting on a multiple of their width) are unions
of these buckets, so counting a month of traffic reads a few thousand rollup rows, not a million
index entries. `store_log` keeps the rollup in its own transaction: it reads the rows its write
may change (by ``log_key``) before and after, and adds the difference of their contributions with
one upsert (``calls = calls + excluded.calls``, on SQLite and Postgres alike). That is exact for
the sink's single writer; a window not aligned to the buckets is counted from the log instead.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, tuple_

from workbench.store.tables import RequestLogRow, TrafficRollup

BUCKET_SECONDS = 300
_CHUNK = 500  # keys per IN (...): far under SQLite's bound-parameter limit


Key = tuple[str, int, str]
Delta = dict[Key, list[float]]


def bucket_of(ts: float) -> int:
    return math.floor(ts / BUCKET_SECONDS) * BUCKET_SECONDS


def add_rows(delta: Delta, rows: Iterable[Any], sign: int) -> None:
    """Add (or with ``sign=-1`` take away) rows' contributions: (model, source, event_ts, status, response_ts)."""
    for model, source, ts, status, response_ts in rows:
        into = delta.setdefault((model, bucket_of(ts), source), [0, 0, 0.0, 0])
        into[0] += sign
        into[1] += sign * (status == "error")
        if response_ts is not None:
            into[2] += sign * (response_ts - ts) * 1000.0
            into[3] += sign


def state_of(connection: Any, keys: list[str]) -> dict[str, tuple[Any, ...]]:
    """log_key -> (model, source, event_ts, status, response_ts) of the rows that exist."""
    # Straight on the DB-API cursor: SQLAlchemy's expanding IN, and even its result wrapping of a
    # driver statement, cost more than the query (the sink runs this twice per group commit).
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    out: dict[str, tuple[Any, ...]] = {}
    cursor = connection.connection.cursor()
    try:
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            cursor.execute("SELECT log_key, model, source, event_ts, status, response_ts FROM request_log "
                           f"WHERE log_key IN ({', '.join([mark] * len(chunk))})", tuple(chunk))
            for key, *rest in cursor.fetchall():
                out[key] = tuple(rest)
    finally:
        cursor.close()
    return out


def calls_state(connection: Any, calls: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    """The rows of (model, request id) calls, as `add_rows` wants them."""
    log = RequestLogRow.__table__.c
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(calls), _CHUNK):
        query = select(log.model, log.source, log.event_ts, log.status, log.response_ts) \
            .where(tuple_(log.model, log.request_id).in_(calls[i:i + _CHUNK]))
        out.extend(tuple(r) for r in connection.execute(query))
    return out


def apply(connection: Any, delta: Delta) -> None:
    """Add ``delta`` to the rollup, one upsert for all its buckets."""
    rows = [(m, b, s, int(v[0]), int(v[1]), float(v[2]), int(v[3])) for (m, b, s), v in delta.items() if any(v)]
    if not rows:
        return
    sql, positional = _apply_sql(connection.dialect)
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(sql, rows if positional else [dict(zip(_APPLY_COLUMNS, r, strict=True)) for r in rows])
    finally:
        cursor.close()


_APPLY_COLUMNS = ("model", "bucket", "source", "calls", "errors", "latency_sum", "latency_n")
_APPLY_SQL: dict[str, tuple[str, bool]] = {}


def _apply_sql(dialect: Any) -> tuple[str, bool]:
    """The rollup's upsert compiled once per dialect: building the statement on every group commit cost
    milliseconds, more than the write itself. (SQL text, positional parameters in column order?)"""
    if dialect.name not in _APPLY_SQL:
        if dialect.name == "postgresql":
            # Only the dialect in use: PostgreSQL's costs ~60 ms of imports, which a SQLite store never pays.
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        table = TrafficRollup.__table__
        stmt = insert(table)
        new, old = stmt.excluded, table.c
        stmt = stmt.on_conflict_do_update(index_elements=["model", "bucket", "source"], set_={
            name: old[name] + new[name] for name in ("calls", "errors", "latency_sum", "latency_n")})
        compiled = stmt.compile(dialect=dialect, column_keys=list(_APPLY_COLUMNS))
        if compiled.positional:
            assert tuple(compiled.positiontup or ()) == _APPLY_COLUMNS, compiled.positiontup
        _APPLY_SQL[dialect.name] = (compiled.string, bool(compiled.positional))
    return _APPLY_SQL[dialect.name]


def aligned(t0: float, width_seconds: float) -> bool:
    return t0 % BUCKET_SECONDS == 0 and width_seconds % BUCKET_SECONDS == 0


def rollup_windows(session: Any, model: str, t0: float, width_seconds: float, n_windows: int,
                   sources: tuple[str, ...] | None) -> dict[int, list[float]]:
    """window index -> [calls, errors, latency_sum, latency_n], from the buckets (``aligned`` windows only)."""
    c = TrafficRollup.__table__.c
    query = select(c.bucket, func.sum(c.calls), func.sum(c.errors), func.sum(c.latency_sum),
                   func.sum(c.latency_n)).where(
        c.model == model, c.bucket >= t0, c.bucket < t0 + width_seconds * n_windows).group_by(c.bucket)
    if sources:
        query = query.where(c.source.in_(sources))
    found: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
    for bucket, n, e, lat_sum, lat_n in session.execute(query):
        into = found[int((bucket - t0) // width_seconds)]
        into[0] += int(n or 0)
        into[1] += int(e or 0)
        into[2] += float(lat_sum or 0)
        into[3] += int(lat_n or 0)
    return dict(found)
